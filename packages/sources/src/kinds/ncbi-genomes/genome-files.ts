import type { LayoutName } from "@omicslake/core";

/**
 * The files of an assembly a dataset can ask for (`[data.X] files`), as NCBI's FTP directory names them
 * (`{accession}_{assembly name}{suffix}`) and as the local tree names them: in level 2 each file keeps the
 * FTP name's tail (`GCF_000001405.40/genomic.fna.gz`); in levels 0 and 1 the accession is followed by an
 * extension that tells the files of one assembly apart (`Homo_sapiens--GCF_000001405.40.gff.gz`).
 */
export const GENOME_FILE_KINDS = {
  genome: { ftpSuffix: "_genomic.fna.gz", level2: "genomic.fna.gz", flat: ".fna.gz" },
  gff3: { ftpSuffix: "_genomic.gff.gz", level2: "genomic.gff.gz", flat: ".gff.gz" },
  gtf: { ftpSuffix: "_genomic.gtf.gz", level2: "genomic.gtf.gz", flat: ".gtf.gz" },
  gbff: { ftpSuffix: "_genomic.gbff.gz", level2: "genomic.gbff.gz", flat: ".gbff.gz" },
  protein: { ftpSuffix: "_protein.faa.gz", level2: "protein.faa.gz", flat: ".faa.gz" },
  cds: { ftpSuffix: "_cds_from_genomic.fna.gz", level2: "cds_from_genomic.fna.gz", flat: ".cds.fna.gz" },
  rna: { ftpSuffix: "_rna.fna.gz", level2: "rna.fna.gz", flat: ".rna.fna.gz" },
} as const;

export type GenomeFileKind = keyof typeof GENOME_FILE_KINDS;
export const GENOME_FILE_KIND_NAMES = Object.keys(GENOME_FILE_KINDS) as GenomeFileKind[];

/** An assembly accession with its version: `GCF_000001405.40`. */
export const VERSIONED_ACCESSION = /^GC[AF]_\d{9}\.\d+$/;

/** A file's path in the dataset's directory, under the source's layout. */
export function genomeFileName(
  layout: LayoutName,
  species: string,
  accession: string,
  kind: GenomeFileKind,
): string {
  const file = GENOME_FILE_KINDS[kind];
  switch (layout) {
    case "level0":
      return `${species}--${accession}${file.flat}`;
    case "level1":
      return `${species}/${accession}${file.flat}`;
    case "level2":
      return `${species}/${accession}/${file.level2}`;
    default:
      throw new Error(`ncbi-genomes trees have no layout ${layout}`);
  }
}
