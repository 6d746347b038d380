import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import {
  biosampleSetXml,
  bioprojectXml,
  geoSoft,
  pubmedXml,
  sraExperimentSetXml,
  sraRunSetXml,
  sraSampleSetXml,
  sraStudySetXml,
  type SyntheticGeoSample,
  type SyntheticGeoSeries,
} from "@omicslake/metadata";
import { seededRandom } from "./demo-data.js";

/** A local stand-in for NCBI's servers, serving generated files in NCBI's layouts. */
export interface DemoUpstream {
  readonly url: string;
  /** Accessions the GEO endpoint answers for. */
  readonly geoAccessions: readonly string[];
  close(): Promise<void>;
}

const ORGANISMS = [
  { name: "Homo sapiens", taxid: 9606 },
  { name: "Mus musculus", taxid: 10090 },
  { name: "Danio rerio", taxid: 7955 },
] as const;
const STRATEGIES = ["RNA-Seq", "WGS", "ChIP-Seq", "ATAC-seq", "scRNA-seq"] as const;
const INSTRUMENTS = ["Illumina NovaSeq 6000", "Illumina HiSeq 2500", "NextSeq 500"] as const;
const TOPICS = [
  "liver regeneration",
  "T cell exhaustion",
  "zebrafish fin repair",
  "tumour microenvironment",
  "neuronal development",
  "gut microbiome response",
];

type FileTree = Map<string, Buffer>;

/** Builds the upstream files: an SRA Full batch and a later Incremental, GEO series, BioSample, BioProject, PubMed. */
function buildUpstream(seed: number): { files: FileTree; geo: Map<string, string> } {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const files: FileTree = new Map();
  const put = (path: string, text: string, gzip = false): void => {
    files.set(path, gzip ? gzipSync(Buffer.from(text)) : Buffer.from(text));
  };

  const studies = [];
  const samples = [];
  const experiments = [];
  const runs = [];
  const biosamples = [];
  const projects = [];
  for (let s = 1; s <= 24; s++) {
    const topic = pick(TOPICS);
    const organism = pick(ORGANISMS);
    const study = `SRP90${String(s).padStart(4, "0")}`;
    const project = `PRJNA90${String(s).padStart(4, "0")}`;
    studies.push({ accession: study, title: `Profiling ${topic} in ${organism.name}`, bioproject: project });
    projects.push({
      accession: project,
      id: 900000 + s,
      title: `${topic} (${organism.name})`,
      lastUpdate: `2026-0${1 + (s % 9)}-15T00:00:00.000`,
    });
    const strategy = pick(STRATEGIES);
    for (let k = 1; k <= 4; k++) {
      const n = s * 10 + k;
      const sample = `SRS90${String(n).padStart(5, "0")}`;
      const biosample = `SAMN90${String(n).padStart(6, "0")}`;
      const experiment = `SRX90${String(n).padStart(5, "0")}`;
      samples.push({
        accession: sample,
        title: `${topic} replicate ${k}`,
        taxonId: organism.taxid,
        scientificName: organism.name,
        biosample,
      });
      biosamples.push({
        accession: biosample,
        id: 90000000 + n,
        title: `${topic} replicate ${k}`,
        lastUpdate: "2026-10-01T00:00:00.000",
        organism: organism.name,
        taxid: organism.taxid,
      });
      experiments.push({
        accession: experiment,
        title: `${strategy} of ${topic} replicate ${k}`,
        study,
        sample,
        strategy,
        source: strategy === "WGS" ? "GENOMIC" : "TRANSCRIPTOMIC",
        selection: strategy === "ChIP-Seq" ? "ChIP" : "cDNA",
        layout: random() < 0.6 ? ("PAIRED" as const) : ("SINGLE" as const),
        instrument: pick(INSTRUMENTS),
      });
      for (let r = 1; r <= 2; r++) {
        const spots = 1_000_000 + Math.floor(random() * 40_000_000);
        runs.push({
          accession: `SRR90${String(n * 10 + r).padStart(6, "0")}`,
          experiment,
          totalSpots: spots,
          totalBases: spots * 150,
          published: "2026-10-02 10:00:00",
        });
      }
    }
  }
  const full = "sra/Mirroring/NCBI_SRA_Mirroring_20261101_Full";
  put(`${full}/meta_study_set.xml.gz`, sraStudySetXml(studies), true);
  put(`${full}/meta_sample_set.xml.gz`, sraSampleSetXml(samples), true);
  put(`${full}/meta_experiment_set.xml.gz`, sraExperimentSetXml(experiments), true);
  put(`${full}/meta_run_set.xml.gz`, sraRunSetXml(runs), true);
  // The incremental batch retitles one study and adds a run: consolidation must prefer it.
  const incremental = "sra/Mirroring/NCBI_SRA_Mirroring_20261115";
  put(
    `${incremental}/meta_study_set.xml.gz`,
    sraStudySetXml([{ ...studies[0]!, title: `${studies[0]!.title} (revised)` }]),
    true,
  );
  put(
    `${incremental}/meta_run_set.xml.gz`,
    sraRunSetXml([
      {
        accession: "SRR9099999",
        experiment: experiments[0]!.accession,
        totalSpots: 123456,
        totalBases: 18518400,
        published: "2026-11-15 09:00:00",
      },
    ]),
    true,
  );

  put("biosample/biosample_set.xml.gz", biosampleSetXml(biosamples), true);
  put("bioproject/bioproject.xml", bioprojectXml(projects));

  const articles = Array.from({ length: 40 }, (_, i) => ({
    pmid: 39000001 + i,
    title: `${pick(TOPICS)}: a study of ${pick(ORGANISMS).name} (${i + 1})`,
    dateRevised: `2026-0${1 + (i % 9)}-10`,
    journal: pick(["Nature Methods", "Genome Biology", "Cell Reports", "Bioinformatics"]),
  }));
  const baseline = gzipSync(Buffer.from(pubmedXml(articles)));
  files.set("pubmed/baseline/pubmed26n0001.xml.gz", baseline);
  put(
    "pubmed/baseline/pubmed26n0001.xml.gz.md5",
    `MD5(pubmed26n0001.xml.gz)= ${createHash("md5").update(baseline).digest("hex")}\n`,
  );
  // The update file revises one article and deletes another.
  const update = gzipSync(
    Buffer.from(
      pubmedXml(
        [
          {
            ...articles[0]!,
            title: `${articles[0]!.title} (corrected)`,
            dateRevised: "2026-11-12",
            version: 2,
          },
        ],
        [articles[1]!.pmid],
      ),
    ),
  );
  files.set("pubmed/updatefiles/pubmed26n0002.xml.gz", update);
  put(
    "pubmed/updatefiles/pubmed26n0002.xml.gz.md5",
    `MD5(pubmed26n0002.xml.gz)= ${createHash("md5").update(update).digest("hex")}\n`,
  );

  const geo = new Map<string, string>();
  for (let g = 1; g <= 3; g++) {
    const accession = `GSE90000${g}`;
    const platform = {
      accession: "GPL24676",
      title: "Illumina NovaSeq 6000 (Homo sapiens)",
      lastUpdateDate: "2026-01-05",
      seriesIds: [accession],
    };
    const sampleIds = Array.from({ length: 4 }, (_, i) => `GSM900${g}${String(i + 1).padStart(3, "0")}`);
    const series: SyntheticGeoSeries = {
      accession,
      title: `Demo series ${g}: ${pick(TOPICS)}`,
      lastUpdateDate: `2026-1${g % 2}-0${g}`,
      sampleIds,
      platformIds: [platform.accession],
      supplementaryFiles: [
        `ftp://ftp.ncbi.nlm.nih.gov/geo/series/GSE900nnn/${accession}/suppl/${accession}_counts.tsv.gz`,
      ],
    };
    const geoSamples: SyntheticGeoSample[] = sampleIds.map((id, i) => ({
      accession: id,
      title: `${series.title} sample ${i + 1}`,
      lastUpdateDate: series.lastUpdateDate,
      platformId: platform.accession,
      seriesIds: [accession],
    }));
    geo.set(accession, geoSoft({ series: [series], samples: geoSamples, platforms: [platform] }));
  }
  return { files, geo };
}

function listing(path: string, names: readonly string[]): string {
  const rows = names.map((n) => `<a href="${n}">${n}</a>`).join("\n");
  return `<html><head><title>Index of /${path}</title></head><body><h1>Index of /${path}</h1><pre>\n${rows}\n</pre></body></html>\n`;
}

/** Starts the stand-in on 127.0.0.1 (a free port) with deterministic content. */
export async function startDemoUpstream(seed = 20261122): Promise<DemoUpstream> {
  const { files, geo } = buildUpstream(seed);
  const modified = new Date("2026-11-16T00:00:00Z").toUTCString();
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://local");
    const path = decodeURIComponent(url.pathname).replace(/^\/+/, "");
    if (path === "geo/query/acc.cgi") {
      const text = geo.get(url.searchParams.get("acc") ?? "");
      response.writeHead(text ? 200 : 404, { "content-type": "text/plain" });
      response.end(text ?? "Could not find a public or private accession\n");
      return;
    }
    const body = files.get(path);
    if (body) {
      const etag = `"${createHash("sha1").update(body).digest("hex")}"`;
      if (request.headers["if-none-match"] === etag) {
        response.writeHead(304, { etag });
        response.end();
        return;
      }
      response.writeHead(200, {
        "content-length": body.length,
        etag,
        "last-modified": modified,
        "accept-ranges": "bytes",
      });
      response.end(request.method === "HEAD" ? undefined : body);
      return;
    }
    if (path === "" || path.endsWith("/")) {
      const children = new Set<string>();
      for (const file of files.keys()) {
        if (!file.startsWith(path)) continue;
        const rest = file.slice(path.length);
        const slash = rest.indexOf("/");
        children.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      if (children.size > 0) {
        response.writeHead(200, { "content-type": "text/html" });
        response.end(listing(path, [...children].sort()));
        return;
      }
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found\n");
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    geoAccessions: [...geo.keys()],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
