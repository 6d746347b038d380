import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { catalogClient } from "../catalog/catalog-client.js";
import type { DatabaseConfig, StorageConfig } from "../config/load-config.js";
import type { Lake } from "../lake/lake.js";
import { openLake } from "../lake/open-lake.js";
import { S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver, type S3rverHandle } from "./s3rver-harness.js";

/** One combination of engines a lake test runs on. */
export interface LakeEngine {
  readonly name: string;
  readonly skip?: string;
  open(): Promise<OpenedLake>;
}

export interface OpenedLake {
  readonly lake: Lake;
  readonly root: string;
  readonly storage: StorageConfig;
  readonly database: DatabaseConfig;
  /** Closes the lake and removes every trace of it (temp dirs, PostgreSQL schema, s3rver). */
  dispose(): Promise<void>;
}

/**
 * The engines every lake-level test runs on: filesystem + PGlite (the embedded default) and
 * S3 (s3rver) + PostgreSQL (the scale-out path). PostgreSQL needs DATABASE_URL; without it that
 * variant is skipped with the reason shown.
 */
export function lakeEngines(): LakeEngine[] {
  const url = process.env["DATABASE_URL"];
  return [
    {
      name: "fs + pglite",
      async open() {
        const root = await mkdtemp(join(tmpdir(), "omicslake-lake-"));
        const storage = { url: `file://${join(root, "objects")}` };
        const database = { pgliteDir: "memory://" };
        const lake = await openLake({ root, storage, database });
        return {
          lake,
          root,
          storage,
          database,
          async dispose() {
            await lake.close();
            await rm(root, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: "s3 + postgres",
      ...(url ? {} : { skip: "DATABASE_URL is not set: the PostgreSQL variant needs a server" }),
      async open() {
        const root = await mkdtemp(join(tmpdir(), "omicslake-lake-"));
        let s3: S3rverHandle | undefined;
        try {
          s3 = await startS3rver();
          const storage: StorageConfig = {
            url: `s3://${s3.bucket}/lake`,
            endpoint: s3.endpoint,
            region: S3RVER_REGION,
            forcePathStyle: true,
            ...S3RVER_CREDENTIALS,
          };
          const schema = `t_lake_${randomBytes(6).toString("hex")}`;
          const database = { url: url!, schema };
          const lake = await openLake({ root, storage, database });
          const server = s3;
          return {
            lake,
            root,
            storage,
            database,
            async dispose() {
              await catalogClient(lake.catalog).exec(`drop schema if exists ${schema} cascade`);
              await lake.close();
              await server.close();
              await rm(root, { recursive: true, force: true });
            },
          };
        } catch (error) {
          await s3?.close();
          await rm(root, { recursive: true, force: true });
          throw error;
        }
      },
    },
  ];
}
