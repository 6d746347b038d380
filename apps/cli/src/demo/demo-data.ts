import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Small deterministic PRNG (mulberry32) so every demo lake has the same bytes and checksums. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TISSUES = ["liver", "lung", "brain", "kidney", "heart", "blood"] as const;
const CELL_TYPES = ["T cell", "B cell", "NK cell", "monocyte", "dendritic cell"] as const;
const GENES = [
  "CD3E",
  "CD19",
  "NKG7",
  "LYZ",
  "FCER1A",
  "MS4A1",
  "GNLY",
  "CD14",
  "CST3",
  "PPBP",
  "IL7R",
  "CCR7",
  "S100A4",
  "CD8A",
  "FCGR3A",
];

export interface DemoFiles {
  readonly samples: string;
  readonly matrix: {
    readonly mtx: string;
    readonly features: string;
    readonly barcodes: string;
    readonly cells: string;
  };
  readonly soft: string;
}

/**
 * Writes the demo's upstream files: a sample sheet, a 10x-style count matrix with cell metadata and
 * a GEO SOFT series. Sizes are small so `npm start` is quick; the shapes are real.
 */
export async function writeDemoFiles(dir: string, seed = 20261122): Promise<DemoFiles> {
  await mkdir(join(dir, "matrix"), { recursive: true });
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const samples = ["sample_id,tissue,age,sex,condition,collected"];
  for (let i = 1; i <= 48; i++) {
    const day = String(1 + Math.floor(random() * 28)).padStart(2, "0");
    samples.push(
      `DEMO${String(i).padStart(4, "0")},${pick(TISSUES)},${20 + Math.floor(random() * 60)},${random() < 0.5 ? "female" : "male"},${random() < 0.5 ? "control" : "treated"},2026-0${1 + Math.floor(random() * 9)}-${day}`,
    );
  }

  const geneCount = 120;
  const cellCount = 400;
  const genes = Array.from(
    { length: geneCount },
    (_, i) => GENES[i] ?? `GENE${String(i + 1).padStart(4, "0")}`,
  );
  const barcodes = Array.from(
    { length: cellCount },
    (_, i) => `AAAC${i.toString(16).toUpperCase().padStart(8, "0")}-1`,
  );
  const cellTypes = barcodes.map(() => pick(CELL_TYPES));
  const entries: string[] = [];
  for (let cell = 0; cell < cellCount; cell++) {
    for (let gene = 0; gene < geneCount; gene++) {
      // Marker genes are denser in "their" cell type so correlations and CVs mean something.
      const boost =
        gene < GENES.length && gene % CELL_TYPES.length === CELL_TYPES.indexOf(cellTypes[cell]!) ? 0.6 : 0.08;
      if (random() < boost)
        entries.push(`${gene + 1} ${cell + 1} ${1 + Math.floor(random() * (boost > 0.5 ? 40 : 5))}`);
    }
  }
  const mtx = [
    "%%MatrixMarket matrix coordinate integer general",
    "% omicslake demo counts: genes x cells",
    `${geneCount} ${cellCount} ${entries.length}`,
    ...entries,
  ];
  const features = genes.map((g, i) => `ENSDEMO${String(i + 1).padStart(6, "0")}\t${g}\tGene Expression`);
  const cells = [
    "barcode\tcell_type\tdonor",
    ...barcodes.map((b, i) => `${b}\t${cellTypes[i]}\tdonor${1 + (i % 4)}`),
  ];

  const soft = [
    "^SERIES = GSE900001",
    "!Series_title = omicslake demo series: immune cells across tissues",
    "!Series_geo_accession = GSE900001",
    "!Series_status = Public on Nov 01 2026",
    "!Series_submission_date = Oct 01 2026",
    "!Series_last_update_date = Nov 02 2026",
    "!Series_summary = Generated data for the omicslake demo.",
    "!Series_type = Expression profiling by high throughput sequencing",
    "!Series_contributor = Ada,,Lovelace",
    "!Series_sample_id = GSM9000001",
    "!Series_sample_id = GSM9000002",
    "!Series_platform_id = GPL24676",
    "!Series_relation = BioProject: https://www.ncbi.nlm.nih.gov/bioproject/PRJNA900001",
    "^SAMPLE = GSM9000001",
    "!Sample_title = demo liver control",
    "!Sample_geo_accession = GSM9000001",
    "!Sample_source_name_ch1 = liver",
    "!Sample_organism_ch1 = Homo sapiens",
    "!Sample_taxid_ch1 = 9606",
    "!Sample_characteristics_ch1 = tissue: liver",
    "!Sample_characteristics_ch1 = condition: control",
    "!Sample_platform_id = GPL24676",
    "^SAMPLE = GSM9000002",
    "!Sample_title = demo lung treated",
    "!Sample_geo_accession = GSM9000002",
    "!Sample_source_name_ch1 = lung",
    "!Sample_organism_ch1 = Homo sapiens",
    "!Sample_taxid_ch1 = 9606",
    "!Sample_characteristics_ch1 = tissue: lung",
    "!Sample_characteristics_ch1 = condition: treated",
    "!Sample_platform_id = GPL24676",
  ];

  const files: DemoFiles = {
    samples: join(dir, "samples.csv"),
    matrix: {
      mtx: join(dir, "matrix", "matrix.mtx"),
      features: join(dir, "matrix", "features.tsv"),
      barcodes: join(dir, "matrix", "barcodes.tsv"),
      cells: join(dir, "matrix", "cells.tsv"),
    },
    soft: join(dir, "GSE900001_family.soft"),
  };
  await writeFile(files.samples, `${samples.join("\n")}\n`);
  await writeFile(files.matrix.mtx, `${mtx.join("\n")}\n`);
  await writeFile(files.matrix.features, `${features.join("\n")}\n`);
  await writeFile(files.matrix.barcodes, `${barcodes.join("\n")}\n`);
  await writeFile(files.matrix.cells, `${cells.join("\n")}\n`);
  await writeFile(files.soft, `${soft.join("\n")}\n`);
  return files;
}
