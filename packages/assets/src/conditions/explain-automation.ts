import type { AssetKey } from "../graph/asset-definition.js";
import type { AutomationCondition } from "./automation-condition.js";

/** One node of an asset's condition as one evaluation found it. */
export interface ConditionNodeExplanation {
  /** The node as text (`on_cron("0 3 * * *")`, `not any_deps_in_progress`). */
  readonly condition: string;
  readonly kind: AutomationCondition["kind"];
  /** True for at least one partition (for an unpartitioned asset: its value). */
  readonly value: boolean;
  /** Partitions it was true for (0 or 1 for an unpartitioned asset). */
  readonly trueCount: number;
  /**
   * Why it has its value, in words: at the first partition it was true for, else at the latest partition
   * (`partition` names which).
   */
  readonly sentence: string;
  readonly partition?: string;
  readonly children: readonly ConditionNodeExplanation[];
}

/** A cron schedule the condition uses, as the evaluation saw it. */
export interface CronExplanation {
  readonly cron: string;
  readonly timezone: string;
  /** The latest tick at or before the evaluation, ISO. */
  readonly latestTick?: string;
  readonly nextTick?: string;
  /** The tick the cursor had recorded as handled before this evaluation. */
  readonly handledTick?: string;
  /** The latest tick is later than the handled one: this evaluation acts on it. */
  readonly passed: boolean;
  /** The tick stays unhandled: something upstream (or the asset itself) is running or about to. */
  readonly waiting: boolean;
}

/** Why one asset will or will not run at an evaluation: what `omicslake assets why` prints. */
export interface AssetExplanation {
  readonly key: AssetKey;
  /** The condition as text. */
  readonly automation: string;
  readonly evaluatedAt: string;
  readonly partitioned: boolean;
  /** Partitions evaluated (1 for an unpartitioned asset). */
  readonly partitionCount: number;
  /** Partitions by their state before the evaluation. */
  readonly counts: {
    readonly materialized: number;
    readonly missing: number;
    readonly inProgress: number;
    readonly failed: number;
  };
  /** The partitions requested, in order (`undefined` for an unpartitioned asset). */
  readonly requested: readonly (string | undefined)[];
  /** The request reason of the first requested partition. */
  readonly reason?: string;
  readonly condition: ConditionNodeExplanation;
  readonly crons: readonly CronExplanation[];
}

/**
 * The explanation in plain English: one headline saying whether the asset runs at the next evaluation
 * and why, then the partition counts, cron schedules and the condition tree with each node's value.
 */
export function formatExplanation(e: AssetExplanation): string {
  const lines: string[] = [];
  const root = e.condition;
  if (e.requested.length > 0) {
    const which = e.partitioned
      ? ` (${e.requested.length} of ${e.partitionCount} partitions: ${list(e.requested.map(String))})`
      : "";
    lines.push(`${e.key} will run at the next evaluation${which}: ${root.sentence}`);
  } else if (e.partitioned && e.partitionCount === 0) {
    lines.push(`${e.key} will not run: it has no partitions yet`);
  } else {
    lines.push(`${e.key} will not run: ${root.condition} — ${root.sentence}`);
  }
  lines.push(`  automation: ${e.automation}`);
  const c = e.counts;
  const states = `${c.materialized} materialized, ${c.missing} missing, ${c.inProgress} in progress, ${c.failed} failed`;
  lines.push(
    e.partitioned ? `  partitions: ${e.partitionCount} (${states})` : `  state: ${unpartitionedState(e)}`,
  );
  for (const cron of e.crons) {
    const parts = [
      `last tick ${time(cron.latestTick)}`,
      `next tick ${time(cron.nextTick)}`,
      cron.handledTick === undefined ? "no tick handled yet" : `handled up to ${time(cron.handledTick)}`,
    ];
    if (cron.waiting) parts.push("waiting: the tick stays unhandled until upstream runs end");
    lines.push(`  cron ${JSON.stringify(cron.cron)} (${cron.timezone}): ${parts.join("; ")}`);
  }
  lines.push("  condition:");
  const walk = (node: ConditionNodeExplanation, depth: number): void => {
    const mark = node.value ? "yes" : "no ";
    const count = e.partitioned ? ` [true for ${node.trueCount} of ${e.partitionCount}]` : "";
    const at = node.partition === undefined ? "" : ` (at ${node.partition})`;
    lines.push(`${"  ".repeat(depth + 2)}${mark} ${node.condition}${count} — ${node.sentence}${at}`);
    for (const child of node.children) walk(child, depth + 1);
  };
  walk(root, 0);
  return lines.join("\n");
}

function time(iso: string | undefined): string {
  return iso === undefined ? "none" : iso.replace(/\.000Z$/, "Z");
}

function unpartitionedState(e: AssetExplanation): string {
  const c = e.counts;
  if (c.inProgress > 0) return "in progress";
  if (c.failed > 0)
    return c.materialized > 0 ? "materialized; its last attempt failed" : "missing; its last attempt failed";
  return c.materialized > 0 ? "materialized" : "missing";
}

function list(items: readonly string[]): string {
  return items.length <= 5 ? items.join(", ") : `${items.slice(0, 5).join(", ")}, … ${items.length - 5} more`;
}
