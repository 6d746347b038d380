import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { DatabaseConfig, StorageConfig } from "../config/load-config.js";
import type { Lake } from "../lake/lake.js";
import { openLake } from "../lake/open-lake.js";
import { openSqlClient } from "../catalog-db/open-sql-client.js";
import { S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver, type S3rverHandle } from "./s3rver-harness.js";

export type { StoreKind } from "./for-each-store.js";
import type { StoreKind } from "./for-each-store.js";
export type EngineKind = "pglite" | "postgres";

/** Everything another process needs to open the same lake. */
export interface LakeLocation {
  readonly root: string;
  readonly storage: StorageConfig;
  readonly database: DatabaseConfig;
}

export interface ComboLake extends LakeLocation {
  readonly lake: Lake;
  /** Files the store staged and never published or discarded (fs temp folder, S3 staging folder). */
  stagedLeftovers(): Promise<string[]>;
  dispose(): Promise<void>;
}

export interface LakeCombo {
  readonly name: string;
  readonly store: StoreKind;
  readonly engine: EngineKind;
  readonly skip: string | undefined;
  open(options?: { pgliteOnDisk?: boolean }): Promise<ComboLake>;
}

/**
 * Every store with every catalog engine: fs and S3 (s3rver) × PGlite and PostgreSQL. PostgreSQL
 * needs DATABASE_URL; without it those combinations are skipped with the reason.
 */
export function lakeCombos(): LakeCombo[] {
  const url = process.env["DATABASE_URL"];
  const combos: LakeCombo[] = [];
  for (const store of ["fs", "s3"] as const) {
    for (const engine of ["pglite", "postgres"] as const) {
      combos.push({
        name: `${store} + ${engine}`,
        store,
        engine,
        skip:
          engine === "postgres" && !url
            ? "DATABASE_URL is not set: the PostgreSQL variant needs a server"
            : undefined,
        open: (options) => openCombo(store, engine, url, options?.pgliteOnDisk ?? false),
      });
    }
  }
  return combos;
}

async function openCombo(
  store: StoreKind,
  engine: EngineKind,
  url: string | undefined,
  pgliteOnDisk: boolean,
): Promise<ComboLake> {
  const root = await mkdtemp(join(tmpdir(), "omicslake-combo-"));
  let s3: S3rverHandle | undefined;
  const schema = `olk_test_${randomBytes(6).toString("hex")}`;
  try {
    let storage: StorageConfig;
    if (store === "s3") {
      s3 = await startS3rver();
      storage = {
        url: `s3://${s3.bucket}/lake`,
        endpoint: s3.endpoint,
        region: S3RVER_REGION,
        forcePathStyle: true,
        ...S3RVER_CREDENTIALS,
      };
    } else {
      storage = { url: `file://${join(root, "objects")}` };
    }
    const database: DatabaseConfig =
      engine === "postgres"
        ? { url: url!, schema }
        : { pgliteDir: pgliteOnDisk ? join(root, "catalog") : "memory://" };
    const lake = await openLake({ root, storage, database });
    const server = s3;
    return {
      lake,
      root,
      storage,
      database,
      async stagedLeftovers() {
        if (server === undefined) {
          return readdir(join(root, "objects", ".tmp")).catch(() => []);
        }
        const client = new S3Client({
          endpoint: server.endpoint,
          region: S3RVER_REGION,
          forcePathStyle: true,
          credentials: S3RVER_CREDENTIALS,
        });
        try {
          const listed = await client.send(
            new ListObjectsV2Command({ Bucket: server.bucket, Prefix: "lake/.staging/" }),
          );
          return (listed.Contents ?? []).map((o) => o.Key ?? "");
        } finally {
          client.destroy();
        }
      },
      async dispose() {
        await lake.close().catch(() => undefined);
        if (engine === "postgres") {
          const admin = await openSqlClient({ url: url! });
          await admin.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.close());
        }
        await server?.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await s3?.close();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
