import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FormatError } from "../src/convert/format-error.js";
import type { Column, DataFrame } from "../src/frame/data-frame.js";
import { convertPickle } from "../src/pickle/pickle-converter.js";
import { readPickleBytes, readPickleFile } from "../src/pickle/pickle-reader.js";
import type { PickleContent } from "../src/pickle/pickle-reader.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = resolve(repoRoot, "../shared/fixtures/formats/pickle");
const haveFixtures = existsSync(fixtures);
const PYTHON = "/usr/bin/python3";
const havePandas = existsSync(PYTHON) && probe(`${PYTHON}`, ["-c", "import pandas, numpy"]);
if (!haveFixtures) console.warn(`pickle tests: skipping fixture tests, ${fixtures} is absent`);
if (!havePandas)
  console.warn("pickle tests: skipping the pandas-generated cases, Debian's python3-pandas is not installed");

function probe(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-pickle-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function py(code: string): string {
  return execFileSync(PYTHON, ["-c", code], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC", PYTHONHASHSEED: "0" },
  });
}

function col(frame: DataFrame, name: string): Column {
  const c = frame.columns.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no column ${name} in ${frame.columns.map((x) => x.name).join(",")}`);
  return c;
}

function cells(c: Column): unknown[] {
  return Array.from(c.values, (v, i) => (c.valid !== undefined && c.valid[i] === 0 ? null : v));
}

function frameOf(content: PickleContent): DataFrame {
  if (content.frame === undefined) throw new Error("no frame");
  return content.frame;
}

/** The DataFrame of make_pickle.py, cell by cell. */
function expectFixtureFrame(f: DataFrame): void {
  expect(f.rowCount).toBe(3);
  expect(f.columns.map((c) => c.name)).toEqual(["gene", "score", "count", "flag", "cat"]);
  expect(cells(col(f, "gene"))).toEqual(["TP53", "BRCA1", null]);
  expect(col(f, "score").type.kind).toBe("float64");
  expect(cells(col(f, "score"))).toEqual([1.5, null, -2]);
  expect(col(f, "count").type.kind).toBe("int64");
  expect(cells(col(f, "count"))).toEqual([1n, 2n, 3n]);
  expect(cells(col(f, "flag"))).toEqual([true, false, true]);
  expect(col(f, "cat").type).toEqual({ kind: "categorical", categories: ["a", "b"], ordered: false });
  expect(cells(col(f, "cat"))).toEqual([0, 1, 0]);
  expect(Array.from(f.index!.values)).toEqual(["r1", "r2", "r3"]);
}

describe.skipIf(!haveFixtures)("pickle fixtures written by pandas 1.5", () => {
  it.each(["df_p4.pkl", "df_p5.pkl"])("rebuilds the DataFrame in %s", async (name) => {
    const content = await readPickleFile(join(fixtures, name));
    expect(content.kind).toBe("pandas");
    expect(content.protocol).toBe(name.includes("p5") ? 5 : 4);
    expectFixtureFrame(frameOf(content));
  });

  it("reads a plain list", async () => {
    const content = await readPickleFile(join(fixtures, "list_p4.pkl"));
    expect(content).toMatchObject({ kind: "plain", value: [1, "two", 3, null, [true]] });
  });

  it("reads a plain dict with every kind of Python scalar", async () => {
    const content = await readPickleFile(join(fixtures, "plain_nobig_p4.pkl"));
    expect(content.kind).toBe("plain");
    expect(content.kind === "plain" ? content.value : undefined).toEqual({
      name: "sample1",
      n: 42,
      big60: "1152921504606846976", // 2**60: past 2^53, kept exact as text
      pi: 3.14159,
      ok: true,
      none: null,
      list: [1, 2.5, "x", [3, 4]],
      tuple: [1, "a"],
      bytes: Buffer.from([0, 1]).toString("base64"),
      set: [1, 2],
      fset: [3],
      nested: { a: { b: [null] } },
      intkey: { "1": "one" },
      date: "2024-01-02",
    });
  });

  it("converts the DataFrame to Parquet with the index first", async () => {
    const out = join(dir, "out");
    const result = await convertPickle(join(fixtures, "df_p5.pkl"), out);
    expect(result.outputs.map((o) => o.name)).toEqual(["table.parquet"]);
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    try {
      const reader = await c.runAndReadAll(
        `SELECT _index, gene, score, count, flag, cat::VARCHAR AS cat FROM '${join(out, "table.parquet")}'`,
      );
      expect(reader.getRowsJS()).toEqual([
        ["r1", "TP53", 1.5, 1n, true, "a"],
        ["r2", "BRCA1", null, 2n, false, "b"],
        ["r3", null, -2, 3n, true, "a"],
      ]);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});

describe("pickle refusals", () => {
  it("refuses os.system by name and runs nothing", () => {
    // protocol 0: GLOBAL os.system, MARK, STRING, TUPLE, REDUCE, STOP
    const bytes = Buffer.from("cos\nsystem\n(S'touch pwned'\ntR.", "latin1");
    let error: unknown;
    try {
      readPickleBytes(bytes, "evil.pkl");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe("unsafe_pickle_global");
    expect((error as FormatError).message).toContain(
      "refusing to load os.system (not an allowed data class)",
    );
    expect((error as FormatError).location?.byteOffset).toBe(0);
    expect(existsSync(join(dir, "pwned"))).toBe(false);
  });

  it("refuses a STACK_GLOBAL of builtins.eval in protocol 4", () => {
    const s = (t: string): Buffer => Buffer.concat([Buffer.from([0x8c, t.length]), Buffer.from(t)]);
    const bytes = Buffer.concat([
      Buffer.from([0x80, 4]),
      s("builtins"),
      s("eval"),
      Buffer.from([0x93]),
      s("1+1"),
      Buffer.from([0x85, 0x52, 0x2e]),
    ]);
    expect(() => readPickleBytes(bytes, "eval.pkl")).toThrowError(/refusing to load builtins\.eval/);
  });

  it("reports a truncated pickle", () => {
    expect(() => readPickleBytes(Buffer.from([0x80, 4, 0x8c, 10, 0x61]), "cut.pkl")).toThrowError(
      FormatError,
    );
  });
});

describe.skipIf(!havePandas)("pickles pandas and numpy write on the spot", () => {
  it.each([2, 4, 5])("keeps ints beyond 64 bits exact (protocol %i)", (proto) => {
    py(
      `import pickle; pickle.dump({'big': 2**70, 'neg': -2**65, 'small': -5}, open('b.pkl', 'wb'), protocol=${proto})`,
    );
    return readPickleFile(join(dir, "b.pkl")).then((c) => {
      expect(c.kind === "plain" ? c.value : undefined).toEqual({
        big: (2n ** 70n).toString(),
        neg: (-(2n ** 65n)).toString(),
        small: -5,
      });
    });
  });

  it("rebuilds datetime columns, a DatetimeIndex, nullable ints and 2-D float blocks in both memory orders", async () => {
    py(
      "import pickle, pandas as pd, numpy as np\n" +
        "df = pd.DataFrame(np.arange(6, dtype=np.float64).reshape(3, 2), columns=['x', 'y'], index=pd.to_datetime(['2024-01-01', '2024-01-02', '2024-01-03']))\n" +
        "df['when'] = pd.to_datetime(['2020-05-06 07:08:09', None, '1969-12-31 23:59:59'])\n" +
        "df['tz'] = pd.to_datetime(['2020-01-01', '2020-01-02', '2020-01-03']).tz_localize('UTC')\n" +
        "df['n'] = pd.array([1, None, 3], dtype='Int64')\n" +
        "df['sd'] = pd.array(['u', None, 'w'], dtype='string')\n" +
        "df['nb'] = pd.array([True, None, False], dtype='boolean')\n" +
        "df['o'] = pd.Categorical(['hi', 'lo', 'hi'], categories=['lo', 'hi'], ordered=True)\n" +
        "pickle.dump(df, open('a.pkl', 'wb'), protocol=5)\n" +
        "f = pd.DataFrame(np.asfortranarray(np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 6.0]])), columns=['a', 'b'])\n" +
        "pickle.dump(f, open('f.pkl', 'wb'), protocol=4)\n",
    );
    const a = frameOf(await readPickleFile(join(dir, "a.pkl")));
    expect(cells(col(a, "x"))).toEqual([0, 2, 4]);
    expect(cells(col(a, "y"))).toEqual([1, 3, 5]);
    expect(col(a, "when").type).toEqual({ kind: "timestamp", unit: "ns" });
    expect(cells(col(a, "when"))).toEqual([
      BigInt(Date.UTC(2020, 4, 6, 7, 8, 9)) * 1_000_000n,
      null,
      -1_000_000_000n,
    ]);
    expect(col(a, "tz").type).toMatchObject({ kind: "timestamp", tz: "UTC" });
    expect(cells(col(a, "tz"))[1]).toBe(BigInt(Date.UTC(2020, 0, 2)) * 1_000_000n);
    expect(cells(col(a, "n"))).toEqual([1n, null, 3n]);
    expect(col(a, "sd").type.kind).toBe("string");
    expect(cells(col(a, "sd"))).toEqual(["u", null, "w"]);
    expect(cells(col(a, "nb"))).toEqual([true, null, false]);
    expect(col(a, "o").type).toEqual({ kind: "categorical", categories: ["lo", "hi"], ordered: true });
    expect(cells(col(a, "o"))).toEqual([1, 0, 1]);
    expect(Array.from(a.index!.values)).toEqual(
      [0, 1, 2].map((d) => BigInt(Date.UTC(2024, 0, 1 + d)) * 1_000_000n),
    );

    const f = frameOf(await readPickleFile(join(dir, "f.pkl")));
    expect(f.index).toBeUndefined(); // default RangeIndex carries nothing
    expect(cells(col(f, "a"))).toEqual([1, 3, 5]);
    expect(cells(col(f, "b"))).toEqual([2, null, 6]);
  });

  it("reads a Series, a gzip pickle from to_pickle, and a plain numpy array", async () => {
    py(
      "import pickle, pandas as pd, numpy as np\n" +
        "pd.Series([1.5, 2.5], index=['a', 'b'], name='s').to_pickle('s.pkl.gz')\n" +
        "pickle.dump(np.arange(6, dtype=np.float32).reshape(2, 3), open('nd.pkl', 'wb'), protocol=4)\n",
    );
    const s = await readPickleFile(join(dir, "s.pkl.gz")).catch((e: unknown) => e);
    // readPickleFile takes raw pickles; the converter decompresses.
    expect(s).toBeInstanceOf(FormatError);
    const out = join(dir, "s");
    const r = await convertPickle(join(dir, "s.pkl.gz"), out);
    expect(r.manifest).toMatchObject({
      pickle: { compression: "gzip", kind: "pandas", pandasClass: "Series" },
    });
    const nd = await readPickleFile(join(dir, "nd.pkl"));
    expect(nd.kind === "plain" ? nd.value : undefined).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(r.outputs.map((o) => [o.name, o.rows])).toEqual([["table.parquet", 2]]);
    expect(r.outputs[0]!.fields.map((f) => f.name)).toEqual(["_index", "s"]);
  });
});
