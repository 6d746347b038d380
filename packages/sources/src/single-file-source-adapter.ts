import type { SourceConfig } from "@omicslake/core";
import { baseUrlOf, type SourceAdapter, type UpstreamFile } from "./source-adapter.js";
import { SourceOptions } from "./source-options.js";

/**
 * An upstream that publishes one dump file, replaced in place (BioSample's `biosample_set.xml.gz`,
 * BioProject's `bioproject.xml`). The option `file` names another file under the same base URL.
 * Each ingest asks with If-None-Match / If-Modified-Since; a new version lands as a new raw object.
 */
export function singleFileSourceAdapter(
  kind: string,
  defaultUrl: string,
  defaultFile: string,
): SourceAdapter {
  return {
    kind,
    defaultUrl,
    defaultRequestsPerSecond: (_source: SourceConfig) => undefined,
    async *list(context): AsyncGenerator<UpstreamFile> {
      const file = new SourceOptions(context).string("file") ?? defaultFile;
      yield { url: new URL(file, baseUrlOf(context.source, defaultUrl)).href, name: file };
    },
  };
}
