import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, parseConfig, type LakeConfig } from "@omicslake/core";
import {
  lakeEngines,
  S3RVER_CREDENTIALS,
  S3RVER_REGION,
  startS3rver,
  type S3rverHandle,
} from "@omicslake/core/testing";
import { HttpClient, ingestItems, sourceKind, type SourceKindContext } from "../src/index.js";
import { bytesOf } from "./helpers/test-bytes.js";

function contextOf(config: LakeConfig, dataset: string): SourceKindContext {
  const resolved = config.dataModel[dataset]!;
  return {
    sourceName: resolved.source,
    source: config.sources[resolved.source]!,
    data: config.datasets[dataset]!,
    dataset: resolved,
    lakeRoot: config.root,
    http: new HttpClient(),
    step: {},
    log: () => undefined,
  };
}

describe("s3 source kind (s3rver)", () => {
  let s3: S3rverHandle;
  const config = (layout: string, extra = "") =>
    parseConfig(
      `[source.bucket]\nkind = "s3"\nurl = "s3://${s3.bucket}/upstream"\nendpoint = "${s3.endpoint}"\nregion = "${S3RVER_REGION}"\nforce_path_style = true\naccess_key_id = "${S3RVER_CREDENTIALS.accessKeyId}"\nsecret_access_key = "${S3RVER_CREDENTIALS.secretAccessKey}"\nlayout = ${JSON.stringify(layout)}\n[role.reads]\n[data.runs]\nsource = "bucket"\nrole = "reads"\n${extra}`,
      { baseDir: "/srv/lab" },
    );

  beforeAll(async () => {
    s3 = await startS3rver();
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: S3RVER_REGION,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      const objects: Record<string, string> = {
        "upstream/runs/Homo sapiens/SRR1_1.fq.gz": "mate one",
        "upstream/runs/Homo sapiens/SRR1_2.fq.gz": "mate two",
        "upstream/runs/Homo sapiens/SRR2.fq.gz": "single",
        "upstream/runs/Homo sapiens/SRR2.fq.gz.md5": "sidecar",
        "upstream/runs/stray.txt": "top",
        "upstream/other/Mus/SRR3.fq.gz": "another dataset",
      };
      for (const [key, body] of Object.entries(objects)) {
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
      }
    } finally {
      client.destroy();
    }
  }, 60_000);

  afterAll(async () => {
    await s3?.close();
  });

  it("ingests a bucket's items into raw through the kind's own reader, and skips them the second time", async () => {
    const engine = lakeEngines()[0]!;
    const opened = await engine.open();
    try {
      const lakeConfig = { ...config("level1"), root: opened.root };
      const first = await ingestItems(opened.lake, lakeConfig, "runs");
      expect(first.failures).toEqual([]);
      expect(first.ingested).toBe(2);
      const raw = await opened.lake.dataset("raw:runs");
      const objects = (await opened.lake.listObjects(raw)).items;
      expect(objects.map((o) => o.name).sort()).toEqual([
        "Homo sapiens/SRR1_1.fq.gz",
        "Homo sapiens/SRR1_2.fq.gz",
        "Homo sapiens/SRR2.fq.gz",
      ]);
      const mate = objects.find((o) => o.name === "Homo sapiens/SRR1_2.fq.gz")!;
      expect((await bytesOf(await opened.lake.readObject(mate))).toString()).toBe("mate two");
      const again = await ingestItems(opened.lake, lakeConfig, "runs");
      expect([again.ingested, again.unchanged]).toEqual([0, 2]);
    } finally {
      await opened.dispose();
    }
  });

  it("lists the objects under {url}/{directory}/ as items of the layout, problems included", async () => {
    const { items, problems } = await sourceKind("s3").items(contextOf(config("level1"), "runs"));
    expect(items.map((i) => [i.key, i.paired, i.files.map((f) => [f.name, f.size, f.mate])])).toEqual([
      [
        "Homo sapiens/SRR1",
        true,
        [
          ["Homo sapiens/SRR1_1.fq.gz", 8, 1],
          ["Homo sapiens/SRR1_2.fq.gz", 8, 2],
        ],
      ],
      ["Homo sapiens/SRR2", false, [["Homo sapiens/SRR2.fq.gz", 6, undefined]]],
    ]);
    expect(items[0]!.files[0]!.url).toBe(`s3://${s3.bucket}/upstream/runs/Homo sapiens/SRR1_1.fq.gz`);
    expect(items[0]!.subdir).toBe("reads/runs/Homo sapiens/SRR1");
    expect(problems.map((p) => p.name)).toEqual(["stray.txt"]);
  });

  it("filters by include/exclude and applies the files layout", async () => {
    const { items } = await sourceKind("s3").items(
      contextOf(config("files", 'exclude = ["**/SRR2*"]\n'), "runs"),
    );
    expect(items.map((i) => i.key)).toEqual(["Homo sapiens/SRR1.fq.gz", "stray.txt"]);
  });

  it("opens an item file as a stream, and refuses one that is not there", async () => {
    const context = contextOf(config("level1"), "runs");
    const kind = sourceKind("s3");
    const stream = await kind.open!(context, { name: "Homo sapiens/SRR1_2.fq.gz" });
    expect((await bytesOf(stream)).toString()).toBe("mate two");
    await expect(kind.open!(context, { name: "Homo sapiens/nope.fq.gz" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
