import type { Asset, AssetDetail } from "@omicslake/contract";

/** The badge and graph colour of an asset's status: staleness wins over "materialized" (it will re-run). */
export function assetTone(asset: Pick<Asset, "status" | "stale">): string {
  if (asset.status === "failed") return "bad";
  if (asset.status === "running") return "info";
  if (asset.stale) return "warn";
  if (asset.status === "materialized") return "ok";
  if (asset.status === "partial") return "warn";
  return "muted";
}

export const ASSET_STATUSES: readonly Asset["status"][] = [
  "materialized",
  "partial",
  "missing",
  "running",
  "failed",
];

/**
 * Why the asset would or would not run next, in sentences, from what the API reports: its automation
 * condition, its status and partitions, and why it is stale. The server evaluates the real condition; these
 * say which of its inputs currently hold.
 */
export function whyLines(asset: AssetDetail): string[] {
  const lines: string[] = [];
  const automatic = asset.automation !== "manual";
  lines.push(
    automatic
      ? `Automation: ${asset.automation} — the automation daemon runs it when its condition holds.`
      : "Automation: manual — it runs only when someone materializes it (here, or with the CLI).",
  );
  const missing = asset.partition_statuses.filter((p) => p.status === "missing");
  const failed = asset.partition_statuses.filter((p) => p.status === "failed");
  const running = asset.partition_statuses.filter((p) => p.status === "running");
  if (running.length > 0) lines.push(`${count(running.length, "partition")} running now.`);
  if (failed.length > 0)
    lines.push(
      `${count(failed.length, "partition")} failed on the last attempt` +
        ` (retried up to ${asset.retry.max_retries} times, ${asset.retry.backoff} back-off from ${asset.retry.delay_ms} ms).`,
    );
  if (missing.length > 0)
    lines.push(
      asset.partitions
        ? `${count(missing.length, "partition")} never materialized${automatic ? " — candidates for the next run" : ""}.`
        : `Never materialized${automatic ? " — a candidate for the next run" : ""}.`,
    );
  if (asset.stale) {
    lines.push(
      `Stale${automatic ? " — upstream data changed, so it would run again" : ""}: ${asset.stale_reasons.join("; ") || "an upstream has a newer data version"}.`,
    );
  } else if (missing.length === 0 && failed.length === 0 && running.length === 0) {
    lines.push(
      "Up to date: every partition is materialized from its upstreams' current data, so nothing is due.",
    );
  }
  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
