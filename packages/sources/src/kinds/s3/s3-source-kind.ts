import type { Readable } from "node:stream";
import {
  openBucketReader,
  type BucketReader,
  type SourceConfig,
  type SourceKindProblem,
  type SourceKindSpec,
} from "@omicslake/core";
import type { ItemFile } from "../../items/data-item.js";
import { layoutItems } from "../../items/layout-items.js";
import { datasetLayout } from "../dataset-tree.js";
import type { SourceKind, SourceKindContext } from "../source-kind.js";

const spec: SourceKindSpec = {
  kind: "s3",
  description: "Objects under an s3://bucket/prefix (AWS S3 or a compatible server), read-only",
  sourceKeys: {
    endpoint: {
      value: { type: "string", example: "http://127.0.0.1:9000" },
      meaning: "S3 endpoint URL for non-AWS servers (MinIO, R2, Ceph)",
    },
    region: { value: { type: "string" }, meaning: "S3 region (default us-east-1)" },
    force_path_style: {
      value: { type: "boolean" },
      meaning: "path-style URLs, which most non-AWS servers need (default false)",
    },
    access_key_id: {
      value: { type: "string" },
      meaning: "access key id; without it the AWS SDK's credential chain applies",
    },
    secret_access_key: { value: { type: "string" }, meaning: "secret access key (with access_key_id)" },
  },
  dataKeys: {},
  layouts: ["files", "level0", "level1", "level2"],
  path: "refused",
  url: "required",
  steps: ["ingest", "convert", "expression", "checksum"],
  check: checkS3Kind,
};

function checkS3Kind(source: Readonly<Record<string, unknown>>): SourceKindProblem[] {
  const problems: SourceKindProblem[] = [];
  const url = source["url"];
  if (typeof url === "string") {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed?.protocol !== "s3:" || parsed.hostname === "") {
      problems.push({
        section: "source",
        key: "url",
        message: `url ${JSON.stringify(url)} is not an s3://bucket/prefix URL`,
        hint: 'Write url = "s3://bucket/prefix"; the endpoint of a non-AWS server goes in endpoint = "…"',
      });
    } else if (
      parsed.username !== "" ||
      parsed.password !== "" ||
      parsed.search !== "" ||
      parsed.hash !== ""
    ) {
      problems.push({
        section: "source",
        key: "url",
        message: `url ${JSON.stringify(url)} carries credentials, a query or a fragment`,
        hint: "Put credentials in access_key_id and secret_access_key",
      });
    }
  }
  if ((source["access_key_id"] === undefined) !== (source["secret_access_key"] === undefined)) {
    const missing = source["access_key_id"] === undefined ? "access_key_id" : "secret_access_key";
    problems.push({
      section: "source",
      key: missing === "access_key_id" ? "secret_access_key" : "access_key_id",
      message: `only one of access_key_id and secret_access_key is set (${missing} is missing)`,
      hint: "Set both, or neither to use the AWS SDK's credential chain (environment, profile, instance role)",
    });
  }
  return problems;
}

/** The bucket prefix a dataset's objects are under: `{url}/{directory}/`. */
function datasetUrl(source: SourceConfig, directory: string): string {
  const url = source.url!;
  return `${url.endsWith("/") ? url : `${url}/`}${directory}/`;
}

function openReader(context: SourceKindContext): Promise<BucketReader> {
  const { source } = context;
  const text = (key: string): string | undefined => source[key] as string | undefined;
  const endpoint = text("endpoint");
  const region = text("region");
  const accessKeyId = text("access_key_id");
  const secretAccessKey = text("secret_access_key");
  return openBucketReader({
    url: datasetUrl(source, context.dataset.directory),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    forcePathStyle: source["force_path_style"] === true,
    ...(accessKeyId !== undefined ? { accessKeyId } : {}),
    ...(secretAccessKey !== undefined ? { secretAccessKey } : {}),
  });
}

/**
 * `s3`: objects under `{url}/{directory}/` in a bucket the lake does not own, read through core's bucket
 * reader (no second S3 client). The source's layout is applied to the keys as to a local tree; `open`
 * streams one item file, for ingest to copy into raw.
 */
export const s3SourceKind: SourceKind = {
  spec,
  async items(context) {
    const reader = await openReader(context);
    try {
      const files: ItemFile[] = [];
      for await (const object of reader.listAll()) {
        // Zero-byte "folder" markers some tools write are not files.
        if (object.key === "" || object.key.endsWith("/")) continue;
        files.push({ name: object.key, url: `${reader.url}${object.key}`, size: object.size });
      }
      return layoutItems(files, datasetLayout(context));
    } finally {
      await reader.close();
    }
  },
  async open(context, file): Promise<Readable> {
    const reader = await openReader(context);
    try {
      const stream = await reader.get(file.name);
      stream.once("close", () => void reader.close());
      return stream;
    } catch (error) {
      await reader.close();
      throw error;
    }
  },
};
