import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OmicslakeError } from "@omicslake/core";
import {
  ExpressionService,
  createDuckDbEngine,
  type StoreAccess,
  type StoreBuild,
  type StoreManifest,
} from "@omicslake/expression";
import { writeTestStore, type TestMatrix, type WrittenTestStore } from "./support/write-test-store.js";

/**
 * Stores written by writeTestStore, reached by name: the StoreAccess of service and REST tests, which need
 * known numbers rather than a lake. A name that was never written is expression_not_built, as over a lake.
 */
export class WrittenStoreAccess implements StoreAccess {
  readonly #stores = new Map<string, WrittenTestStore>();

  add(store: WrittenTestStore): void {
    this.#stores.set(store.manifest.dataset, store);
  }

  async current(dataset: string): Promise<StoreBuild> {
    const store = this.#stores.get(dataset);
    if (store === undefined)
      throw new OmicslakeError("expression_not_built", `expression dataset "${dataset}" has not been built`, {
        details: { dataset },
        hint: `Build it with omicslake expr build ${dataset}`,
      });
    return { manifest: store.manifest, files: store.files };
  }

  async list(): Promise<StoreManifest[]> {
    return [...this.#stores.values()].map((s) => s.manifest);
  }

  async prune(): Promise<void> {}
}

export interface TestService {
  readonly service: ExpressionService;
  readonly access: WrittenStoreAccess;
  readonly stores: WrittenTestStore[];
  close(): Promise<void>;
}

/** An ExpressionService on the DuckDB engine over stores written from `matrices` into a temp directory. */
export async function openTestService(
  matrices: readonly TestMatrix[],
  limits: { maxResultValues: number } = { maxResultValues: 1_000_000 },
): Promise<TestService> {
  const dir = await mkdtemp(join(tmpdir(), "omicslake-expr-service-"));
  const access = new WrittenStoreAccess();
  const stores: WrittenTestStore[] = [];
  for (const matrix of matrices) {
    const store = await writeTestStore(join(dir, matrix.dataset ?? "store"), matrix);
    access.add(store);
    stores.push(store);
  }
  const service = new ExpressionService({ access, engine: await createDuckDbEngine({ threads: 1 }), limits });
  return {
    service,
    access,
    stores,
    close: async () => {
      await service.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
