import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CancelledError } from "@omicslake/core";
import { FakeUpstream } from "@omicslake/core/testing";
import { HttpClient } from "../src/fetch/http-client.js";
import { ncbiGenomesSourceKind } from "../src/kinds/ncbi-genomes/ncbi-genomes-source-kind.js";
import { speciesDirectoryName, speciesOfOrganism } from "../src/kinds/ncbi-genomes/species-directory-name.js";
import { parseMd5Checksums } from "../src/kinds/ncbi-genomes/assembly-ftp.js";
import { parseReportPage } from "../src/kinds/ncbi-genomes/assembly-report.js";
import { UpstreamChecksumError, UpstreamError, UpstreamListingError } from "../src/upstream-error.js";
import { FakeDatasetsApi, type FakeAssembly } from "./helpers/fake-ncbi-datasets.js";
import { FAST_RETRY, kindContext } from "./helpers/kind-context.js";
import { pseudoRandomBytes } from "./helpers/test-bytes.js";

const md5 = (data: Buffer): string => createHash("md5").update(data).digest("hex");

const SUFFIXES = {
  genome: "_genomic.fna.gz",
  gff3: "_genomic.gff.gz",
  protein: "_protein.faa.gz",
} as const;

describe("ncbi-genomes source kind", () => {
  let api: FakeDatasetsApi;
  let ftp: FakeUpstream;
  let root: string;
  let logs: string[];

  beforeAll(async () => {
    api = await FakeDatasetsApi.start();
    ftp = await FakeUpstream.start();
  });
  afterAll(async () => {
    await api?.close();
    await ftp?.close();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-genomes-"));
    logs = [];
    api.assemblies.length = 0;
    api.requests.length = 0;
    api.faults.length = 0;
    ftp.files.clear();
    ftp.requests.length = 0;
    ftp.faults.clear();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Serves an assembly's FTP directory with the given files (and md5checksums.txt unless told otherwise). */
  function publish(
    assembly: FakeAssembly,
    files: readonly (keyof typeof SUFFIXES)[] = ["genome"],
    options: { md5s?: boolean; wrongMd5?: keyof typeof SUFFIXES; size?: number } = {},
  ): Record<string, Buffer> {
    api.assemblies.push(assembly);
    const digits = assembly.accession.slice(4, 13);
    const dirName = `${assembly.accession}_ASM${digits.slice(-3)}v1`;
    const dir = `genomes/all/${assembly.accession.slice(0, 3)}/${digits.slice(0, 3)}/${digits.slice(3, 6)}/${digits.slice(6, 9)}/${dirName}/`;
    const bodies: Record<string, Buffer> = {};
    const lines: string[] = [];
    for (const kind of files) {
      const name = `${dirName}${SUFFIXES[kind]}`;
      const body = ftp.setFile(
        `${dir}${name}`,
        pseudoRandomBytes(options.size ?? 3_000, `${assembly.accession}${kind}`),
      );
      bodies[kind] = body;
      lines.push(`${options.wrongMd5 === kind ? "0".repeat(32) : md5(body)}  ./${name}`);
    }
    lines.push(`${md5(Buffer.from("report"))}  ./${dirName}_assembly_report.txt`);
    if (options.md5s !== false) ftp.setFile(`${dir}md5checksums.txt`, `${lines.join("\n")}\n`);
    return bodies;
  }

  function config(data: string, source = "", layout = "level0"): string {
    return [
      `[source.ncbi]`,
      `kind = "ncbi-genomes"`,
      `path = "${root}"`,
      `url = "${api.url()}"`,
      `ftp_url = "${ftp.url("genomes/all/")}"`,
      `layout = "${layout}"`,
      source,
      `[role.genomes]`,
      `[data.plants]`,
      `source = "ncbi"`,
      `role = "genomes"`,
      data,
    ].join("\n");
  }

  function context(toml: string, http?: HttpClient) {
    return kindContext(toml, "plants", { root, logs, ...(http !== undefined ? { http } : {}) });
  }

  async function tree(dir = join(root, "plants")): Promise<string[]> {
    const out: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(d, entry.name));
        else out.push(relative(dir, join(d, entry.name)));
      }
    };
    await walk(dir);
    return out.sort();
  }

  it("pages through a taxon's assemblies with the level filter, sending the API key only as a header", async () => {
    for (let i = 1; i <= 5; i++) {
      publish({
        accession: `GCF_00000000${i}.1`,
        organism: `Oryza species${i}`,
        taxa: ["Oryza", 4527],
        level: i % 2 === 1 ? "Chromosome" : "Contig",
      });
    }
    const ctx = context(
      config(
        `taxon = "Oryza"\nassembly_level = ["chromosome", "complete_genome"]\noptions = { page_size = 1 }`,
        `api_key = "sekrit-key"`,
      ),
    );
    const result = await ncbiGenomesSourceKind.sync!(ctx);
    expect(result.fetched).toEqual([
      "Oryza_species1--GCF_000000001.1.fna.gz",
      "Oryza_species3--GCF_000000003.1.fna.gz",
      "Oryza_species5--GCF_000000005.1.fna.gz",
    ]);
    const pages = api.requests.filter((r) => r.path.includes("/genome/taxon/"));
    expect(pages.map((r) => r.query.get("page_token"))).toEqual([null, "tok-1", "tok-2"]);
    expect(
      pages.every((r) => r.query.getAll("filters.assembly_level").join() === "chromosome,complete_genome"),
    ).toBe(true);
    expect(pages.every((r) => r.headers["api-key"] === "sekrit-key")).toBe(true);
    expect(pages.every((r) => !r.query.toString().includes("sekrit"))).toBe(true);
    expect(logs.join("\n")).not.toContain("sekrit");
    expect(await tree()).toEqual(result.fetched);
  });

  it("keeps only RefSeq or GenBank assemblies when assembly_source says so", async () => {
    publish({ accession: "GCF_000000121.1", organism: "Triticum aestivum", taxa: [4565] });
    publish({ accession: "GCA_000000122.1", organism: "Triticum aestivum", taxa: [4565] });
    const refseq = await ncbiGenomesSourceKind.sync!(
      context(config(`taxon = 4565\nassembly_source = "refseq"`)),
    );
    expect(refseq.fetched).toEqual(["Triticum_aestivum--GCF_000000121.1.fna.gz"]);
    expect(api.requests.at(-1)!.query.get("filters.assembly_source")).toBe("refseq");
    const all = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 4565`)));
    expect(all.fetched).toEqual(["Triticum_aestivum--GCA_000000122.1.fna.gz"]);
    expect(api.requests.at(-1)!.query.has("filters.assembly_source")).toBe(false);
  });

  it("keeps one assembly per species: reference, then representative, then level, then newest", async () => {
    const assemblies: FakeAssembly[] = [
      {
        accession: "GCA_000000011.1",
        organism: "Zea mays B73",
        taxa: [4575],
        level: "Complete Genome",
        released: "2024-01-01",
      },
      {
        accession: "GCF_000000012.1",
        organism: "Zea mays",
        taxa: [4575],
        level: "Contig",
        category: "reference genome",
        released: "2010-01-01",
      },
      {
        accession: "GCA_000000013.1",
        organism: "Zea mays Mo17",
        taxa: [4575],
        level: "Chromosome",
        category: "representative genome",
      },
      {
        accession: "GCA_000000021.1",
        organism: "Sorghum bicolor",
        taxa: [4575],
        level: "Scaffold",
        released: "2021-05-01",
      },
      {
        accession: "GCA_000000022.1",
        organism: "Sorghum bicolor",
        taxa: [4575],
        level: "Scaffold",
        released: "2023-05-01",
      },
      {
        accession: "GCA_000000023.1",
        organism: "Sorghum bicolor",
        taxa: [4575],
        level: "Contig",
        released: "2025-05-01",
      },
    ];
    for (const assembly of assemblies) publish(assembly);
    const result = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 4575\none_per_species = true`)));
    expect(result.fetched).toEqual(
      ["Zea_mays--GCF_000000012.1.fna.gz", "Sorghum_bicolor--GCA_000000022.1.fna.gz"].sort(),
    );
    expect(logs).toContain("taxon 4575: 6 assemblies, 2 kept (one per species)");
  });

  it("lays the requested files out in levels 0, 1 and 2, and lists one item per assembly", async () => {
    const human = { accession: "GCF_000001405.40", organism: "Homo sapiens", taxa: [9606] } as const;
    const weird = { accession: "GCA_000000031.2", organism: "[Clostridium] innocuum", taxa: [9606] } as const;
    publish(human, ["genome", "gff3", "protein"]);
    publish(weird, ["genome", "gff3", "protein"]);
    const expected = {
      level0: [
        "Clostridium_innocuum--GCA_000000031.2.fna.gz",
        "Clostridium_innocuum--GCA_000000031.2.gff.gz",
        "Homo_sapiens--GCF_000001405.40.fna.gz",
        "Homo_sapiens--GCF_000001405.40.gff.gz",
      ],
      level1: [
        "Clostridium_innocuum/GCA_000000031.2.fna.gz",
        "Clostridium_innocuum/GCA_000000031.2.gff.gz",
        "Homo_sapiens/GCF_000001405.40.fna.gz",
        "Homo_sapiens/GCF_000001405.40.gff.gz",
      ],
      level2: [
        "Clostridium_innocuum/GCA_000000031.2/genomic.fna.gz",
        "Clostridium_innocuum/GCA_000000031.2/genomic.gff.gz",
        "Homo_sapiens/GCF_000001405.40/genomic.fna.gz",
        "Homo_sapiens/GCF_000001405.40/genomic.gff.gz",
      ],
    };
    for (const [layout, names] of Object.entries(expected)) {
      await rm(join(root, "plants"), { recursive: true, force: true });
      const ctx = context(config(`taxon = 9606\nfiles = ["genome", "gff3"]`, "", layout));
      const result = await ncbiGenomesSourceKind.sync!(ctx);
      expect(result.fetched.slice().sort()).toEqual(names);
      expect(await tree()).toEqual(names);
      const body = await readFile(join(root, "plants", names[2]!));
      expect(
        body.equals(
          ftp.body(
            "genomes/all/GCF/000/001/405/GCF_000001405.40_ASM405v1/GCF_000001405.40_ASM405v1_genomic.fna.gz",
          ),
        ),
      ).toBe(true);
      const listing = await ncbiGenomesSourceKind.items(ctx);
      expect(listing.problems).toEqual([]);
      expect(
        listing.items.map((item) => [item.key, item.species, item.accession, item.subdir, item.files.length]),
      ).toEqual([
        [
          "Clostridium_innocuum/GCA_000000031.2",
          "Clostridium_innocuum",
          "GCA_000000031.2",
          "genomes/plants/Clostridium_innocuum/GCA_000000031.2",
          2,
        ],
        [
          "Homo_sapiens/GCF_000001405.40",
          "Homo_sapiens",
          "GCF_000001405.40",
          "genomes/plants/Homo_sapiens/GCF_000001405.40",
          2,
        ],
      ]);
      // A second sync finds everything complete and downloads nothing.
      const before = ftp.requests.length;
      const again = await ncbiGenomesSourceKind.sync!(ctx);
      expect(again.fetched).toEqual([]);
      expect(again.unchanged.slice().sort()).toEqual(names);
      expect(ftp.requests.length).toBe(before);
    }
  });

  it("resumes a download killed mid-file; the partial is never an item", async () => {
    const bodies = publish(
      { accession: "GCF_000000041.1", organism: "Arabidopsis thaliana", taxa: [3702] },
      ["genome"],
      { size: 200_000 },
    );
    const path =
      "genomes/all/GCF/000/000/041/GCF_000000041.1_ASM041v1/GCF_000000041.1_ASM041v1_genomic.fna.gz";
    ftp.fault(path, { kind: "truncate", afterBytes: 80_000 });
    const oneShot = new HttpClient({ retry: { ...FAST_RETRY, attempts: 1 } });
    const ctx = context(config(`taxon = 3702`), oneShot);
    await expect(ncbiGenomesSourceKind.sync!(ctx)).rejects.toBeInstanceOf(UpstreamError);
    const left = await readdir(join(root, "plants"));
    expect(left.some((name) => name.startsWith(".") && name.endsWith(".partial"))).toBe(true);
    expect(left.filter((name) => !name.startsWith("."))).toEqual([]);
    expect((await ncbiGenomesSourceKind.items(ctx)).items).toEqual([]);

    const result = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 3702`)));
    expect(result.fetched).toEqual(["Arabidopsis_thaliana--GCF_000000041.1.fna.gz"]);
    const requests = ftp.requestsTo(path);
    expect(requests.at(-1)!.headers["range"]).toMatch(/^bytes=\d+-$/);
    expect(requests.at(-1)!.status).toBe(206);
    expect((await readFile(join(root, "plants", result.fetched[0]!))).equals(bodies["genome"]!)).toBe(true);
    expect(await readdir(join(root, "plants"))).toEqual(["Arabidopsis_thaliana--GCF_000000041.1.fna.gz"]);
  });

  it("replaces a stale partial that has no record of where it came from", async () => {
    const bodies = publish({ accession: "GCF_000000042.1", organism: "Arabidopsis thaliana", taxa: [3702] });
    await mkdir(join(root, "plants"), { recursive: true });
    await writeFile(
      join(root, "plants", ".Arabidopsis_thaliana--GCF_000000042.1.fna.gz.partial"),
      "garbage from a crash",
    );
    const result = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 3702`)));
    expect(result.fetched).toEqual(["Arabidopsis_thaliana--GCF_000000042.1.fna.gz"]);
    expect((await readFile(join(root, "plants", result.fetched[0]!))).equals(bodies["genome"]!)).toBe(true);
  });

  it("refuses a file whose MD5 differs from md5checksums.txt, naming the file and both sums", async () => {
    const bodies = publish(
      { accession: "GCF_000000051.1", organism: "Vitis vinifera", taxa: [29760] },
      ["genome"],
      { wrongMd5: "genome" },
    );
    const error = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 29760`))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpstreamChecksumError);
    const message = (error as Error).message;
    expect(message).toContain("Vitis_vinifera--GCF_000000051.1.fna.gz");
    expect(message).toContain("0".repeat(32));
    expect(message).toContain(md5(bodies["genome"]!));
    expect(await readdir(join(root, "plants"))).toEqual([]);
  });

  it("retries an API answer of 500 and succeeds", async () => {
    publish({ accession: "GCF_000000061.1", organism: "Solanum lycopersicum", taxa: [4081] });
    api.faults.push(500);
    const result = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 4081`)));
    expect(result.fetched).toEqual(["Solanum_lycopersicum--GCF_000000061.1.fna.gz"]);
    expect(api.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  it("names an accession NCBI does not know, and one whose FTP directory answers 404", async () => {
    publish({ accession: "GCF_000000071.1", organism: "Pisum sativum", taxa: [3888] });
    const unknown = await ncbiGenomesSourceKind.sync!(
      context(config(`accessions = ["GCF_000000071", "GCF_999999999.1"]`)),
    ).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UpstreamError);
    expect((unknown as Error).message).toContain("GCF_999999999.1");
    expect((unknown as Error).message).not.toContain("GCF_000000071");

    api.assemblies.push({ accession: "GCF_000000072.1", organism: "Pisum sativum", taxa: [3888] });
    const missing = await ncbiGenomesSourceKind.sync!(
      context(config(`accessions = ["GCF_000000072.1"]`)),
    ).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UpstreamError);
    expect((missing as Error).message).toContain("GCF_000000072.1 has no directory on the FTP site");
    expect((missing as UpstreamError).details).toMatchObject({ accession: "GCF_000000072.1" });

    // Listed by a taxon rather than asked for, an unpublished assembly is skipped with a log line.
    const result = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 3888`)));
    expect(result.fetched).toEqual(["Pisum_sativum--GCF_000000071.1.fna.gz"]);
    expect(logs.some((line) => line.startsWith("GCF_000000072.1: no directory"))).toBe(true);
  });

  it("adds a newer version of an assembly beside the old one and says so", async () => {
    await mkdir(join(root, "plants", "Glycine_max"), { recursive: true });
    await writeFile(join(root, "plants", "Glycine_max", "GCF_000000081.1.fna.gz"), "old version");
    publish({ accession: "GCF_000000081.2", organism: "Glycine max", taxa: [3847] });
    const result = await ncbiGenomesSourceKind.sync!(context(config(`taxon = 3847`, "", "level1")));
    expect(result.fetched).toEqual(["Glycine_max/GCF_000000081.2.fna.gz"]);
    expect(await tree()).toEqual([
      "Glycine_max/GCF_000000081.1.fna.gz",
      "Glycine_max/GCF_000000081.2.fna.gz",
    ]);
    expect(logs).toContain("GCF_000000081.2 replaces GCF_000000081.1 upstream; the old version is kept");
  });

  it("skips a file kind an assembly does not publish, and downloads unchecked without md5checksums.txt", async () => {
    publish({ accession: "GCA_000000091.1", organism: "Hordeum vulgare", taxa: [4513] }, ["genome"]);
    publish({ accession: "GCA_000000092.1", organism: "Secale cereale", taxa: [4513] }, ["genome", "gff3"], {
      md5s: false,
    });
    const result = await ncbiGenomesSourceKind.sync!(
      context(config(`taxon = 4513\nfiles = ["genome", "gff3"]`, "", "level2")),
    );
    expect(result.fetched.slice().sort()).toEqual([
      "Hordeum_vulgare/GCA_000000091.1/genomic.fna.gz",
      "Secale_cereale/GCA_000000092.1/genomic.fna.gz",
      "Secale_cereale/GCA_000000092.1/genomic.gff.gz",
    ]);
    expect(logs).toContain(
      "GCA_000000091.1 publishes no gff3 file (GCA_000000091.1_ASM091v1_genomic.gff.gz); skipped",
    );
  });

  it("stops at the next assembly once cancelled", async () => {
    publish({ accession: "GCF_000000111.1", organism: "Avena sativa", taxa: [4498] });
    const controller = new AbortController();
    controller.abort();
    const ctx = { ...context(config(`taxon = 4498`)), step: { signal: controller.signal } };
    await expect(ncbiGenomesSourceKind.sync!(ctx)).rejects.toBeInstanceOf(CancelledError);
    expect(ftp.requests).toEqual([]);
  });

  it("names species directories safely", () => {
    const cases: [string, string][] = [
      ["Homo sapiens", "Homo_sapiens"],
      ["Escherichia coli str. K-12 substr. MG1655", "Escherichia_coli"],
      ["Candidatus Pelagibacter ubique HTCC1062", "Candidatus_Pelagibacter_ubique"],
      ["Bacillus sp. FJAT--14266", "Bacillus_sp._FJAT-14266"],
      ["[Clostridium] innocuum", "Clostridium_innocuum"],
      ["Saccharomyces cerevisiae/paradoxus", "Saccharomyces_cerevisiae_paradoxus"],
      [".hidden", "hidden"],
    ];
    expect(cases.map(([name]) => speciesDirectoryName(speciesOfOrganism(name)))).toEqual(
      cases.map(([, dir]) => dir),
    );
  });

  it("reports names a level 0 tree cannot place, and applies include/exclude to items", async () => {
    const dir = join(root, "plants");
    await mkdir(join(dir, "stray-dir"), { recursive: true });
    await writeFile(join(dir, "stray-dir", "GCF_000000103.1.fna.gz"), "x");
    for (const name of [
      "Oryza sativa--GCF_000000101.1.fna.gz",
      "Oryza--weird--GCF_000000102.1.fna.gz",
      "notes.txt",
      "Oryza_sativa--GCF_000000101.1.fna.gz.md5",
      ".hidden",
    ]) {
      await writeFile(join(dir, name), "x");
    }
    const ctx = context(config(`taxon = 4530\nexclude = ["Oryza--weird/*"]`));
    const listing = await ncbiGenomesSourceKind.items(ctx);
    expect(listing.items.map((item) => [item.key, item.species])).toEqual([
      ["Oryza sativa/GCF_000000101.1", "Oryza sativa"],
    ]);
    expect(listing.problems.map((p) => p.name)).toEqual(["notes.txt", "stray-dir"]);
    const all = await ncbiGenomesSourceKind.items(context(config(`taxon = 4530`)));
    expect(all.items.map((item) => item.species)).toEqual(["Oryza sativa", "Oryza--weird"]);
  });
});

describe("NCBI answers the genome kind reads", () => {
  it("parses md5checksums.txt lines and refuses a damaged one with its line", () => {
    const text = `${"a".repeat(32)}  ./GCF_1_genomic.fna.gz\n${"B".repeat(32)} *GCF_1_protein.faa.gz\n\n`;
    expect([...parseMd5Checksums(text, "https://x/md5checksums.txt")]).toEqual([
      ["GCF_1_genomic.fna.gz", "a".repeat(32)],
      ["GCF_1_protein.faa.gz", "b".repeat(32)],
    ]);
    const error = (() => {
      try {
        return parseMd5Checksums(`${text}not a checksum line\n`, "https://x/md5checksums.txt");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UpstreamListingError);
    expect((error as Error).message).toContain("line 4");
  });

  it("reads a dataset_report page and refuses one without accessions or organism names", () => {
    const page = parseReportPage(
      {
        reports: [
          {
            accession: "GCF_000001405.40",
            organism: { organism_name: "Homo sapiens" },
            assembly_info: {
              assembly_level: "Chromosome",
              refseq_category: "reference genome",
              release_date: "2022-02-03",
            },
          },
        ],
        next_page_token: "abc",
        total_count: 2,
      },
      "https://api/x",
    );
    expect(page).toEqual({
      reports: [
        {
          accession: "GCF_000001405.40",
          organismName: "Homo sapiens",
          assemblyLevel: "Chromosome",
          refseqCategory: "reference genome",
          releaseDate: "2022-02-03",
        },
      ],
      nextPageToken: "abc",
    });
    expect(parseReportPage({ total_count: 0 }, "https://api/x")).toEqual({ reports: [] });
    expect(() => parseReportPage({ reports: [{ accession: "GCF_1" }] }, "https://api/x?api_key=k")).toThrow(
      /report 1 has accession "GCF_1"/,
    );
    expect(() => parseReportPage({ reports: [{ accession: "GCA_000000001.1" }] }, "https://api/x")).toThrow(
      /no organism.organism_name/,
    );
    expect(() => parseReportPage([], "https://api/x")).toThrow(UpstreamListingError);
  });
});
