// Child process of catalog-socket.test.ts, killed with SIGKILL at the point the test names.
// argv: <pglite data dir> <"hold" | "open-transaction">
//   hold: opens the catalog (becoming its holder), prints "ready <kind>", waits to be killed.
//   open-transaction: opens the catalog (through the holder's socket), inserts a row inside a
//   transaction it never ends, prints "ready <kind>", waits to be killed.
import { openSqlClient } from "../src/catalog-db/open-sql-client.js";

const [dataDir, mode] = process.argv.slice(2);
if (!dataDir || (mode !== "hold" && mode !== "open-transaction"))
  throw new Error("usage: <dir> <hold|open-transaction>");
const db = await openSqlClient({ pgliteDir: dataDir });
if (mode === "hold") {
  process.stdout.write(`ready ${db.kind}\n`);
} else {
  void db.transaction(async (tx) => {
    await tx.query("INSERT INTO t_socket (v) VALUES ('from the killed client')");
    process.stdout.write(`ready ${db.kind}\n`);
    await new Promise(() => undefined);
  });
}
setInterval(() => undefined, 60_000);
