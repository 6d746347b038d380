import type { DataConfig, ProcessingConfig, RawConfig, StepTableConfig } from "./config-schema.js";
import { closestMatch } from "./edit-distance.js";
import {
  BUILTIN_STEPS,
  registeredSourceKinds,
  sourceKindSpec,
  type BuiltinStep,
  type LayoutName,
  type SourceKindSpec,
} from "./source-kind-spec.js";
import { optionValueProblem, type OptionSpec } from "./source-option-specs.js";

/** Reports one setting: the section (`data.x`), the key inside it ("" for the whole table), the message and what to do. */
export type SettingFailure = (section: string, key: string, message: string, hint: string) => never;

/** What a command step reads: the item's own files, or the output of a named step (`parts@decontamination`). */
export type StepInput =
  { readonly kind: "item" } | { readonly kind: "step"; readonly section: string; readonly name: string };

/** One step of a processing section, resolved: names given, references parsed, defaults filled in. */
export type ResolvedStep =
  | {
      readonly kind: "builtin";
      readonly section: string;
      readonly name: string;
      readonly step: BuiltinStep;
    }
  | {
      readonly kind: "command";
      readonly section: string;
      readonly name: string;
      readonly command: string;
      readonly inputs: readonly StepInput[];
      /** The file name the command writes; undefined: `{output}` is a directory it fills. */
      readonly output?: string;
      readonly threads: number;
    };

/** A `[data.X]` section resolved against its source, role and processing. */
export interface ResolvedDataset {
  readonly name: string;
  /** The `[source.X]` section's name. */
  readonly source: string;
  /** The source's kind, aliases resolved (`directory` → `internal`). */
  readonly kind: string;
  readonly role: string;
  /** Its directory in the source's tree and in output paths. */
  readonly directory: string;
  readonly layout: LayoutName;
  /** The processing sections it runs, dependencies first. */
  readonly processing: readonly string[];
  /** Their steps, in the order they run. */
  readonly steps: readonly ResolvedStep[];
}

/** The placeholders a command may use; anything else in braces is refused when the config is loaded. */
export const COMMAND_PLACEHOLDERS = [
  "input",
  "input1",
  "input2",
  "output",
  "threads",
  "species",
  "accession",
  "individual",
  "item",
  "subdir",
  "dataset",
  "role",
] as const;

const COMMON_SOURCE_KEYS = new Set([
  "kind",
  "description",
  "url",
  "path",
  "layout",
  "requests_per_second",
  "options",
]);
const COMMON_DATA_KEYS = new Set([
  "source",
  "role",
  "description",
  "directory",
  "include",
  "exclude",
  "tags",
  "schedule",
  "automation",
  "run",
  "processing",
  "options",
]);

const LAYOUT_SPELLINGS: Readonly<Record<string, LayoutName>> = {
  "0": "level0",
  level0: "level0",
  "{species}--{accession}.ext": "level0",
  "1": "level1",
  level1: "level1",
  "{species}/{accession}.ext": "level1",
  "2": "level2",
  level2: "level2",
  "{species}/{accession}/*": "level2",
  lab: "lab",
  "{species}/{individual}/*": "lab",
  files: "files",
};

/** The layout a config value names, or undefined when it names none. */
export function parseLayout(value: number | string): LayoutName | undefined {
  return LAYOUT_SPELLINGS[String(value).trim().toLowerCase()];
}

/**
 * Checks the data model — kinds and their keys, layouts, roles, processing steps and references, where
 * outputs go — and resolves every dataset. Every problem is reported through `fail` with its section and key.
 */
export function resolveDataModel(config: RawConfig, fail: SettingFailure): Record<string, ResolvedDataset> {
  const specs = new Map<string, SourceKindSpec>();
  for (const [name, source] of Object.entries(config.source)) {
    const spec = checkSource(`source.${name}`, source, fail);
    // A source's own rules hold even when no dataset uses it yet.
    for (const problem of spec.check?.(source, undefined) ?? []) {
      fail(`source.${name}`, problem.key, problem.message, problem.hint);
    }
    specs.set(name, spec);
  }
  const sectionSteps = new Map<string, readonly ResolvedStep[]>();
  for (const [name, processing] of Object.entries(config.processing)) {
    sectionSteps.set(name, resolveSteps(name, processing, config, fail));
  }
  const dependencies = checkSectionCycles(sectionSteps, fail);
  checkRoles(config, fail);

  const datasets: Record<string, ResolvedDataset> = {};
  const places = new Map<string, string>();
  for (const [name, data] of Object.entries(config.data)) {
    const section = `data.${name}`;
    const source = config.source[data.source]!;
    const spec = specs.get(data.source)!;
    checkDataKeys(section, data, spec, fail);
    for (const problem of spec.check?.(source, data) ?? []) {
      if (problem.section === "data") fail(section, problem.key, problem.message, problem.hint);
      else fail(`source.${data.source}`, problem.key, problem.message, problem.hint);
    }
    const directory = data.directory ?? name;
    const place = `${data.role}/${directory}`;
    // Case-insensitive and Unicode-normalizing filesystems (macOS, Windows, some S3 gateways) would make
    // "Reads" and "reads" one directory: the datasets would mix their outputs there.
    const placeKey = place.normalize("NFC").toLowerCase();
    const other = places.get(placeKey);
    if (other !== undefined) {
      fail(
        section,
        data.directory !== undefined ? "directory" : "role",
        `datasets "${other}" and "${name}" would both write to ${place}/`,
        `Outputs go to {role}/{directory}/…: give one of them another directory = "…" or another role`,
      );
    }
    places.set(placeKey, name);
    const chosen = datasetSections(name, data, config, fail);
    const ordered = withDependencies(chosen, dependencies);
    for (const extra of ordered.filter((s) => !chosen.includes(s))) {
      const reader = chosen.find((s) => dependencies.get(s)?.has(extra));
      fail(
        section,
        data.run !== undefined ? "run" : data.processing !== undefined ? "processing" : "role",
        `processing "${reader}" reads outputs of "${extra}", which dataset "${name}" does not run`,
        `Run "${extra}" too (list it before "${reader}"), or change the reference`,
      );
    }
    const steps = ordered.flatMap((s) => sectionSteps.get(s) ?? []);
    for (const step of steps) {
      if (step.kind === "builtin" && !spec.steps.includes(step.step)) {
        fail(
          `processing.${step.section}`,
          "steps",
          `dataset "${name}" (a ${spec.kind} source) runs step "${step.step}", which ${spec.kind} datasets do not have`,
          `Steps of ${spec.kind} datasets: ${spec.steps.join(", ")}; give "${name}" other processing with run = […]`,
        );
      }
    }
    datasets[name] = {
      name,
      source: data.source,
      kind: spec.kind,
      role: data.role,
      directory,
      layout: source.layout === undefined ? spec.layouts[0] : parseLayout(source.layout)!,
      processing: ordered,
      steps,
    };
  }
  return datasets;
}

function checkSource(
  section: string,
  source: RawConfig["source"][string],
  fail: SettingFailure,
): SourceKindSpec {
  const spec = sourceKindSpec(source.kind);
  if (!spec) {
    const known = registeredSourceKinds();
    const guess = closestMatch(source.kind, known);
    fail(
      section,
      "kind",
      `unknown source kind ${JSON.stringify(source.kind)}${guess ? ` (did you mean "${guess}"?)` : ""}`,
      `Source kinds: ${known.join(", ")}`,
    );
  }
  for (const [key, value] of Object.entries(source)) {
    if (COMMON_SOURCE_KEYS.has(key)) continue;
    checkKindKey(section, key, value, spec, spec.sourceKeys, "source", fail);
  }
  if (spec.path === "required" && source.path === undefined) {
    fail(section, "path", `a ${spec.kind} source needs path, the local root of its tree`, 'Add path = "…"');
  }
  if (spec.path === "refused" && source.path !== undefined) {
    fail(
      section,
      "path",
      `a ${spec.kind} source is fetched from url and has no local tree: path would be ignored`,
      "Remove the key",
    );
  }
  if (spec.url === "required" && source.url === undefined) {
    fail(section, "url", `a ${spec.kind} source needs url`, 'Add url = "…"');
  }
  if (spec.url === "refused" && source.url !== undefined) {
    fail(section, "url", `a ${spec.kind} source is not fetched: url would be ignored`, "Remove the key");
  }
  if (source.layout !== undefined) {
    const layout = parseLayout(source.layout);
    if (layout === undefined) {
      fail(
        section,
        "layout",
        `layout ${JSON.stringify(source.layout)} is not a layout`,
        `Layouts: 0 "{Species}--{accession}.ext", 1 "{Species}/{accession}.ext", 2 "{Species}/{accession}/*", "lab" "{Species}/{individual}/*", "files"`,
      );
    }
    if (!spec.layouts.includes(layout)) {
      fail(
        section,
        "layout",
        `a ${spec.kind} source cannot have layout ${JSON.stringify(source.layout)} (${layout})`,
        `Layouts of ${spec.kind} trees: ${spec.layouts.join(", ")}`,
      );
    }
  }
  checkOptions(section, spec, source.options, fail);
  return spec;
}

function checkDataKeys(section: string, data: DataConfig, spec: SourceKindSpec, fail: SettingFailure): void {
  for (const [key, value] of Object.entries(data)) {
    if (COMMON_DATA_KEYS.has(key) || value === undefined) continue;
    checkKindKey(section, key, value, spec, spec.dataKeys, "dataset", fail);
  }
  checkOptions(section, spec, data.options, fail);
}

function checkKindKey(
  section: string,
  key: string,
  value: unknown,
  spec: SourceKindSpec,
  keys: Readonly<Record<string, OptionSpec>>,
  what: string,
  fail: SettingFailure,
): void {
  const keySpec = keys[key];
  if (!keySpec) {
    const allowed = Object.keys(keys);
    const guess = closestMatch(key, allowed);
    fail(
      section,
      key,
      `a ${spec.kind} ${what} has no key "${key}"`,
      `${guess ? `Did you mean "${guess}"? ` : ""}Keys a ${spec.kind} ${what} adds to the common ones: ${allowed.join(", ") || "(none)"}`,
    );
  }
  const problem = optionValueProblem(keySpec.value, value);
  if (problem !== undefined) fail(section, key, problem, `${key}: ${keySpec.meaning}`);
}

function checkOptions(
  section: string,
  spec: SourceKindSpec,
  options: Readonly<Record<string, unknown>> | undefined,
  fail: SettingFailure,
): void {
  if (options === undefined) return;
  const specs = spec.options ?? {};
  const allowed = Object.keys(specs);
  for (const [key, value] of Object.entries(options)) {
    const optionSpec = specs[key];
    if (!optionSpec) {
      const guess = closestMatch(key, allowed);
      fail(
        section,
        `options.${key}`,
        `a "${spec.kind}" source has no option "${key}"`,
        `${guess ? `Did you mean "${guess}"? ` : ""}Options of ${spec.kind} sources: ${allowed.join(", ") || "(none)"}`,
      );
    }
    const problem = optionValueProblem(optionSpec.value, value);
    if (problem !== undefined) fail(section, `options.${key}`, problem, `${key}: ${optionSpec.meaning}`);
  }
}

function resolveSteps(
  section: string,
  processing: ProcessingConfig,
  config: RawConfig,
  fail: SettingFailure,
): readonly ResolvedStep[] {
  const where = `processing.${section}`;
  if (processing.options !== undefined) {
    fail(where, "options", "processing options are not supported: no step reads any", "Remove the key");
  }
  if (processing.role !== undefined && !(processing.role in config.role)) {
    const roles = Object.keys(config.role);
    const guess = closestMatch(processing.role, roles);
    fail(
      where,
      "role",
      `role "${processing.role}" does not exist${guess ? ` (did you mean "${guess}"?)` : ""}`,
      `Declared roles: ${roles.join(", ") || "(none)"}`,
    );
  }
  const steps: ResolvedStep[] = [];
  const names = new Set<string>();
  processing.steps.forEach((entry, index) => {
    const table: StepTableConfig = typeof entry === "string" ? { step: entry } : entry;
    if ((table.step === undefined) === (table.command === undefined)) {
      fail(
        where,
        "steps",
        `step ${index + 1} must have exactly one of step = "…" (built-in) or command = "…"`,
        'Write { step = "convert" } or { name = "trimmed", command = "fastp … {input} … {output}" }',
      );
    }
    const name = table.name ?? table.step ?? `step${index + 1}`;
    if (names.has(name)) {
      fail(
        where,
        "steps",
        `two steps are named "${name}"`,
        'Give each step its own name = "…": references use NAME@SECTION',
      );
    }
    names.add(name);
    if (table.step !== undefined) {
      for (const key of ["input", "output", "threads"] as const) {
        if (table[key] !== undefined) {
          fail(where, "steps", `built-in step "${table.step}" has no ${key}`, `Remove ${key} from that step`);
        }
      }
      steps.push({ kind: "builtin", section, name, step: checkBuiltin(where, table.step, fail) });
      return;
    }
    const command = table.command!;
    checkPlaceholders(where, command, fail);
    const previous = steps[steps.length - 1];
    const inputs: StepInput[] =
      table.input === undefined
        ? previous?.kind === "command"
          ? [{ kind: "step", section, name: previous.name }]
          : [{ kind: "item" }]
        : (typeof table.input === "string" ? [table.input] : table.input).map((ref) =>
            parseInput(where, section, ref, config, fail),
          );
    if (table.output !== undefined && (table.output.includes("/") || table.output.startsWith("."))) {
      fail(
        where,
        "steps",
        `output ${JSON.stringify(table.output)} must be a plain file name`,
        'Write e.g. output = "parts.fasta"',
      );
    }
    steps.push({
      kind: "command",
      section,
      name,
      command,
      inputs,
      ...(table.output !== undefined ? { output: table.output } : {}),
      threads: table.threads ?? 1,
    });
  });
  // Names used before they are defined in the same section are caught here, now that all are known.
  for (const step of steps) {
    if (step.kind !== "command") continue;
    for (const input of step.inputs) {
      if (input.kind !== "step" || input.section !== section) continue;
      const target = steps.findIndex((s) => s.name === input.name);
      if (target === -1 || target >= steps.indexOf(step)) {
        fail(
          where,
          "steps",
          `step "${step.name}" reads "${input.name}", which is not an earlier step of [${where}]`,
          `Earlier steps: ${
            steps
              .slice(0, steps.indexOf(step))
              .map((s) => s.name)
              .join(", ") || "(none)"
          }`,
        );
      }
    }
  }
  const order = steps.filter((s) => s.kind === "builtin").map((s) => s.name);
  if (
    order.includes("consolidate") &&
    order.includes("parse") &&
    order.indexOf("parse") > order.indexOf("consolidate")
  ) {
    fail(
      where,
      "steps",
      `"consolidate" reads what "parse" writes, so it cannot come first`,
      'Write steps = ["parse", "consolidate"]',
    );
  }
  if (
    order.includes("expression") &&
    order.includes("convert") &&
    order.indexOf("convert") > order.indexOf("expression")
  ) {
    fail(
      where,
      "steps",
      `"expression" builds from what "convert" writes, so it cannot come first`,
      'Write steps = ["convert", "expression"]',
    );
  }
  return steps;
}

function checkBuiltin(where: string, step: string, fail: SettingFailure): BuiltinStep {
  if (!(BUILTIN_STEPS as readonly string[]).includes(step)) {
    const guess = closestMatch(step, BUILTIN_STEPS);
    fail(
      where,
      "steps",
      `unknown step ${JSON.stringify(step)}${guess ? ` (did you mean "${guess}"?)` : ""}`,
      `Built-in steps: ${BUILTIN_STEPS.join(", ")}; run a program of your own with { name = "…", command = "…" }`,
    );
  }
  return step as BuiltinStep;
}

function parseInput(
  where: string,
  section: string,
  ref: string,
  config: RawConfig,
  fail: SettingFailure,
): StepInput {
  if (ref === "item") return { kind: "item" };
  const at = ref.lastIndexOf("@");
  const name = at === -1 ? ref : ref.slice(0, at);
  const target = at === -1 ? section : ref.slice(at + 1);
  const processing = config.processing[target];
  if (name === "" || !processing) {
    const sections = Object.keys(config.processing);
    fail(
      where,
      "steps",
      `input ${JSON.stringify(ref)} names no processing section${target !== section && target !== "" ? ` ("${target}" does not exist${closestMatch(target, sections) ? `; did you mean "${closestMatch(target, sections)}"?` : ""})` : ""}`,
      `Write "item", a step of this section, or NAME@SECTION (sections: ${sections.join(", ")})`,
    );
  }
  const stepNames = processing.steps.map((entry, index) =>
    typeof entry === "string" ? entry : (entry.name ?? entry.step ?? `step${index + 1}`),
  );
  if (!stepNames.includes(name)) {
    fail(
      where,
      "steps",
      `input ${JSON.stringify(ref)}: [processing.${target}] has no step "${name}"`,
      `Its steps: ${stepNames.join(", ")}`,
    );
  }
  return { kind: "step", section: target, name };
}

function checkPlaceholders(where: string, command: string, fail: SettingFailure): void {
  const quoted = quotedPlaceholder(command);
  if (quoted !== undefined) {
    fail(
      where,
      "steps",
      `placeholder {${quoted}} is inside quotes in command ${JSON.stringify(command)}: its value would be quoted twice, and a name holding $(…) or a quote would run as shell code`,
      `Write {${quoted}} bare: omicslake quotes every value as one shell word itself`,
    );
  }
  for (const match of command
    .replaceAll("{{", "")
    .replaceAll("}}", "")
    .matchAll(/\{([^{}]*)\}/g)) {
    const name = match[1]!;
    if (!(COMMAND_PLACEHOLDERS as readonly string[]).includes(name)) {
      const guess = closestMatch(name, COMMAND_PLACEHOLDERS);
      fail(
        where,
        "steps",
        `unknown placeholder {${name}} in command ${JSON.stringify(command)}${guess ? ` (did you mean {${guess}}?)` : ""}`,
        `Placeholders: ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}; write {{ and }} for literal braces`,
      );
    }
  }
}

/**
 * The first placeholder written inside '…' or "…" in a command, if any. Values are filled in already
 * single-quoted, so a placeholder inside single quotes ends them and one inside double quotes leaves
 * `$(…)` and backquotes of the value live.
 */
function quotedPlaceholder(command: string): string | undefined {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "\\" && quote !== "'") {
      i++;
      continue;
    }
    if ((c === "{" && command[i + 1] === "{") || (c === "}" && command[i + 1] === "}")) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      if (quote === undefined) quote = c;
      else if (quote === c) quote = undefined;
      continue;
    }
    if (c === "{" && quote !== undefined) {
      const name = /^\{([A-Za-z0-9_]+)\}/.exec(command.slice(i))?.[1];
      if (name !== undefined) return name;
    }
  }
  return undefined;
}

/** Section → the sections its steps read from; a cycle is refused naming it. */
function checkSectionCycles(
  sectionSteps: ReadonlyMap<string, readonly ResolvedStep[]>,
  fail: SettingFailure,
): Map<string, Set<string>> {
  const dependencies = new Map<string, Set<string>>();
  for (const [section, steps] of sectionSteps) {
    const targets = new Set<string>();
    for (const step of steps) {
      if (step.kind !== "command") continue;
      for (const input of step.inputs)
        if (input.kind === "step" && input.section !== section) targets.add(input.section);
    }
    dependencies.set(section, targets);
  }
  const state = new Map<string, "visiting" | "done">();
  const visit = (section: string, path: string[]): void => {
    if (state.get(section) === "done") return;
    if (state.get(section) === "visiting") {
      const cycle = [...path.slice(path.indexOf(section)), section];
      fail(
        `processing.${cycle[0]}`,
        "steps",
        `processing sections read each other's outputs in a cycle: ${cycle.join(" → ")}`,
        "A step can only read outputs of sections that do not read its own; break the cycle",
      );
    }
    state.set(section, "visiting");
    for (const next of dependencies.get(section) ?? []) visit(next, [...path, section]);
    state.set(section, "done");
  };
  for (const section of dependencies.keys()) visit(section, []);
  return dependencies;
}

function checkRoles(config: RawConfig, fail: SettingFailure): void {
  for (const [name, role] of Object.entries(config.role)) {
    if (role.run !== undefined && role.processing !== undefined) {
      fail(`role.${name}`, "run", "run and processing are the same key: set one", "Keep run = […]");
    }
    const chosen = role.run ?? role.processing;
    for (const section of chosen ?? [])
      checkSectionExists(`role.${name}`, role.run ? "run" : "processing", section, config, fail);
    if (chosen === undefined) continue;
    for (const [section, processing] of Object.entries(config.processing)) {
      if (processing.role === name && !chosen.includes(section)) {
        fail(
          `processing.${section}`,
          "role",
          `[processing.${section}] declares role "${name}", but [role.${name}] runs only ${chosen.join(", ")}`,
          `Add "${section}" to [role.${name}] run, or remove role from [processing.${section}]`,
        );
      }
    }
  }
}

function checkSectionExists(
  where: string,
  key: string,
  section: string,
  config: RawConfig,
  fail: SettingFailure,
): void {
  if (section in config.processing) return;
  const sections = Object.keys(config.processing);
  const guess = closestMatch(section, sections);
  fail(
    where,
    key,
    `processing "${section}" does not exist${guess ? ` (did you mean "${guess}"?)` : ""}`,
    sections.length === 0
      ? "Declare it as [processing.NAME] first"
      : `Declared processing sections: ${sections.join(", ")}`,
  );
}

/** A dataset's own sections, else its role's, else those declaring its role. */
function datasetSections(name: string, data: DataConfig, config: RawConfig, fail: SettingFailure): string[] {
  if (data.run !== undefined && data.processing !== undefined) {
    fail(`data.${name}`, "run", "run and processing are the same key: set one", "Keep run = […]");
  }
  const own = data.run ?? data.processing;
  if (own !== undefined) {
    for (const section of own)
      checkSectionExists(`data.${name}`, data.run ? "run" : "processing", section, config, fail);
    return [...own];
  }
  const role = config.role[data.role];
  const byRole = role?.run ?? role?.processing;
  if (byRole !== undefined) return [...byRole];
  return Object.entries(config.processing)
    .filter(([, processing]) => processing.role === data.role)
    .map(([section]) => section);
}

/** `chosen` with every section they read from, dependencies first, otherwise in the order written. */
function withDependencies(
  chosen: readonly string[],
  dependencies: ReadonlyMap<string, ReadonlySet<string>>,
): string[] {
  const ordered: string[] = [];
  const add = (section: string): void => {
    if (ordered.includes(section)) return;
    for (const dependency of dependencies.get(section) ?? []) add(dependency);
    ordered.push(section);
  };
  for (const section of chosen) add(section);
  return ordered;
}
