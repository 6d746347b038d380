import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake, type Lake } from "@omicslake/core";

export type Engine = "pglite" | "postgres";

/** PGlite always; PostgreSQL when DATABASE_URL is set. OMICSLAKE_TEST_DATABASES narrows the set. */
export function testEngines(): { engine: Engine; skip: string | null }[] {
  const wanted = new Set(
    (process.env["OMICSLAKE_TEST_DATABASES"] ?? "pglite,postgres").split(",").map((s) => s.trim()),
  );
  const url = process.env["DATABASE_URL"];
  return [
    {
      engine: "pglite",
      skip: wanted.has("pglite") ? null : "OMICSLAKE_TEST_DATABASES does not include pglite",
    },
    {
      engine: "postgres",
      skip: !wanted.has("postgres")
        ? "OMICSLAKE_TEST_DATABASES does not include postgres"
        : url
          ? null
          : "DATABASE_URL is not set (run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)",
    },
  ];
}

export interface TestLake {
  readonly lake: Lake;
  readonly root: string;
  close(): Promise<void>;
}

/** A lake of its own: an in-memory PGlite, or a fresh schema on the PostgreSQL server (dropped on close). */
export async function openTestLake(engine: Engine): Promise<TestLake> {
  const root = await mkdtemp(join(tmpdir(), "omicslake-entities-"));
  const url = process.env["DATABASE_URL"];
  const schema = `olk_test_${randomBytes(6).toString("hex")}`;
  const postgres = engine === "postgres" && url !== undefined;
  const database = postgres ? { url, schema } : { pgliteDir: "memory://" };
  const lake = await openLake({ root, storage: { url: `file://${join(root, "objects")}` }, database });
  return {
    lake,
    root,
    async close() {
      try {
        if (postgres) await lake.servingClient().exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await lake.close();
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}
