import type { AssetGraph } from "../graph/asset-graph.js";
import type { AssetKey } from "../graph/asset-definition.js";
import type { AssetStateSnapshot } from "../state/asset-state-snapshot.js";
import { versionSeenBy } from "../state/materialization-record.js";

/**
 * The upstream asset-partitions that partition `partition` of `key` reads (per the dependency's partition
 * mapping), given the partition keys each partitioned asset has now.
 */
export function upstreamPartitions(
  graph: AssetGraph,
  partitionKeys: ReadonlyMap<AssetKey, readonly string[]>,
  key: AssetKey,
  partition: string | undefined,
): { key: AssetKey; partition: string | undefined }[] {
  const out: { key: AssetKey; partition: string | undefined }[] = [];
  for (const dep of graph.get(key).deps) {
    const upstreamKeys = graph.get(dep.key).partitions ? (partitionKeys.get(dep.key) ?? []) : undefined;
    if (upstreamKeys === undefined) {
      out.push({ key: dep.key, partition: undefined });
      continue;
    }
    switch (graph.mappingOf(key, dep.key)) {
      case "identity":
        if (partition !== undefined && upstreamKeys.includes(partition))
          out.push({ key: dep.key, partition });
        break;
      case "latest": {
        const last = upstreamKeys.at(-1);
        if (last !== undefined) out.push({ key: dep.key, partition: last });
        break;
      }
      case "all":
        for (const p of upstreamKeys) out.push({ key: dep.key, partition: p });
        break;
    }
  }
  return out;
}

/**
 * Why an asset-partition's data is out of date, in words: each upstream asset-partition whose current data
 * version is not the one its latest materialization read. Empty when it is up to date or never materialized
 * (missing is a status, not staleness).
 */
export function staleReasons(
  graph: AssetGraph,
  partitionKeys: ReadonlyMap<AssetKey, readonly string[]>,
  state: AssetStateSnapshot,
  key: AssetKey,
  partition: string | undefined,
): string[] {
  const latest = state.get(key, partition).latest;
  if (latest === undefined) return [];
  const reasons: string[] = [];
  for (const upstream of upstreamPartitions(graph, partitionKeys, key, partition)) {
    const current = state.get(upstream.key, upstream.partition).latest;
    if (current === undefined) continue;
    const version = versionSeenBy(current, partition);
    const read = latest.inputs.find((i) => i.key === upstream.key && i.partition === upstream.partition);
    const name = upstream.partition === undefined ? upstream.key : `${upstream.key} [${upstream.partition}]`;
    if (read === undefined) reasons.push(`${name} was materialized after it was last read`);
    else if (read.dataVersion !== version)
      reasons.push(`${name} has version ${short(version)}, ${short(read.dataVersion)} was read`);
  }
  return reasons;
}

function short(version: string | null): string {
  return version === null ? "(none)" : version.slice(0, 12);
}
