import type { LakeConfig } from "@omicslake/core";

/** `[automation]` as the daemon and the executor take it. */
export interface AutomationSettings {
  /** Whether `omicslake serve` also runs the daemon. */
  readonly daemon: boolean;
  /** Between two evaluations of the conditions. */
  readonly intervalMs: number;
  /** Asset-partitions materialized at the same time. */
  readonly concurrency: number;
  /** Where materializations run: `runner = "auto"` resolved against the catalog. */
  readonly runner: "in-process" | "pg-boss";
}

/**
 * The `[automation]` settings of `config`, `runner = "auto"` resolved: pg-boss when the catalog is a
 * PostgreSQL server (its queue lives in that database, where workers on other machines find it), else
 * in-process, as an embedded PGlite catalog is this process's alone.
 */
export function automationSettings(config: Pick<LakeConfig, "automation" | "database">): AutomationSettings {
  const { automation } = config;
  const onServer = config.database.url !== undefined;
  return {
    daemon: automation.daemon,
    intervalMs: Math.round(automation.interval * 1000),
    concurrency: automation.concurrency,
    runner: automation.runner === "auto" ? (onServer ? "pg-boss" : "in-process") : automation.runner,
  };
}
