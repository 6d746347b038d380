/**
 * Automation conditions as data: what the daemon evaluates for each asset-partition at each tick. The text
 * users write in `omicslake.toml` (`eager`, `on_cron("0 3 * * *") and not any_deps_in_progress`) parses into
 * this tree; `why` walks the same tree to say which node decided.
 *
 * Dependency conditions look at the asset's upstream assets after `deps` narrows them: `ignore` drops the
 * upstream keys matching any of its selections, `allow` keeps only those matching one (selections as in
 * `omicslake materialize --select`: keys, globs, tags).
 */
export interface DepFilter {
  readonly ignore?: readonly string[];
  readonly allow?: readonly string[];
}

export type AutomationCondition =
  /** Missing (latest partition only) or an upstream has a newer version than the one last read; waits while it or an upstream runs. */
  | { readonly kind: "eager"; readonly deps?: DepFilter }
  /** Once per cron tick, if the asset is missing or an upstream changed since it last read it. */
  | { readonly kind: "on_cron"; readonly cron: string; readonly timezone?: string; readonly deps?: DepFilter }
  /** Never materialized (every partition), once; waits while an upstream is missing or running. */
  | { readonly kind: "on_missing"; readonly deps?: DepFilter }
  /** Never requested by automation; only `materialize` and the API run it. */
  | { readonly kind: "manual" }
  // Building blocks.
  | { readonly kind: "cron_tick_passed"; readonly cron: string; readonly timezone?: string }
  | { readonly kind: "any_deps_updated"; readonly deps?: DepFilter }
  | { readonly kind: "any_deps_missing"; readonly deps?: DepFilter }
  | { readonly kind: "any_deps_in_progress"; readonly deps?: DepFilter }
  | { readonly kind: "missing" }
  | { readonly kind: "in_progress" }
  | { readonly kind: "and"; readonly operands: readonly AutomationCondition[] }
  | { readonly kind: "or"; readonly operands: readonly AutomationCondition[] }
  | { readonly kind: "not"; readonly operand: AutomationCondition };

/** What the daemon remembers about an asset between evaluations (persisted by the state store). */
export interface AutomationCursor {
  /** When the asset was last evaluated. */
  readonly evaluatedAt: string;
  /** Per cron expression (`<tz>|<expr>`): the latest tick already handled, ISO time. */
  readonly cronTicks?: Readonly<Record<string, string>>;
}
