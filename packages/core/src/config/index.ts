export { ConfigError } from "./config-error.js";
export { configJsonSchema, configSchema, SOURCE_KINDS } from "./config-schema.js";
export type { DataConfig, ProcessingConfig, RawConfig, RoleConfig, SourceConfig } from "./config-schema.js";
export {
  CONFIG_FILE_NAME,
  findConfigFile,
  loadConfig,
  parseConfig,
  type BackupConfig,
  type DatabaseConfig,
  type LakeConfig,
  type LoadConfigOptions,
  type StorageConfig,
} from "./load-config.js";
export { STARTER_CONFIG } from "./starter-config.js";
export {
  datasetSteps,
  IMPLEMENTED_SOURCE_KINDS,
  PROCESSING_STEPS,
  type ProcessingStep,
} from "./check-settings.js";
