import { OmicslakeError } from "@omicslake/core";

/**
 * How much a published entity may shrink in one step. A rebuild that lost its inputs (an upstream that
 * could not be listed, a processed dataset that was deleted) produces empty or much smaller entities;
 * publishing them would replace good data with nothing and report success.
 */
export interface ShrinkPolicy {
  /** The largest share of rows an entity may lose, 0 to 1 (default 0.5). Becoming empty is refused whatever the share. */
  readonly maxShrink?: number;
  /** Publish anyway (`--allow-shrink`): the smaller result is known to be right. */
  readonly allowShrink?: boolean;
}

export const DEFAULT_MAX_SHRINK = 0.5;

/** One entity whose new version would lose too many rows. */
export interface ShrinkViolation {
  readonly entity: string;
  readonly oldRows: number;
  readonly newRows: number;
}

/** The violation of replacing `oldRows` by `newRows`, or undefined when the policy lets it through. */
export function shrinkViolation(
  entity: string,
  oldRows: number,
  newRows: number,
  policy: ShrinkPolicy = {},
): ShrinkViolation | undefined {
  if (policy.allowShrink === true || oldRows <= 0 || newRows >= oldRows) return undefined;
  const maxShrink = policy.maxShrink ?? DEFAULT_MAX_SHRINK;
  if (newRows === 0 || (oldRows - newRows) / oldRows > maxShrink) return { entity, oldRows, newRows };
  return undefined;
}

/**
 * A publication step (consolidation, a serving load) refused to replace non-empty entities with empty or
 * much smaller ones. Nothing was replaced: the previous curated files, DuckLake snapshot and serving
 * tables stay as they were.
 */
export class ShrinkRefusedError extends OmicslakeError {
  readonly violations: readonly ShrinkViolation[];

  constructor(step: "consolidate" | "load", violations: readonly ShrinkViolation[], maxShrink: number) {
    const list = violations
      .map((v) => `${v.entity} ${v.oldRows} → ${v.newRows} rows${v.newRows === 0 ? " (empty)" : ""}`)
      .join(", ");
    const what = step === "consolidate" ? "curated entities" : "served entities";
    super(
      "shrink_refused",
      `${step} refused to replace ${what} with much smaller ones: ${list}; the previous data is kept`,
      {
        details: { step, maxShrink, violations: violations.map((v) => ({ ...v })) },
        hint:
          step === "consolidate"
            ? `An upstream that could not be reached or a processed dataset that lost its files does this: run "omicslake reprocess" to rebuild processed from raw, then consolidate again. If the smaller result is right, rerun "omicslake consolidate --allow-shrink" (or raise [metadata] max_shrink, now ${maxShrink})`
            : `Check the curated entities ("omicslake consolidate" output). If the smaller result is right, rerun "omicslake load --allow-shrink" (or raise [metadata] max_shrink, now ${maxShrink})`,
      },
    );
    this.violations = violations;
  }
}
