import { loadConfig, type LakeConfig, type LoadConfigOptions } from "@omicslake/core";

/**
 * Loads the configuration with every source kind known: the kinds beyond the public-metadata feeds
 * (genomes, GenBank, reads, lab trees, URL lists) register their specs when `@omicslake/sources` loads,
 * and a config naming one must not be refused as unknown because nothing had imported them yet.
 */
export async function loadLakeConfig(options: LoadConfigOptions): Promise<LakeConfig> {
  await import("@omicslake/sources");
  return loadConfig(options);
}
