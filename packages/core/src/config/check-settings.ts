import { DATASET_ACCESSIONS, optionValueProblem, SOURCE_OPTION_SPECS } from "./source-option-specs.js";
import type { RawConfig } from "./config-schema.js";
import { closestMatch } from "./edit-distance.js";

/** Processing steps the pipeline runs: `ingest` / `reprocess` parse, `consolidate` consolidates. */
export const PROCESSING_STEPS = ["parse", "consolidate"] as const;
export type ProcessingStep = (typeof PROCESSING_STEPS)[number];

/** Source kinds something fetches; the others are refused until a later release implements them. */
export const IMPLEMENTED_SOURCE_KINDS = ["sra", "geo", "biosample", "bioproject", "pubmed"] as const;

/** Reports one setting: the section (`data.x`), the key inside it ("" for the whole table), the message and what to do. */
export type SettingFailure = (section: string, key: string, message: string, hint: string) => never;

/**
 * Refuses every setting nothing honours. The schema accepts the shape of the whole design (directory
 * sources, layouts, schedules); what this release does not do is refused here with the reason, rather
 * than accepted and silently ignored.
 */
export function checkSettings(config: RawConfig, fail: SettingFailure): void {
  const s3 = config.lake.s3;
  if (s3 !== undefined && !(config.lake.storage ?? "").startsWith("s3://")) {
    fail(
      "lake.s3",
      "",
      "[lake.s3] is only read when [lake] storage is an s3:// URL",
      'Set storage = "s3://bucket/prefix", or remove [lake.s3]',
    );
  }
  for (const [name, source] of Object.entries(config.source)) {
    const section = `source.${name}`;
    if (!(IMPLEMENTED_SOURCE_KINDS as readonly string[]).includes(source.kind)) {
      fail(
        section,
        "kind",
        `"${source.kind}" sources are not supported yet: nothing would fetch or read them`,
        `Implemented kinds: ${IMPLEMENTED_SOURCE_KINDS.join(", ")}. Add local files with "omicslake add" or "omicslake ingest --dataset NAME FILES"`,
      );
    }
    if (source.layout !== undefined) {
      fail(section, "layout", "layouts are not supported yet: nothing reads them", "Remove the key");
    }
    if (source.path !== undefined) {
      fail(
        section,
        "path",
        `"${source.kind}" sources fetch from url; path is for directory sources, which are not supported yet`,
        "Remove the key",
      );
    }
    if (source.kind !== "geo") {
      for (const key of ["api_key", "email"] as const) {
        if (source[key] !== undefined) {
          fail(
            section,
            key,
            `only geo sources send ${key} (to NCBI E-utilities); a "${source.kind}" source never would`,
            "Remove the key",
          );
        }
      }
    }
    checkOptions(section, source.kind, source.options, fail);
  }

  for (const [name, data] of Object.entries(config.data)) {
    const section = `data.${name}`;
    const kind = config.source[data.source]?.kind ?? "";
    if (data.subdir !== undefined) {
      fail(
        section,
        "subdir",
        "subdir is not supported yet: outputs always go to <layer>/<dataset>/",
        "Remove the key",
      );
    }
    if (data.schedule !== undefined && data.schedule !== "manual") {
      const known = data.schedule === "eager" || /^cron:\s*\S/.test(data.schedule);
      fail(
        section,
        "schedule",
        known
          ? `schedule "${data.schedule}" is not supported yet: datasets are ingested only when you run "omicslake ingest"`
          : `schedule ${JSON.stringify(data.schedule)} is not a schedule`,
        known
          ? 'Remove the key, or write "manual" (what happens today)'
          : 'Write "manual" (eager and "cron: <expr>" are not supported yet)',
      );
    }
    if (data.accessions !== undefined) {
      const rule = DATASET_ACCESSIONS[kind];
      if (!rule) {
        fail(
          section,
          "accessions",
          `a "${kind}" source has no accessions to choose: the key would be ignored`,
          `Use include/exclude on file names instead; accessions work with geo and sra sources`,
        );
      }
      const bad = data.accessions.find((a) => !rule.pattern.test(a));
      if (bad !== undefined) {
        fail(
          section,
          "accessions",
          `${JSON.stringify(bad)} is not one of the ${rule.what} a ${kind} dataset takes`,
          `List ${rule.what}`,
        );
      }
    }
    checkOptions(section, kind, data.options, fail);
  }

  for (const [name, processing] of Object.entries(config.processing)) {
    const section = `processing.${name}`;
    for (const step of processing.steps) {
      if (!(PROCESSING_STEPS as readonly string[]).includes(step)) {
        const guess = closestMatch(step, PROCESSING_STEPS);
        fail(
          section,
          "steps",
          `step ${JSON.stringify(step)} is not supported${guess ? ` (did you mean "${guess}"?)` : ""}`,
          `Steps available now: ${PROCESSING_STEPS.join(", ")}; others come in later releases`,
        );
      }
    }
    if (
      processing.steps.indexOf("consolidate") !== -1 &&
      processing.steps.indexOf("parse") > processing.steps.indexOf("consolidate")
    ) {
      fail(
        section,
        "steps",
        `"consolidate" reads what "parse" writes, so it cannot come first`,
        'Write steps = ["parse", "consolidate"]',
      );
    }
    if (processing.options !== undefined) {
      fail(
        section,
        "options",
        "processing options are not supported yet: no step reads any",
        "Remove the key",
      );
    }
  }
}

function checkOptions(
  section: string,
  kind: string,
  options: Readonly<Record<string, unknown>> | undefined,
  fail: SettingFailure,
): void {
  if (options === undefined) return;
  const specs = SOURCE_OPTION_SPECS[kind] ?? {};
  for (const [key, value] of Object.entries(options)) {
    const spec = specs[key];
    const allowed = Object.keys(specs);
    if (!spec) {
      const guess = closestMatch(key, allowed);
      fail(
        section,
        `options.${key}`,
        `a "${kind}" source has no option "${key}"`,
        `${guess ? `Did you mean "${guess}"? ` : ""}Options of ${kind} sources: ${allowed.join(", ") || "(none)"}`,
      );
    }
    const problem = optionValueProblem(spec.value, value);
    if (problem !== undefined) fail(section, `options.${key}`, problem, `${key}: ${spec.meaning}`);
  }
}

/**
 * The steps a dataset gets: those of its own `processing` sections, else its role's; a dataset with
 * neither gets every step (parse and consolidate), as before steps were configurable.
 */
export function datasetSteps(
  config: {
    readonly datasets: RawConfig["data"];
    readonly roles: RawConfig["role"];
    readonly processing: RawConfig["processing"];
  },
  dataset: string,
): readonly ProcessingStep[] {
  const data = config.datasets[dataset];
  if (!data) return PROCESSING_STEPS;
  const sections = data.processing ?? config.roles[data.role]?.processing ?? [];
  if (sections.length === 0) return PROCESSING_STEPS;
  const steps = new Set(sections.flatMap((s) => config.processing[s]?.steps ?? []));
  return PROCESSING_STEPS.filter((step) => steps.has(step));
}
