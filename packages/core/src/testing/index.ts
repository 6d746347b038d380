// Test support shared by every package's tests: the catalog-engine and object-store loops, temp lakes
// on every engine × store combination, an s3rver harness and a fake NCBI upstream. Imported only by
// tests, through `@omicslake/core/testing`.
export * from "./fake-upstream.js";
export * from "./for-each-database.js";
export * from "./for-each-store.js";
export {
  lakeCombos,
  type ComboLake,
  type EngineKind,
  type LakeCombo,
  type LakeLocation,
} from "./lake-combos.js";
export * from "./lake-matrix.js";
export * from "./s3rver-harness.js";
// Tests inspect the rows they wrote and drop the schemas they created; the catalog hands its users no client.
export { catalogClient } from "../catalog/catalog-client.js";
export * from "./progress-assertions.js";
export * from "./run-ts-child.js";
