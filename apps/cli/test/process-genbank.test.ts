import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { loadConfig, openDuckDb, openLake, sqlString } from "@omicslake/core";
import { FakeUpstream } from "@omicslake/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

/** One made-up GenBank entry of the given taxon. */
function entry(accession: string, organism: string, taxid: number): string {
  return `LOCUS       ${accession}                  60 bp    DNA     linear   PLN 03-FEB-2020
DEFINITION  ${organism} made-up sequence.
ACCESSION   ${accession}
VERSION     ${accession}.1
SOURCE      ${organism}
  ORGANISM  ${organism}
            Eukaryota; Viridiplantae.
FEATURES             Location/Qualifiers
     source          1..60
                     /organism="${organism}"
                     /db_xref="taxon:${taxid}"
ORIGIN
        1 atggcttcta aggagcttgc aattgctgct gctcttcttc ttgctgttgt tcttgcagca
//
`;
}

/** Poaceae (4479) holds rice (4530); Arabidopsis (3702) is outside it. */
const NODES = [
  [1, 1],
  [2759, 1],
  [33090, 2759],
  [4479, 33090],
  [4527, 4479],
  [4530, 4527],
  [3700, 33090],
  [3702, 3700],
]
  .map(([id, parent]) => `${id}\t|\t${parent}\t|\tno rank\t|\t\t|\t0\t|\n`)
  .join("");

describe("omicslake process on a GenBank dataset kept to a taxon's subtree", () => {
  let ftp: FakeUpstream;
  let dir: string;
  beforeAll(async () => {
    ftp = await FakeUpstream.start();
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-genbank-"));
    ftp.setFile("genbank/GB_Release_Number", "263\n");
    ftp.setFile(
      "genbank/gbpln1.seq.gz",
      gzipSync(entry("XP000001", "Oryza sativa", 4530) + entry("XP000002", "Arabidopsis thaliana", 3702)),
    );
    // The taxonomy dump as NCBI packs it: nodes.dmp inside a tar.gz (made with the system tar).
    const dump = join(dir, "dump");
    await mkdir(dump);
    await writeFile(join(dump, "nodes.dmp"), NODES);
    execFileSync("tar", ["-czf", join(dir, "taxdump.tar.gz"), "-C", dump, "nodes.dmp"]);
    ftp.setFile("pub/taxonomy/taxdump.tar.gz", await readFile(join(dir, "taxdump.tar.gz")));
    await writeFile(
      join(dir, "omicslake.toml"),
      `[source.genbank]
kind = "genbank"
path = "genbank"
url = "${ftp.url("genbank/")}"

[role.references]
run = ["records"]

[processing.records]
steps = ["ingest", "parse", "checksum"]

[data.gbpln]
source = "genbank"
role = "references"
divisions = ["pln"]
taxid = 4479
taxonomy_url = "${ftp.url("pub/taxonomy/taxdump.tar.gz")}"
`,
    );
  });
  afterAll(async () => {
    await ftp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("downloads the division, keeps it whole in raw, and parses only the subtree's records into Parquet", async () => {
    const result = await runInProcess(dir, ["process", "--json"]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);

    const env = { ...process.env };
    delete env["DATABASE_URL"];
    const config = await loadConfig({ cwd: dir, env });
    const lake = await openLake(config);
    try {
      const raw = await lake.dataset("raw:gbpln");
      expect(raw.source).toBe("genbank");
      expect(raw.tags).toEqual(expect.arrayContaining(["role:references", "kind:genbank"]));
      const rawObjects = (await lake.listObjects(raw)).items;
      // Raw holds the division as NCBI served it: both records, the Arabidopsis one included.
      expect(rawObjects.map((o) => o.name)).toEqual(["release-263/gbpln1.seq.gz"]);
      const processed = await lake.dataset("processed:gbpln");
      const table = (await lake.listObjects(processed)).items.find((o) => o.name.endsWith(".parquet"))!;
      const local = join(dir, "records.parquet");
      await pipeline(await lake.readObject(table), createWriteStream(local));
      const duck = await openDuckDb();
      try {
        const rows = (
          await duck.connection.runAndReadAll(
            `SELECT accession, organism, taxid FROM read_parquet(${sqlString(local)})`,
          )
        ).getRowObjectsJS();
        expect(rows).toEqual([{ accession: "XP000001", organism: "Oryza sativa", taxid: 4530n }]);
      } finally {
        duck.close();
      }
    } finally {
      await lake.close();
    }

    // A second run finds nothing new upstream and nothing changed in the tree.
    const again = await runInProcess(dir, ["process", "--json"]);
    expect(again.code).toBe(0);
    expect(ftp.requestsTo("genbank/gbpln1.seq.gz")).toHaveLength(1);
  });
});
