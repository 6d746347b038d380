import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openSqlClient } from "../src/catalog-db/open-sql-client.js";
import { PgliteSqlClient } from "../src/catalog-db/pglite/pglite-sql-client.js";
import type { SqlClient } from "../src/catalog-db/sql-client.js";
import { openEmbeddedCatalog } from "../src/catalog-db/pglite/open-embedded-catalog.js";
import { OmicslakeError } from "../src/errors/omicslake-error.js";

const CHILD = fileURLToPath(new URL("./catalog-socket-child.ts", import.meta.url));

/** A promise and the function that settles it: lets a test hold a transaction open until it says so. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Starts the child in `mode` and resolves once it printed "ready <kind>". */
function startChild(dataDir: string, mode: string): Promise<{ child: ChildProcess; kind: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const match = /ready (\w+)/.exec(stdout);
      if (match?.[1]) resolve({ child, kind: match[1] });
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("exit", (code) => reject(new Error(`child ${mode} exited (${code}) before ready: ${stderr}`)));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

describe("the embedded catalog shared over a Unix socket", () => {
  let dir: string;
  let dataDir: string;
  const open: SqlClient[] = [];
  const children: ChildProcess[] = [];

  // One data directory for the file: creating a PGlite database is its slowest step by far.
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-socket-"));
    dataDir = join(dir, "catalog");
    const db = await openSqlClient({ pgliteDir: dataDir });
    await db.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const db = await openSqlClient({ pgliteDir: dataDir });
    await db.exec("DROP TABLE IF EXISTS t_socket; DROP SCHEMA IF EXISTS t_socket_b CASCADE");
    await db.close();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await kill(child);
    for (const db of open.splice(0).reverse()) await db.close().catch(() => undefined);
  });

  async function client(share?: { idleInTransactionMs: number }): Promise<SqlClient> {
    const db = share
      ? await PgliteSqlClient.open({ dataDir, share })
      : await openSqlClient({ pgliteDir: dataDir });
    open.push(db);
    return db;
  }

  it("lets a second client in through an owner-only socket recorded in the lock, and frees it on close", async () => {
    const holder = await client();
    expect(holder).toBeInstanceOf(PgliteSqlClient);
    const socketPath = (holder as PgliteSqlClient).socketPath ?? "";
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(socketPath, ".."))).mode & 0o777).toBe(0o700);
    const lock = JSON.parse(await readFile(`${dataDir}.lock`, "utf8")) as { socketDir?: string };
    expect(join(lock.socketDir ?? "", ".s.PGSQL.5432")).toBe(socketPath);

    const remote = await client();
    expect(remote).not.toBeInstanceOf(PgliteSqlClient);
    expect(remote.kind).toBe("pglite");
    await remote.exec("CREATE TABLE t_socket (v text)");
    await remote.query("INSERT INTO t_socket (v) VALUES ($1)", ["remote"]);
    expect((await holder.query("SELECT v FROM t_socket")).rows).toEqual([{ v: "remote" }]);

    await remote.close();
    await holder.close();
    await expect(access(socketPath)).rejects.toThrow();
    await expect(access(`${dataDir}.lock`)).rejects.toThrow();
  });

  it("never interleaves a remote transaction with the holder's queries or transactions", async () => {
    const holder = await client();
    const remote = await client();
    await holder.exec("CREATE TABLE t_socket (v text)");

    // A remote transaction holds the backend: the holder's insert, issued meanwhile, must neither run
    // inside it (and vanish with its rollback) nor see its uncommitted row.
    const remoteInside = gate();
    const release = gate();
    const remoteTx = remote
      .transaction(async (tx) => {
        await tx.query("INSERT INTO t_socket (v) VALUES ('remote, rolled back')");
        remoteInside.open();
        await release.opened;
        throw new Error("roll back");
      })
      .catch((error: unknown) => error);
    await remoteInside.opened;
    const holderSeen = holder.query<{ v: string }>("SELECT v FROM t_socket");
    const holderInsert = holder.query("INSERT INTO t_socket (v) VALUES ('holder')");
    release.open();
    expect(((await remoteTx) as Error).message).toBe("roll back");
    expect((await holderSeen).rows).toEqual([]);
    await holderInsert;

    // The other way round: a holder transaction excludes remote clients until it commits.
    const holderInside = gate();
    const commit = gate();
    const holderTx = holder.transaction(async (tx) => {
      await tx.query("INSERT INTO t_socket (v) VALUES ('holder tx')");
      holderInside.open();
      await commit.opened;
    });
    await holderInside.opened;
    const remoteSeen = remote.query<{ v: string }>("SELECT v FROM t_socket ORDER BY v");
    commit.open();
    await holderTx;
    expect((await remoteSeen).rows).toEqual([{ v: "holder" }, { v: "holder tx" }]);
  });

  it("keeps session settings and prepared statement names apart between clients", async () => {
    const holder = await client();
    await holder.exec("CREATE TABLE t_socket (v text); INSERT INTO t_socket VALUES ('public')");
    const a = await client();
    const b = await openSqlClient({ pgliteDir: dataDir, schema: "t_socket_b" });
    open.push(b);
    await b.exec("CREATE TABLE t_socket (v text); INSERT INTO t_socket VALUES ('schema b')");
    // A session-level SET lasts for its own statement's turn only, and never reaches anyone else.
    await a.exec("SET search_path TO t_socket_b");
    expect((await holder.query("SELECT v FROM t_socket")).rows).toEqual([{ v: "public" }]);
    expect((await a.query("SELECT v FROM t_socket")).rows).toEqual([{ v: "public" }]);
    // A client's startup settings (pg's `options`) hold for each of its statements.
    expect((await b.query("SELECT v FROM t_socket")).rows).toEqual([{ v: "schema b" }]);
    // Same statement name, different SQL, on two connections: each runs its own.
    const sql = (n: number) => `SELECT ${n} AS n, v FROM t_socket`;
    expect((await a.query(sql(1), [], { prepare: "t_same_name" })).rows).toEqual([{ n: 1, v: "public" }]);
    expect((await b.query(sql(2), [], { prepare: "t_same_name" })).rows).toEqual([{ n: 2, v: "schema b" }]);
    expect((await a.query(sql(1), [], { prepare: "t_same_name" })).rows).toEqual([{ n: 1, v: "public" }]);
  });

  it("cuts off a client that keeps a transaction open, rolls it back and keeps serving", async () => {
    const holder = await client({ idleInTransactionMs: 300 });
    await holder.exec("CREATE TABLE t_socket (v text)");
    const remote = await client();
    const error = await remote
      .transaction(async (tx) => {
        await tx.query("INSERT INTO t_socket (v) VALUES ('stuck')");
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await tx.query("SELECT 1");
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OmicslakeError);
    expect((error as OmicslakeError).code).toBe("database_in_use");
    expect((error as Error).message).toMatch(/rolled back/);
    expect((await holder.query("SELECT count(*) AS n FROM t_socket")).rows).toEqual([{ n: 0 }]);
    // The cut-off client reconnects on its next call.
    expect((await remote.query("SELECT count(*) AS n FROM t_socket")).rows).toEqual([{ n: 0 }]);
  });

  it("hands the catalog over when its holder closes: the client's call in flight fails, its next one holds it", async () => {
    const holder = await client();
    const remote = await client();
    await remote.exec("CREATE TABLE t_socket (v text)");
    const inside = gate();
    const pending = remote
      .transaction(async (tx) => {
        await tx.query("INSERT INTO t_socket (v) VALUES ('cut off')");
        inside.open();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await tx.query("SELECT 1");
      })
      .catch((e: unknown) => e);
    await inside.opened;
    await holder.close();
    const error = await pending;
    expect((error as OmicslakeError).code).toBe("database_in_use");
    expect((error as Error).message).toMatch(/stopped answering|exiting/);
    // The cut-off transaction was rolled back before the holder closed PGlite.
    expect((await remote.query("SELECT count(*) AS n FROM t_socket")).rows).toEqual([{ n: 0 }]);
    // The holder released its lock on closing; the one now there is the former client's.
    await expect(access(`${dataDir}.lock`)).resolves.toBeUndefined();
  });

  it("ends a broken or refused connection and keeps serving the others", async () => {
    const holder = (await client()) as PgliteSqlClient;
    const socketPath = holder.socketPath ?? "";
    // A length no protocol message has: the connection is closed, nothing else happens.
    const garbage = connect(socketPath).resume();
    garbage.write(
      Buffer.from([0x00, 0x00, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x51, 0xff, 0xff, 0xff, 0xff]),
    );
    await new Promise((resolve) => garbage.on("close", resolve));
    // A setting the backend does not know fails the connection at startup, as on a server.
    const refused = new pg.Client({ host: join(socketPath, ".."), options: "-c no_such_setting=1" });
    await expect(refused.connect()).rejects.toThrow(/no_such_setting/);
    expect((await holder.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("rolls back the transaction of a client killed inside it, and the holder keeps serving", async () => {
    const holder = await client();
    await holder.exec("CREATE TABLE t_socket (v text)");
    const { child, kind } = await startChild(dataDir, "open-transaction");
    children.push(child);
    expect(kind).toBe("pglite");
    await kill(child);
    expect((await holder.query("SELECT count(*) AS n FROM t_socket")).rows).toEqual([{ n: 0 }]);
    await holder.transaction(async (tx) => tx.query("INSERT INTO t_socket (v) VALUES ('after')"));
    expect((await holder.query("SELECT v FROM t_socket")).rows).toEqual([{ v: "after" }]);
  });

  it("opens the catalog directly after its holder was killed, over its stale lock and socket", async () => {
    const { child } = await startChild(dataDir, "hold");
    children.push(child);
    const remote = await client();
    expect(remote).not.toBeInstanceOf(PgliteSqlClient);
    await remote.exec("CREATE TABLE t_socket (v text)");
    await kill(child);
    // Mid-command loss is reported as such, not hung on...
    const error = await remote.query("SELECT 1").catch((e: unknown) => e);
    expect((error as OmicslakeError).code).toBe("database_in_use");
    // ...and the next call reopens the catalog, this process now holding it.
    expect((await remote.query("SELECT count(*) AS n FROM t_socket")).rows).toEqual([{ n: 0 }]);
    const fresh = await client();
    expect(fresh).not.toBeInstanceOf(PgliteSqlClient);
    expect((await fresh.query("SELECT count(*) AS n FROM t_socket")).rows).toEqual([{ n: 0 }]);
  });
});

describe("a catalog held by a process that has not shared it yet", () => {
  it("is waited for while its holder opens it, then refused saying so", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-socket-"));
    try {
      const dataDir = join(dir, "catalog");
      // A live holder (this process) that announced it will share but has no socket yet.
      await writeFile(
        `${dataDir}.lock`,
        JSON.stringify({ pid: process.pid, host: hostname(), since: "2024-01-01T00:00:00Z", shares: true }),
      );
      const error = await openEmbeddedCatalog({ dataDir, openingWaitMs: 300 }).catch((e: unknown) => e);
      expect((error as OmicslakeError).code).toBe("database_in_use");
      expect((error as Error).message).toMatch(/still opening the catalog/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
