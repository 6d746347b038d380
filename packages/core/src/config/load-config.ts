import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TomlError, parse as parseToml } from "smol-toml";
import type { z } from "zod";
import { checkSettings } from "./check-settings.js";
import { ConfigError } from "./config-error.js";
import {
  configSchema,
  dataSchema,
  lakeSectionSchema,
  metadataSectionSchema,
  backupSectionSchema,
  expressionSectionSchema,
  automationSectionSchema,
  assetSectionSchema,
  processingSchema,
  roleSchema,
  s3SectionSchema,
  serverSectionSchema,
  sourceSchema,
  type AssetSettingsConfig,
  type AutomationConfig,
  type DataConfig,
  type ProcessingConfig,
  type RawConfig,
  type RoleConfig,
  type SourceConfig,
} from "./config-schema.js";
import { closestMatch } from "./edit-distance.js";
import { resolveDataModel, type ResolvedDataset } from "./data-model.js";
import "./public-metadata-kinds.js";
import type { StoreConfig } from "../object-store/open-object-store.js";

export const CONFIG_FILE_NAME = "omicslake.toml";
const ENV_PREFIX = "OMICSLAKE__";

/** Where objects live: exactly what the object-store factory takes. */
export type StorageConfig = StoreConfig;

/** Which catalog database to open, in the form the SQL-client factory takes. */
export interface DatabaseConfig {
  readonly url?: string;
  readonly pgliteDir?: string;
  readonly schema?: string;
}

/** `[backup]`, resolved: `to` is a store like `[lake] storage` (S3 with the `[lake.s3]` settings). */
export interface BackupConfig {
  readonly daily?: string;
  readonly weekly?: string;
  readonly keepDaily: number;
  readonly keepWeekly: number;
  /** Where backups go; undefined: the lake's own store. */
  readonly to?: StoreConfig;
}

/** A validated configuration with every path made absolute. */
export interface LakeConfig {
  /** The file it was read from; undefined when built from defaults. */
  readonly file: string | undefined;
  readonly baseDir: string;
  readonly root: string;
  readonly storage: StorageConfig;
  readonly database: DatabaseConfig;
  readonly server: RawConfig["server"];
  /** Publication guards of consolidate and load. */
  readonly metadata: RawConfig["metadata"];
  /** The backup schedule `serve` runs, retention, and where backups go. */
  readonly backup: BackupConfig;
  /** The expression engine (DuckDB or ClickHouse) and the limits of expression queries. */
  readonly expression: RawConfig["expression"];
  /** The automation daemon and where asset materializations run. */
  readonly automation: AutomationConfig;
  /** `[asset."KEY"]` tables: per-asset automation, retries, concurrency and tags. */
  readonly assets: Readonly<Record<string, AssetSettingsConfig>>;
  readonly sources: Readonly<Record<string, SourceConfig>>;
  readonly datasets: Readonly<Record<string, DataConfig>>;
  readonly roles: Readonly<Record<string, RoleConfig>>;
  readonly processing: Readonly<Record<string, ProcessingConfig>>;
  /** Every `[data.X]` resolved: kind, layout, directory, the processing it runs and its steps. */
  readonly dataModel: Readonly<Record<string, ResolvedDataset>>;
}

/** Looks for omicslake.toml in `startDir` and its parents. */
export function findConfigFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface LoadConfigOptions {
  /** An explicit file (`--config`); otherwise omicslake.toml is searched from `cwd` upwards. */
  readonly file?: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** When no file is found: throw (default) or fall back to defaults rooted at `cwd`. */
  readonly allowMissing?: boolean;
}

/** Finds, reads, overrides from the environment, validates and resolves the configuration. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LakeConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.file !== undefined ? resolve(cwd, options.file) : findConfigFile(cwd);
  if (file === undefined) {
    if (options.allowMissing) return parseConfig("", { baseDir: cwd, env });
    throw new ConfigError(
      `no ${CONFIG_FILE_NAME} in ${cwd} or its parents`,
      {},
      {
        hint: `Run "omicslake init" to write a starter config, or pass --config FILE`,
      },
    );
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ConfigError(
      `cannot read the config file`,
      { file },
      { cause, hint: "Check the path and permissions" },
    );
  }
  return parseConfig(text, { file, baseDir: dirname(file), env });
}

/** Parses TOML text into a validated LakeConfig. Exposed for tests and for `omicslake config check`. */
export function parseConfig(
  text: string,
  context: { file?: string; baseDir: string; env?: Readonly<Record<string, string | undefined>> },
): LakeConfig {
  const { file, baseDir } = context;
  const env = context.env ?? {};
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text);
  } catch (cause) {
    if (cause instanceof TomlError) {
      throw new ConfigError(
        `invalid TOML: ${cause.message.split("\n")[0] ?? cause.message}`,
        { file, line: cause.line, column: cause.column },
        { cause, hint: "Fix the syntax at that line (strings need quotes, tables need [brackets])" },
      );
    }
    throw cause;
  }
  const overrides = applyEnvOverrides(raw, env);
  try {
    return validateConfig(raw, text, file, baseDir, env);
  } catch (error) {
    throw error instanceof ConfigError ? blameOverride(error, overrides) : error;
  }
}

function validateConfig(
  raw: Record<string, unknown>,
  text: string,
  file: string | undefined,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>>,
): LakeConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw toConfigError(parsed.error.issues, text, file);
  const config = parsed.data;
  checkReferences(config, text, file);
  const fail = (section: string, key: string, message: string, hint: string): never => {
    const where = key === "" ? { file, section } : { file, section, key };
    throw new ConfigError(
      message,
      {
        ...where,
        // A key that is missing has no line of its own: its section's header is where it belongs.
        line:
          locate(text, section.split("."), key === "" ? undefined : key.split(".")[0]) ??
          locate(text, section.split(".")),
      },
      { hint },
    );
  };
  checkSettings(config, fail);
  const dataModel = resolveDataModel(config, fail);
  const resolved = { ...resolveConfig(config, file, baseDir, env), dataModel };
  if (resolved.database.pgliteDir !== undefined && config.lake.database_schema !== undefined) {
    // Checked after DATABASE_URL is applied: the same file may name a schema for a PostgreSQL catalog in production.
    throw new ConfigError(
      "database_schema is only read by a PostgreSQL catalog, and this one is PGlite",
      { file, section: "lake", key: "database_schema", line: locate(text, ["lake"], "database_schema") },
      {
        hint: 'Set database = "postgres://…" (or DATABASE_URL), or remove the key',
      },
    );
  }
  if (resolved.database.pgliteDir !== undefined && config.automation.runner === "pg-boss") {
    // Like database_schema: checked once DATABASE_URL had its say.
    throw new ConfigError(
      'runner = "pg-boss" needs a PostgreSQL catalog (its queue lives there), and this one is PGlite',
      { file, section: "automation", key: "runner", line: locate(text, ["automation"], "runner") },
      { hint: 'Set database = "postgres://…" (or DATABASE_URL), or runner = "auto" / "in-process"' },
    );
  }
  return resolved;
}

/**
 * A problem with a value that an environment variable set is that variable's, not the file's: the file
 * may not hold the key at all, or hold a different, valid value on the line the error would point at.
 * A section that only the environment created is blamed on the variables that created it.
 */
function blameOverride(error: ConfigError, overrides: ReadonlyMap<string, string>): ConfigError {
  const { section, key } = error.details as { section?: string; key?: string; line?: number };
  if (section === undefined || overrides.size === 0) return error;
  const exact = key === undefined ? undefined : overrides.get(`${section}.${key}`.toLowerCase());
  const variables =
    exact !== undefined
      ? [exact]
      : error.details["line"] === undefined
        ? [...overrides]
            .filter(([path]) => path.startsWith(`${section.toLowerCase()}.`))
            .map(([, name]) => name)
        : [];
  if (variables.length === 0) return error;
  return new ConfigError(
    error.reason,
    { variable: variables.join(", "), section, ...(key !== undefined ? { key } : {}) },
    // The original's own cause, not the original: its location is the wrong one and would be printed too.
    {
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      ...(error.cause !== undefined ? { cause: error.cause } : {}),
    },
  );
}

/**
 * `OMICSLAKE__SECTION__KEY=value` sets `section.key`; deeper paths (`OMICSLAKE__SOURCE__SRA__URL`) work too.
 * Returns the dotted path each variable set, with the variable's name.
 */
function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, string> {
  const overrides = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name
      .slice(ENV_PREFIX.length)
      .split("__")
      .map((part) => part.toLowerCase());
    if (path.length < 2 || path.some((part) => part === "")) {
      throw new ConfigError(
        `environment variable ${name} must name a section and a key`,
        { key: name },
        {
          hint: "Use OMICSLAKE__SECTION__KEY, for example OMICSLAKE__SERVER__PORT=9000",
        },
      );
    }
    let target = raw;
    for (const [depth, lower] of path.slice(0, -1).entries()) {
      const part = existingKey(target, lower, name, path.slice(0, depth));
      path[depth] = part;
      const next = target[part];
      if (next === undefined) target[part] = {};
      else if (typeof next !== "object" || next === null || Array.isArray(next)) {
        throw new ConfigError(`environment variable ${name} points inside "${part}", which is not a table`, {
          key: name,
        });
      }
      target = target[part] as Record<string, unknown>;
    }
    const key = existingKey(target, path[path.length - 1]!, name, path.slice(0, -1));
    path[path.length - 1] = key;
    target[key] = coerceEnvValue(value);
    overrides.set(path.join(".").toLowerCase(), name);
  }
  return overrides;
}

/**
 * The key of `table` an environment variable means by `lower`: variable names are case-insensitive, section
 * names are not (`[data.RNAseq]`), so `OMICSLAKE__DATA__RNASEQ__RUN` must reach the section as written
 * rather than create a new `rnaseq` one. Two keys equal but for case cannot be told apart: refused.
 */
function existingKey(table: Record<string, unknown>, lower: string, variable: string, at: string[]): string {
  const matches = Object.keys(table).filter((k) => k.toLowerCase() === lower);
  if (matches.length > 1) {
    throw new ConfigError(
      `environment variable ${variable} could mean ${matches.map((m) => [...at, m].join(".")).join(" or ")}`,
      { key: variable },
      {
        hint: "Rename one of the sections: names that differ only by case cannot be set from the environment",
      },
    );
  }
  return matches[0] ?? lower;
}

function coerceEnvValue(value: string): unknown {
  if (value === "true") return true;
  if (value === "false") return false;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value.startsWith("[")) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

const SECTION_SCHEMAS: Record<string, z.ZodObject> = {
  lake: lakeSectionSchema,
  "lake.s3": s3SectionSchema,
  server: serverSectionSchema,
  metadata: metadataSectionSchema,
  backup: backupSectionSchema,
  expression: expressionSectionSchema,
  automation: automationSectionSchema,
  asset: assetSectionSchema,
  source: sourceSchema,
  data: dataSchema,
  role: roleSchema,
  processing: processingSchema,
};
const NAMED_SECTIONS = new Set(["source", "data", "role", "processing", "asset"]);

function toConfigError(
  issues: readonly z.core.$ZodIssue[],
  text: string,
  file: string | undefined,
): ConfigError {
  const problems = issues.map((issue) => describeIssue(issue, text, file));
  const first = problems[0]!;
  if (problems.length === 1) return first;
  const rest = problems
    .slice(1)
    .map((p) => `  - ${p.message}`)
    .join("\n");
  return new ConfigError(`${first.message}\n${problems.length - 1} more problem(s):\n${rest}`, {}, {});
}

function describeIssue(issue: z.core.$ZodIssue, text: string, file: string | undefined): ConfigError {
  const path = issue.path.map(String);
  // Split the zod path into the TOML table and the key inside it: named sections take two segments.
  const tableDepth =
    path.length === 0
      ? 0
      : NAMED_SECTIONS.has(path[0]!)
        ? Math.min(2, path.length)
        : path[0] === "lake" && path[1] === "s3"
          ? 2
          : 1;
  const tablePath = path.slice(0, tableDepth);
  const section = tablePath.join(".") || undefined;
  const schemaKey = NAMED_SECTIONS.has(path[0] ?? "") ? path[0]! : tablePath.join(".");
  const sectionSchema = SECTION_SCHEMAS[schemaKey];

  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    const bad = keys[0]!;
    if (tablePath.length === 0) {
      const allowed = Object.keys(configSchema.shape);
      const guess = closestMatch(bad, allowed);
      return new ConfigError(
        `unknown section [${bad}]`,
        { file, section: bad, line: locate(text, [bad]) },
        {
          hint: `${guess ? `Did you mean [${guess}]? ` : ""}Allowed sections: ${allowed.map((s) => `[${s}]`).join(", ")}`,
        },
      );
    }
    // The unknown key may belong to the table itself (path ends at the table) or to a named section.
    const allowed = sectionSchema ? Object.keys(sectionSchema.shape) : [];
    const guess = closestMatch(bad, allowed);
    return new ConfigError(
      `unknown key "${bad}"${keys.length > 1 ? ` (and ${keys.slice(1).join(", ")})` : ""}`,
      { file, section, key: bad, line: locate(text, tablePath, bad) },
      {
        hint: `${guess ? `Did you mean "${guess}"? ` : ""}Allowed keys in [${section}]: ${allowed.join(", ")}`,
      },
    );
  }

  const key = path.slice(tableDepth).join(".") || undefined;
  let message = issue.message;
  if (issue.code === "invalid_value" && "values" in issue) {
    message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (issue.code === "invalid_type") {
    message = issue.message.replace(/^Invalid input: /, "");
    if (/received undefined/.test(issue.message)) message = "is required";
  }
  // A missing key has no line of its own: point at its section's header instead.
  const line =
    locate(text, tablePath, key?.split(".")[0]) ?? (key !== undefined ? locate(text, tablePath) : undefined);
  return new ConfigError(message, { file, section, key, line });
}

function checkReferences(config: RawConfig, text: string, file: string | undefined): void {
  const fail = (
    section: string,
    key: string,
    message: string,
    names: readonly string[],
    kind: string,
  ): never => {
    throw new ConfigError(
      message,
      { file, section, key, line: locate(text, section.split("."), key) },
      {
        hint:
          names.length === 0
            ? `Declare it as [${kind}.NAME] first`
            : `Declared ${kind} sections: ${names.join(", ")}`,
      },
    );
  };
  const sources = Object.keys(config.source);
  const roles = Object.keys(config.role);
  for (const [name, data] of Object.entries(config.data)) {
    if (!(data.source in config.source)) {
      const guess = closestMatch(data.source, sources);
      fail(
        `data.${name}`,
        "source",
        `source "${data.source}" does not exist${guess ? ` (did you mean "${guess}"?)` : ""}`,
        sources,
        "source",
      );
    }
    if (!(data.role in config.role)) {
      const guess = closestMatch(data.role, roles);
      fail(
        `data.${name}`,
        "role",
        `role "${data.role}" does not exist${guess ? ` (did you mean "${guess}"?)` : ""}`,
        roles,
        "role",
      );
    }
  }
}

function resolveConfig(
  config: RawConfig,
  file: string | undefined,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Omit<LakeConfig, "dataModel"> {
  const root = resolve(baseDir, config.lake.root);
  const storageUrl = config.lake.storage ?? `file://${join(root, "objects")}`;
  const s3 = config.lake.s3;
  const storage: StorageConfig = storageUrl.startsWith("file://")
    ? { url: `file://${resolvePathUrl(storageUrl.slice("file://".length), baseDir)}` }
    : {
        url: storageUrl,
        region: s3?.region ?? "us-east-1",
        forcePathStyle: s3?.force_path_style ?? false,
        ...(s3?.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
        ...(s3?.access_key_id !== undefined ? { accessKeyId: s3.access_key_id } : {}),
        ...(s3?.secret_access_key !== undefined ? { secretAccessKey: s3.secret_access_key } : {}),
        ...(s3?.object_lock_mode !== undefined
          ? { objectLock: { mode: s3.object_lock_mode, retainDays: s3.object_lock_days } }
          : {}),
      };
  const databaseUrl = env["DATABASE_URL"] ?? config.lake.database ?? `pglite://${join(root, "catalog")}`;
  const schema = config.lake.database_schema;
  const database: DatabaseConfig = databaseUrl.startsWith("pglite://")
    ? { pgliteDir: resolvePathUrl(databaseUrl.slice("pglite://".length), baseDir) }
    : { url: databaseUrl, ...(schema !== undefined ? { schema } : {}) };
  return {
    file,
    baseDir,
    root,
    storage,
    database,
    server: config.server,
    metadata: config.metadata,
    expression: config.expression,
    automation: config.automation,
    assets: config.asset,
    backup: {
      ...(config.backup.daily !== undefined ? { daily: config.backup.daily } : {}),
      ...(config.backup.weekly !== undefined ? { weekly: config.backup.weekly } : {}),
      keepDaily: config.backup.keep_daily,
      keepWeekly: config.backup.keep_weekly,
      ...(config.backup.to !== undefined
        ? {
            to: config.backup.to.startsWith("file://")
              ? { url: `file://${resolvePathUrl(config.backup.to.slice("file://".length), baseDir)}` }
              : { ...storage, url: config.backup.to, objectLock: undefined },
          }
        : {}),
    },
    // A source's local root is relative to the config file, like every other path in it.
    sources: Object.fromEntries(
      Object.entries(config.source).map(([name, source]) => [
        name,
        source.path === undefined ? source : { ...source, path: resolve(baseDir, source.path) },
      ]),
    ),
    datasets: config.data,
    roles: config.role,
    processing: config.processing,
  };
}

function resolvePathUrl(path: string, baseDir: string): string {
  if (path === "memory" || path === "memory:" || path.startsWith("memory:")) return "memory://";
  // Accept file:///abs, file://./rel and file://rel alike; URL-decoding covers %20 in absolute URLs.
  const decoded = path.startsWith("/") ? fileURLToPath(`file://${path}`) : path;
  return isAbsolute(decoded) ? decoded : resolve(baseDir, decoded);
}

/**
 * The 1-based line of `[table]` or of `key = …` inside it, found by scanning the text; used only to
 * point users at the right place, so a miss just omits the line.
 */
export function locate(text: string, table: readonly string[], key?: string): number | undefined {
  if (text === "") return undefined;
  const lines = text.split(/\r?\n/);
  let current: string[] = [];
  // Quoted names (`[asset."data/geo/raw"]`) compare without their quotes, as headers are read.
  const want = table.map((s) => s.replace(/^["']|["']$/g, "")).join(".");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      current = header[1]!.split(".").map((s) => s.trim().replace(/^["']|["']$/g, ""));
      if (key === undefined && current.join(".") === want) return i + 1;
      continue;
    }
    if (key === undefined) continue;
    const assignment = /^("?)([A-Za-z0-9_.-]+)\1\s*=/.exec(line);
    if (!assignment) continue;
    const fullKey = [...current, ...assignment[2]!.split(".")].join(".");
    if (fullKey === `${want}.${key}` || (want === "" && fullKey === key)) return i + 1;
    if (fullKey.startsWith(`${want}.${key}.`)) return i + 1;
  }
  return undefined;
}
