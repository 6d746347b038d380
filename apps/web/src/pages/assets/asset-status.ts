import type { Asset } from "@omicslake/contract";

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
