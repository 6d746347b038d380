import type { LakeConfig } from "@omicslake/core";
import { defaultPublishDir, publishLake, type S3Connection } from "@omicslake/metadata";
import type { Command } from "commander";
import { withLongCommand } from "../long-command.js";
import { humanBytes } from "../output/output.js";

/**
 * The S3 connection for an `s3://` destination: the lake's own S3 settings when its storage is on S3 too
 * (one endpoint, one set of credentials), otherwise the AWS SDK's chain (AWS_* environment variables,
 * profile, instance role; AWS_ENDPOINT_URL for a non-AWS server).
 */
function s3Connection(config: LakeConfig): S3Connection {
  const storage = config.storage;
  if (!storage.url.toLowerCase().startsWith("s3:")) return {};
  return {
    ...(storage.endpoint !== undefined ? { endpoint: storage.endpoint } : {}),
    ...(storage.region !== undefined ? { region: storage.region } : {}),
    ...(storage.accessKeyId !== undefined ? { accessKeyId: storage.accessKeyId } : {}),
    ...(storage.secretAccessKey !== undefined ? { secretAccessKey: storage.secretAccessKey } : {}),
    ...(storage.forcePathStyle !== undefined ? { forcePathStyle: storage.forcePathStyle } : {}),
  };
}

export function registerPublish(program: Command): void {
  program
    .command("publish")
    .description(
      "publish the snapshot, curated Parquet and a relocatable DuckLake catalog with a manifest of sha256s (only changed files are sent)",
    )
    .option(
      "--to <url>",
      "file:///dir, a directory or s3://bucket/prefix (default: the lake's own published/ folder, served at /v1/published/)",
    )
    .action(async (options: { to?: string }, command: Command) => {
      await withLongCommand(command, async (lake, out, config, step) => {
        const result = await publishLake(lake, {
          lakeRoot: config.root,
          ...(options.to !== undefined ? { to: options.to } : { to: defaultPublishDir(config.root) }),
          s3: s3Connection(config),
          ...step,
        });
        const { manifest: _manifest, run, ...summary } = result;
        out.data({ ...summary, run_id: run.id }, () =>
          [
            `published ${result.files} files to ${result.destination} (run ${run.id})`,
            `${result.uploaded} uploaded (${humanBytes(result.bytes_uploaded)}), ${result.skipped} unchanged, ${result.removed} removed`,
          ].join("\n"),
        );
      });
    });
}
