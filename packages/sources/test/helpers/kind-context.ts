import { parseConfig } from "@omicslake/core";
import { HttpClient } from "../../src/fetch/http-client.js";
import "../../src/kinds/source-kinds.js";
import type { SourceKindContext } from "../../src/kinds/source-kind.js";

/** Retries fast enough for tests, with the same number of attempts as the default policy. */
export const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } as const;

/**
 * The context a runner would give a kind for `dataset`, from a config text checked by `parseConfig`: the
 * source's local root is `root`, log lines are collected in `logs`.
 */
export function kindContext(
  toml: string,
  dataset: string,
  options: { root: string; logs?: string[]; http?: HttpClient },
): SourceKindContext {
  const config = parseConfig(toml, { baseDir: options.root });
  const resolved = config.dataModel[dataset];
  if (!resolved) throw new Error(`the config has no [data.${dataset}]`);
  const data = config.datasets[dataset]!;
  const source = config.sources[data.source]!;
  return {
    sourceName: data.source,
    source,
    data,
    dataset: resolved,
    root: options.root,
    lakeRoot: options.root,
    http: options.http ?? new HttpClient({ retry: FAST_RETRY }),
    step: {},
    log: (line) => options.logs?.push(line),
  };
}
