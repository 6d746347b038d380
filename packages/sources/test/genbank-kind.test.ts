import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeUpstream } from "@omicslake/core/testing";
import { genbankSourceKind } from "../src/kinds/genbank/genbank-source-kind.js";
import { readTaxidsFile } from "../src/kinds/genbank/taxon-subtree.js";
import { SourceConfigError, UpstreamChecksumError } from "../src/upstream-error.js";
import { kindContext } from "./helpers/kind-context.js";
import { NODES_DMP, POACEAE, taxdumpTarGz } from "./helpers/taxdump.js";
import { pseudoRandomBytes } from "./helpers/test-bytes.js";

describe("genbank source kind", () => {
  let ftp: FakeUpstream;
  let root: string;
  let logs: string[];

  beforeAll(async () => {
    ftp = await FakeUpstream.start();
  });
  afterAll(async () => {
    await ftp?.close();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-genbank-"));
    logs = [];
    ftp.files.clear();
    ftp.requests.length = 0;
    ftp.faults.clear();
    ftp.setFile("genbank/GB_Release_Number", "263\n");
    ftp.setFile("genbank/README.genbank", "release notes");
    ftp.setFile("genbank/gbrel.txt", "release notes");
    for (const name of ["gbpln1", "gbpln2", "gbpln10", "gbinv1", "gbbct1", "gbbct2"]) {
      ftp.setFile(`genbank/${name}.seq.gz`, pseudoRandomBytes(5_000, name));
    }
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function context(data: string) {
    const toml = [
      `[source.gb]`,
      `kind = "genbank"`,
      `path = "${root}"`,
      `url = "${ftp.url("genbank/")}"`,
      `[role.sequences]`,
      `[data.plants]`,
      `source = "gb"`,
      `role = "sequences"`,
      data,
    ].join("\n");
    return kindContext(toml, "plants", { root, logs });
  }

  it("downloads the configured divisions of the served release, untouched, and lists one item per file", async () => {
    const ctx = context(`divisions = ["pln", "inv"]`);
    const result = await genbankSourceKind.sync!(ctx);
    const names = ["gbinv1", "gbpln1", "gbpln2", "gbpln10"].map((n) => `release-263/${n}.seq.gz`);
    expect(result.fetched).toEqual(names);
    expect((await readdir(join(root, "plants", "release-263"))).sort()).toEqual(
      [".synced-divisions", "gbinv1.seq.gz", "gbpln10.seq.gz", "gbpln1.seq.gz", "gbpln2.seq.gz"].sort(),
    );
    expect(await readFile(join(root, "plants", "release-263", ".synced-divisions"), "utf8")).toBe(
      "inv\npln\n",
    );
    const body = await readFile(join(root, "plants", "release-263", "gbpln10.seq.gz"));
    expect(body.equals(ftp.body("genbank/gbpln10.seq.gz"))).toBe(true);

    const listing = await genbankSourceKind.items(ctx);
    expect(listing.problems).toEqual([]);
    expect(listing.items.map((item) => [item.key, item.subdir, item.files[0]!.size])).toEqual(
      names.map((name) => [name, `sequences/plants/${name}`, 5_000]),
    );
    expect(listing.items.every((item) => item.taxonFilter === undefined)).toBe(true);

    const before = ftp.requests.length;
    const again = await genbankSourceKind.sync!(ctx);
    expect(again.fetched).toEqual([]);
    expect(again.unchanged).toEqual(names);
    // Only the release number and the listing are asked for again.
    expect(ftp.requests.length - before).toBe(2);

    const filtered = await genbankSourceKind.items(
      context(`divisions = ["pln", "inv"]\nexclude = ["**/gbpln1*"]`),
    );
    expect(filtered.items.map((item) => item.key)).toEqual([
      "release-263/gbinv1.seq.gz",
      "release-263/gbpln2.seq.gz",
    ]);
  });

  it("refuses a pinned release the server does not serve, and accepts the served one", async () => {
    const error = await genbankSourceKind.sync!(context(`divisions = ["bct"]\nrelease = 262`)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceConfigError);
    expect((error as Error).message).toContain("pins GenBank release 262");
    expect((error as Error).message).toContain("serves release 263");
    expect((error as SourceConfigError).hint).toContain('release = 263 or "latest"');
    await expect(readdir(join(root, "plants"))).rejects.toThrow();

    const result = await genbankSourceKind.sync!(context(`divisions = ["bct"]\nrelease = "263"`));
    expect(result.fetched).toEqual(["release-263/gbbct1.seq.gz", "release-263/gbbct2.seq.gz"]);
  });

  it("lists items of the pinned release, or of the newest completely synced one for latest", async () => {
    for (const release of ["release-261", "release-262"]) {
      await mkdir(join(root, "plants", release), { recursive: true });
      await writeFile(join(root, "plants", release, "gbpln1.seq.gz"), release);
      await writeFile(join(root, "plants", release, ".gbpln2.seq.gz.partial"), "half");
      await writeFile(join(root, "plants", release, "gbbct1.seq.gz"), "other division");
      await writeFile(join(root, "plants", release, "stray.txt"), "?");
    }
    // 261 was synced for pln; 262 was interrupted before its sync finished.
    await writeFile(join(root, "plants", "release-261", ".synced-divisions"), "bct\npln\n");
    const incomplete262 = {
      name: "release-262",
      message: "release 262 has not been synced completely for divisions pln: sync the dataset",
    };
    const latest = await genbankSourceKind.items(context(`divisions = ["pln"]`));
    expect(latest.items.map((item) => item.key)).toEqual(["release-261/gbpln1.seq.gz"]);
    expect(latest.problems).toEqual([
      incomplete262,
      { name: "release-261/stray.txt", message: "not a GenBank division file (gb{division}{n}.seq.gz)" },
    ]);
    const pinned = await genbankSourceKind.items(context(`divisions = ["pln"]\nrelease = 262`));
    expect(pinned.items.map((item) => item.key)).toEqual(["release-262/gbpln1.seq.gz"]);
    expect(pinned.problems[0]).toEqual(incomplete262);
    // A division the sync never covered makes even 261 incomplete.
    const more = await genbankSourceKind.items(context(`divisions = ["pln", "inv"]`));
    expect(more.items).toEqual([]);
    expect(more.problems.map((p) => p.name)).toEqual(["release-262", "release-261"]);
  });

  it("lists no items from a release whose sync was interrupted", async () => {
    ftp.fault("genbank/gbpln2.seq.gz", { kind: "status", status: 404 });
    const ctx = context(`divisions = ["pln"]`);
    await expect(genbankSourceKind.sync!(ctx)).rejects.toThrow(/404/);
    expect((await readdir(join(root, "plants", "release-263"))).sort()).toEqual(["gbpln1.seq.gz"]);
    expect((await genbankSourceKind.items(ctx)).items).toEqual([]);
    await genbankSourceKind.sync!(ctx);
    expect((await genbankSourceKind.items(ctx)).items.map((item) => item.key)).toEqual(
      ["gbpln1", "gbpln2", "gbpln10"].map((n) => `release-263/${n}.seq.gz`),
    );
  });

  it("computes a taxid's subtree from the taxonomy dump and references it from every item", async () => {
    ftp.setFile(
      "pub/taxonomy/taxdump.tar.gz",
      await taxdumpTarGz({ "names.dmp": "1\t|\troot\t|\n", "nodes.dmp": NODES_DMP }),
    );
    const data = `divisions = ["pln"]\ntaxid = 4479\ntaxonomy_url = "${ftp.url("pub/taxonomy/taxdump.tar.gz")}"`;
    const before = await genbankSourceKind.items(context(data));
    expect(before).toEqual({ items: [], problems: [] });

    const ctx = context(data);
    const result = await genbankSourceKind.sync!(ctx);
    expect(result.fetched).toContain("release-263/taxids-4479.txt");
    expect(logs).toContain("taxid 4479: 6 taxids in its subtree, saved to taxids-4479.txt");
    const dir = join(root, "plants", "release-263");
    expect(await readFile(join(dir, "taxids-4479.txt"), "utf8")).toBe(`${POACEAE.join("\n")}\n`);
    // The dump was only a means: it is gone once the subtree is saved.
    expect((await readdir(dir)).filter((name) => name.startsWith("."))).toEqual([".synced-divisions"]);

    const listing = await genbankSourceKind.items(ctx);
    expect(listing.problems).toEqual([]);
    expect(listing.items).toHaveLength(3);
    for (const item of listing.items) {
      expect(item.taxonFilter).toMatchObject({
        taxid: 4479,
        file: { name: "release-263/taxids-4479.txt", path: join(dir, "taxids-4479.txt") },
      });
    }
    const set = await readTaxidsFile(listing.items[0]!.taxonFilter!.file.path!);
    expect(set.has(4530)).toBe(true);
    expect(set.has(3702)).toBe(false);

    const dumpRequests = ftp.requestsTo("pub/taxonomy/taxdump.tar.gz").length;
    await genbankSourceKind.sync!(ctx);
    expect(ftp.requestsTo("pub/taxonomy/taxdump.tar.gz")).toHaveLength(dumpRequests);
  });

  it("says so when a taxid's subtree is missing, rather than listing unfiltered items", async () => {
    await mkdir(join(root, "plants", "release-263"), { recursive: true });
    await writeFile(join(root, "plants", "release-263", "gbpln1.seq.gz"), "x");
    await writeFile(join(root, "plants", "release-263", ".synced-divisions"), "pln\n");
    const listing = await genbankSourceKind.items(context(`divisions = ["pln"]\ntaxid = 4479`));
    expect(listing.items).toEqual([]);
    expect(listing.problems).toEqual([
      {
        name: "release-263/taxids-4479.txt",
        message: "the subtree of taxid 4479 has not been computed for release 263: sync the dataset first",
      },
    ]);
  });

  it("checks the taxonomy dump against the MD5 published beside it", async () => {
    const dump = ftp.setFile("pub/taxonomy/taxdump.tar.gz", await taxdumpTarGz({ "nodes.dmp": NODES_DMP }));
    ftp.setFile("pub/taxonomy/taxdump.tar.gz.md5", `${"f".repeat(32)}  taxdump.tar.gz\n`);
    const data = `divisions = ["inv"]\ntaxid = 4479\ntaxonomy_url = "${ftp.url("pub/taxonomy/taxdump.tar.gz")}"`;
    const error = await genbankSourceKind.sync!(context(data)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamChecksumError);
    expect((error as Error).message).toContain("f".repeat(32));
    expect((error as Error).message).toContain(createHash("md5").update(dump).digest("hex"));
    ftp.setFile(
      "pub/taxonomy/taxdump.tar.gz.md5",
      `${createHash("md5").update(dump).digest("hex")}  taxdump.tar.gz\n`,
    );
    expect((await genbankSourceKind.sync!(context(data))).fetched).toContain("release-263/taxids-4479.txt");
  });

  it("refuses a taxid the taxonomy does not have", async () => {
    ftp.setFile("pub/taxonomy/taxdump.tar.gz", await taxdumpTarGz({ "nodes.dmp": NODES_DMP }));
    const error = await genbankSourceKind.sync!(
      context(
        `divisions = ["inv"]\ntaxid = 4480\ntaxonomy_url = "${ftp.url("pub/taxonomy/taxdump.tar.gz")}"`,
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceConfigError);
    expect((error as Error).message).toContain("taxid 4480 is not in the NCBI taxonomy");
  });
});
