import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OmicslakeError, sqlString, withDuckDb } from "@omicslake/core";
import { createClickHouseEngine, type ExpressionEngine } from "@omicslake/expression";

import { chIdentifier, chString } from "../src/engine/clickhouse/clickhouse-quote.js";
import { ClickHouseSession } from "../src/engine/clickhouse/clickhouse-session.js";
import { buildTableName } from "../src/engine/clickhouse/clickhouse-tables.js";
import { redactUrl } from "../src/engine/clickhouse/clickhouse-url.js";
import { describeEngineConformance, mixedTestMatrix } from "./engine-conformance.js";
import {
  clickHouseMissing,
  startClickHouseServer,
  type TestClickHouseServer,
} from "./support/clickhouse-server.js";
import { writeTestStore, type WrittenTestStore } from "./support/write-test-store.js";

// One server for the whole file: starting ClickHouse takes seconds, and every test uses its own database.
const missing = clickHouseMissing();
if (missing !== undefined) console.warn(`clickhouse engine tests skipped: ${missing}`);
let server: TestClickHouseServer | undefined;

beforeAll(async () => {
  if (missing === undefined) server = await startClickHouseServer();
});
afterAll(async () => {
  await server?.stop();
});

const freshDatabase = (): string => `t_${randomBytes(6).toString("hex")}`;
const serverUrl = (): string => {
  if (server === undefined) throw new Error("the ClickHouse test server is not running");
  return server.url;
};

describeEngineConformance(
  "clickhouse",
  async () => createClickHouseEngine({ url: serverUrl(), database: freshDatabase(), threads: 1 }),
  missing === undefined ? {} : { skip: missing },
);

describe("ClickHouse literals and names", () => {
  it("escapes quotes, backslashes, control characters and leaves unicode as is", () => {
    expect(chString("it's")).toBe("'it\\'s'");
    expect(chString("a\\b")).toBe("'a\\\\b'");
    expect(chString("x\0y\nz\t")).toBe("'x\\0y\\nz\\t'");
    expect(chString("名前 ü 😀")).toBe("'名前 ü 😀'");
    expect(chIdentifier("we`ird")).toBe("`we\\`ird`");
    expect(() => chIdentifier("")).toThrow(/empty/);
  });

  it("removes credentials from URLs it shows", () => {
    expect(redactUrl("http://bob:s3cret@127.0.0.1:8123")).toBe("http://127.0.0.1:8123");
    expect(redactUrl("not a url with s3cret")).not.toContain("s3cret");
  });

  it.skipIf(missing !== undefined)("round-trips every hard string through the server unchanged", async () => {
    const session = new ClickHouseSession({ url: serverUrl() });
    try {
      const hard = [
        "plain",
        "it's",
        'double "quoted"',
        "back\\slash\\",
        "ends with backslash\\",
        "nul\0inside",
        "new\nline\ttab\rcr",
        "名前 ünïcødé 😀",
        "'; DROP TABLE x; --",
        "`backtick`",
      ];
      for (const value of hard) {
        const rows = await session.rows(`SELECT ${chString(value)} AS ${chIdentifier(value)}`);
        expect(rows).toEqual([{ [value]: value }]);
      }
    } finally {
      await session.close();
    }
  });
});

describe.skipIf(missing !== undefined)("ClickHouse loads", () => {
  let tmp: string;
  let store: WrittenTestStore;
  let database: string;
  let session: ClickHouseSession;
  const table = (role: Parameters<typeof buildTableName>[2], build = store.manifest.build): string =>
    `${chIdentifier(database)}.${chIdentifier(buildTableName(store.manifest.dataset, build, role))}`;
  const count = async (sql: string): Promise<number> => Number((await session.rows(sql))[0]?.n);
  const engineOn = (): ExpressionEngine => createClickHouseEngine({ url: serverUrl(), database, threads: 1 });

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "clickhouse-loads-"));
    database = freshDatabase();
    session = new ClickHouseSession({ url: serverUrl() });
    store = await writeTestStore(join(tmp, "store"), { ...mixedTestMatrix(), dataset: "loads" });
  });
  afterAll(async () => {
    await session?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("loads a build once: another engine finds it loaded and does not load it again", async () => {
    const first = engineOn();
    await Promise.all([first.prepare(store), first.prepare(store)]);
    await first.close();
    const nonzeros = store.manifest.counts.nonzeros;
    expect(await count(`SELECT count() AS n FROM ${table("valuesByGene")}`)).toBe(nonzeros);
    expect(await count(`SELECT count() AS n FROM ${table("valuesByCell")}`)).toBe(nonzeros);
    // A row only this test wrote: a second load would drop it with the table.
    await session.command(
      `INSERT INTO ${table("valuesByGene")} (gene_idx, cell_idx, value) VALUES (999, 999, 1)`,
    );
    const second = engineOn();
    await second.prepare(store);
    await second.close();
    expect(await count(`SELECT count() AS n FROM ${table("valuesByGene")}`)).toBe(nonzeros + 1);
  });

  it("redoes a load that was killed: partial tables without the marker are dropped and loaded again", async () => {
    await session.command(`DROP TABLE ${table("loaded")}`);
    await session.command(`DROP TABLE ${table("valuesByCell")}`);
    // The table left by the first test holds an extra row: a redone load must not keep it.
    const engine = engineOn();
    await engine.prepare(store);
    const nonzeros = store.manifest.counts.nonzeros;
    expect(await count(`SELECT count() AS n FROM ${table("valuesByGene")}`)).toBe(nonzeros);
    expect(await count(`SELECT count() AS n FROM ${table("valuesByCell")}`)).toBe(nonzeros);
    const genes = await engine.genes(store, { limit: 100 });
    expect(genes.length).toBe(store.manifest.counts.genes);
    await engine.close();
  });

  it("retire drops the tables of other builds of the dataset only", async () => {
    const next = await writeTestStore(join(tmp, "store-2"), {
      ...mixedTestMatrix(),
      dataset: "loads",
      build: 2,
    });
    const other = await writeTestStore(join(tmp, "other"), { ...mixedTestMatrix(), dataset: "loads2" });
    const engine = engineOn();
    await engine.prepare(next);
    await engine.prepare(other);
    const tables = async (): Promise<string[]> =>
      (
        await session.rows(
          `SELECT name FROM system.tables WHERE database = ${chString(database)} ORDER BY name`,
        )
      ).map((row) => String(row.name));
    const before = await tables();
    expect(before.filter((name) => name.includes("_b1_")).length).toBeGreaterThanOrEqual(10);
    await engine.retire("loads", [2]);
    const after = await tables();
    expect(after.filter((name) => name === buildTableName("loads", 1, "loaded"))).toEqual([]);
    expect(after).toContain(buildTableName("loads", 2, "loaded"));
    expect(after).toContain(buildTableName("loads2", 1, "loaded"));
    expect(
      after.some((name) => name.startsWith(buildTableName("loads", 1, "genes").replace(/genes$/, ""))),
    ).toBe(false);
    // Retired builds load again on demand.
    expect((await engine.genes(store, { limit: 1 })).length).toBe(1);
    await engine.close();
  });

  it("keeps every bit of float values and metadata (18.16 reads decimal text up to one ulp off)", async () => {
    let seed = 7;
    const next = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const values = Array.from({ length: 400 }, (_, i) => (next() - 0.3) * 10 ** ((i % 24) - 12));
    const cells = Array.from({ length: 200 }, (_, i) => ({
      cell: `c${i}`,
      meta: { score: values[i] as number },
    }));
    const exact = await writeTestStore(join(tmp, "exact"), {
      dataset: "exact",
      genes: [{ symbol: "A" }, { symbol: "B" }],
      cells,
      entries: values.map((v, i): [number, number, number] => [i % 2, Math.floor(i / 2), v]),
    });
    const engine = engineOn();
    await engine.prepare(exact);
    const got: number[] = [];
    for await (const batch of engine.subset(exact, { genes: [0, 1], cells: { where: {} }, batchRows: 64 })) {
      for (let i = 0; i < batch.length; i++)
        got[2 * (batch.cell[i] as number) + (batch.gene[i] as number)] = batch.value[i] as number;
    }
    expect(got).toEqual(values);
    // The metadata as DuckDB reads it from the Parquet file (the test writer goes through SQL literals).
    const stored = await withDuckDb({}, (duck) =>
      duck.rows(
        `SELECT score FROM read_parquet(${sqlString(exact.files.cells as string)}) ORDER BY cell_idx`,
      ),
    );
    const rows = await engine.cells(exact, { limit: 500 });
    expect(rows.map((row) => row.score)).toEqual(stored.map((row) => row.score));
    await engine.close();
  });

  it("answers a subset whose id list is longer than ClickHouse's default query size", async () => {
    const engine = engineOn();
    const ids = Array.from({ length: 60_000 }, (_, i) => i);
    let rows = 0;
    for await (const batch of engine.subset(store, { genes: [0, 1], cells: { ids }, batchRows: 1000 })) {
      rows += batch.length;
    }
    const expected =
      store.manifest.counts.nonzeros === 0 ? 0 : mixedTestMatrix().entries.filter(([g]) => g < 2).length;
    expect(rows).toBe(expected);
    await engine.close();
  });

  it("takes over the lock of a load that stopped beating", async () => {
    const stale = await writeTestStore(join(tmp, "stale"), { ...mixedTestMatrix(), dataset: "stale" });
    const lock = `${chIdentifier(database)}.${chIdentifier(buildTableName("stale", 1, "genes").replace(/genes$/, "lock"))}`;
    await session.command(`CREATE DATABASE IF NOT EXISTS ${chIdentifier(database)}`);
    await session.command(`CREATE TABLE ${lock} (beat DateTime) ENGINE = Log`);
    await session.command(`INSERT INTO ${lock} VALUES (now() - 3600)`);
    const engine = engineOn();
    await engine.prepare(stale);
    expect((await engine.genes(stale, { limit: 100 })).length).toBe(stale.manifest.counts.genes);
    const locks = await count(
      `SELECT count() AS n FROM system.tables WHERE database = ${chString(database)} AND name = ${chString(
        buildTableName("stale", 1, "genes").replace(/genes$/, "lock"),
      )}`,
    );
    expect(locks).toBe(0);
    await engine.close();
  });

  it("a wrong password is refused without the password in the error", async () => {
    const secret = "Wr0ng-Secret-Value";
    const url = serverUrl().replace("http://", `http://secret_user:${secret}@`);
    const engine = createClickHouseEngine({ url, database: freshDatabase() });
    const error = await engine.genes(store, { limit: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await engine.close();
    expect(error).toBeInstanceOf(OmicslakeError);
    expect((error as OmicslakeError).code).toBe("engine_unavailable");
    expect((error as OmicslakeError).message).toMatch(/refused the login/);
    expect(describeError(error)).not.toContain(secret);
  });
});

describe("an unreachable server", () => {
  it("is engine_unavailable naming the URL without its credentials", async () => {
    const port = await closedPort();
    const secret = "Very-Secret-Pw";
    const engine = createClickHouseEngine({
      url: `http://someone:${secret}@127.0.0.1:${port}`,
      database: "x",
    });
    const tmp = await mkdtemp(join(tmpdir(), "clickhouse-down-"));
    try {
      const store = await writeTestStore(join(tmp, "s"), mixedTestMatrix());
      const error = await engine.prepare(store).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OmicslakeError);
      expect((error as OmicslakeError).code).toBe("engine_unavailable");
      expect((error as OmicslakeError).message).toContain(`http://127.0.0.1:${port}`);
      expect(describeError(error)).not.toContain(secret);
      expect(describeError(error)).not.toContain("someone");
    } finally {
      await engine.close();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

/** Everything an error carries that could be logged: message, details, stack and causes. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? "", JSON.stringify(current));
      if (current instanceof OmicslakeError) parts.push(JSON.stringify(current.details));
      current = current.cause;
    } else {
      parts.push(JSON.stringify(current));
      break;
    }
  }
  return parts.join("\n");
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
