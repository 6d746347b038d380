import { afterAll, beforeAll, describe } from "vitest";
import type { DatabaseConfig, StorageConfig } from "../config/load-config.js";
import type { Lake } from "../lake/lake.js";
import { lakeCombos } from "./lake-combos.js";

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
 * S3 (s3rver) + PostgreSQL (the scale-out path), the two ends of the full store × engine matrix.
 * PostgreSQL needs DATABASE_URL; without it that variant is skipped with the reason shown.
 */
export function lakeEngines(): LakeEngine[] {
  return lakeCombos()
    .filter((combo) => (combo.store === "fs") === (combo.engine === "pglite"))
    .map((combo) => ({
      name: combo.name,
      ...(combo.skip === undefined ? {} : { skip: combo.skip }),
      open: () => combo.open(),
    }));
}

/**
 * A describe block per lake engine (`<title> on <engine>`), with one lake opened before its tests and
 * disposed after them; `body` reads that lake through the getter, valid once the tests run.
 */
export function describeOnLakeEngines(title: string, body: (opened: () => OpenedLake) => void): void {
  for (const engine of lakeEngines()) {
    describe.skipIf(engine.skip !== undefined)(
      `${title} on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ""}`,
      () => {
        let opened: OpenedLake | undefined;
        beforeAll(async () => {
          opened = await engine.open();
        });
        afterAll(async () => {
          await opened?.dispose();
        });
        body(() => {
          if (opened === undefined) throw new Error(`the lake on ${engine.name} is not open yet`);
          return opened;
        });
      },
    );
  }
}
