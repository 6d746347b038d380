import { AssetError } from "../asset-error.js";
import {
  ASSET_KEY_PATTERN,
  type AssetDefinition,
  type AssetKey,
  type PartitionMapping,
} from "./asset-definition.js";

/**
 * The assets and their dependencies, checked once: every key well-formed and unique, every dependency
 * defined, no cycle. Gives topological order and up/downstream closures; keeps insertion order otherwise,
 * so listings are stable.
 */
export class AssetGraph {
  readonly #assets = new Map<AssetKey, AssetDefinition>();
  readonly #downstream = new Map<AssetKey, AssetKey[]>();
  readonly #order: AssetKey[];

  constructor(definitions: Iterable<AssetDefinition>) {
    for (const asset of definitions) {
      if (!ASSET_KEY_PATTERN.test(asset.key)) {
        throw new AssetError("config_error", `asset key ${JSON.stringify(asset.key)} is not valid`, {
          details: { key: asset.key },
          hint: 'Use lower-case segments of letters, digits, "_", "." and "-" joined by "/", e.g. "geo/raw"',
        });
      }
      if (this.#assets.has(asset.key)) {
        throw new AssetError("config_error", `asset "${asset.key}" is defined twice`, {
          details: { key: asset.key },
        });
      }
      this.#assets.set(asset.key, asset);
      this.#downstream.set(asset.key, []);
    }
    for (const asset of this.#assets.values()) {
      for (const dep of asset.deps) {
        if (!this.#assets.has(dep.key)) {
          throw new AssetError(
            "config_error",
            `asset "${asset.key}" depends on "${dep.key}", which is not an asset`,
            {
              details: { key: asset.key, dependency: dep.key },
              hint: `Assets: ${[...this.#assets.keys()].join(", ")}`,
            },
          );
        }
        this.#downstream.get(dep.key)?.push(asset.key);
      }
    }
    this.#order = this.#topologicalOrder();
  }

  get size(): number {
    return this.#assets.size;
  }

  /** Every key, in definition order. */
  keys(): AssetKey[] {
    return [...this.#assets.keys()];
  }

  assets(): AssetDefinition[] {
    return [...this.#assets.values()];
  }

  has(key: AssetKey): boolean {
    return this.#assets.has(key);
  }

  /** The asset, or an `not_found` error listing the keys. */
  get(key: AssetKey): AssetDefinition {
    const asset = this.#assets.get(key);
    if (!asset) {
      throw new AssetError("not_found", `no asset "${key}"`, {
        details: { key },
        hint: `Assets: ${this.keys().join(", ") || "(none)"}; "omicslake assets ls" lists them`,
      });
    }
    return asset;
  }

  /** Keys with every upstream before its downstream (ties in definition order). */
  topologicalOrder(): AssetKey[] {
    return [...this.#order];
  }

  /** Direct upstream keys. */
  upstreamOf(key: AssetKey): AssetKey[] {
    return this.get(key).deps.map((d) => d.key);
  }

  /** Direct downstream keys. */
  downstreamOf(key: AssetKey): AssetKey[] {
    this.get(key);
    return [...(this.#downstream.get(key) ?? [])];
  }

  /** `key` and everything it depends on, transitively. */
  withUpstream(key: AssetKey): Set<AssetKey> {
    return this.#closure(key, (k) => this.upstreamOf(k));
  }

  /** `key` and everything that depends on it, transitively. */
  withDownstream(key: AssetKey): Set<AssetKey> {
    return this.#closure(key, (k) => this.downstreamOf(k));
  }

  /** The mapping a dependency uses, its default filled in (see PartitionMapping). */
  mappingOf(key: AssetKey, depKey: AssetKey): PartitionMapping {
    const asset = this.get(key);
    const dep = asset.deps.find((d) => d.key === depKey);
    if (!dep) throw new Error(`${key} does not depend on ${depKey}`);
    if (dep.mapping) return dep.mapping;
    const upstream = this.get(depKey);
    if (asset.partitions && upstream.partitions && asset.partitions.name === upstream.partitions.name)
      return "identity";
    return "all";
  }

  #closure(start: AssetKey, next: (key: AssetKey) => AssetKey[]): Set<AssetKey> {
    const seen = new Set<AssetKey>([start]);
    const queue = [start];
    while (queue.length > 0) {
      const key = queue.shift() as AssetKey;
      for (const other of next(key)) {
        if (seen.has(other)) continue;
        seen.add(other);
        queue.push(other);
      }
    }
    return seen;
  }

  #topologicalOrder(): AssetKey[] {
    const order: AssetKey[] = [];
    const state = new Map<AssetKey, "active" | "done">();
    const visit = (key: AssetKey, path: AssetKey[]): void => {
      const seen = state.get(key);
      if (seen === "done") return;
      if (seen === "active") {
        const cycle = [...path.slice(path.indexOf(key)), key];
        throw new AssetError("config_error", `assets depend on each other in a cycle: ${cycle.join(" → ")}`, {
          details: { key, cycle },
          hint: "Remove one of these dependencies",
        });
      }
      state.set(key, "active");
      for (const dep of this.#assets.get(key)?.deps ?? []) visit(dep.key, [...path, key]);
      state.set(key, "done");
      order.push(key);
    };
    for (const key of this.#assets.keys()) visit(key, []);
    return order;
  }
}
