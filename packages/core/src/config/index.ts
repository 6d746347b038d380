export { ConfigError } from "./config-error.js";
export { ASSET_KEY_REGEX, configJsonSchema, configSchema } from "./config-schema.js";
export type {
  AssetSettingsConfig,
  AutomationConfig,
  DataConfig,
  ProcessingConfig,
  RawConfig,
  RoleConfig,
  SourceConfig,
  StepTableConfig,
} from "./config-schema.js";
export {
  BUILTIN_STEPS,
  LAYOUT_NAMES,
  registerSourceKind,
  registeredSourceKinds,
  sourceKindNames,
  sourceKindSpec,
  type BuiltinStep,
  type LayoutName,
  type SourceKindProblem,
  type SourceKindSpec,
} from "./source-kind-spec.js";
export {
  COMMAND_PLACEHOLDERS,
  parseLayout,
  type ResolvedDataset,
  type ResolvedStep,
  type SettingFailure,
  type StepInput,
} from "./data-model.js";
export { PUBLIC_METADATA_KINDS } from "./public-metadata-kinds.js";
export {
  CONFIG_FILE_NAME,
  findConfigFile,
  loadConfig,
  locate as locateConfigLine,
  parseConfig,
  type BackupConfig,
  type DatabaseConfig,
  type LakeConfig,
  type LoadConfigOptions,
  type StorageConfig,
} from "./load-config.js";
export { STARTER_CONFIG } from "./starter-config.js";
export {
  datasetAutomation,
  datasetSteps,
  PROCESSING_STEPS,
  scheduleAutomation,
  type ProcessingStep,
} from "./check-settings.js";
