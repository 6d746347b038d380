export {
  DuckLakeCatalog,
  type DuckLakeCommitOptions,
  type DuckLakeDataFileInfo,
  type DuckLakeOpenOptions,
  type DuckLakeSnapshotInfo,
  type DuckLakeTableInfo,
} from "./ducklake-catalog.js";
export {
  dropTable,
  registerTable,
  type DropTableChange,
  type DuckLakeChange,
  type RegisterTableChange,
} from "./ducklake-change.js";
export { DUCKLAKE_FORMAT_VERSION, DUCKLAKE_TABLES } from "./ducklake-schema.js";
export {
  DuckLakeReader,
  type DuckLakeColumn,
  type DuckLakeFile,
  type DuckLakeSnapshot,
  type ReadTableOptions,
} from "./ducklake-reader.js";
