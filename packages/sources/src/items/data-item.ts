/** One file of a data item: on the local disk (trees, mirrors, downloaded genomes) or at a URL (file lists). */
export interface ItemFile {
  /** Its path relative to the dataset's directory (`Homo_sapiens/GCF_000001405.40/genomic.fna.gz`); the raw object's name. */
  readonly name: string;
  /** Absolute local path, when the file is on disk. */
  readonly path?: string;
  /** Where to fetch it, when it is not on disk (`https://…`, `s3://bucket/key`). */
  readonly url?: string;
  /** Size in bytes when known without reading the file. */
  readonly size?: number;
  /** 1 or 2 for the mates of a read pair. */
  readonly mate?: 1 | 2;
}

/**
 * One unit a dataset's processing works on: a genome assembly, a run's reads, a lab sample, a file of a list.
 * Which files form an item is decided by the source's layout and the pairing rule.
 */
export interface DataItem {
  readonly dataset: string;
  /** Unique within the dataset, stable across runs: `{species}/{accession}`, `{species}/{individual}`, or the file's name. */
  readonly key: string;
  readonly files: readonly ItemFile[];
  /** Two files, mates 1 and 2, of paired-end reads. */
  readonly paired: boolean;
  /** The species as the tree names it (`Homo_sapiens`), where the layout has one. */
  readonly species?: string;
  readonly accession?: string;
  /** Lab trees: the individual (specimen) the files belong to. */
  readonly individual?: string;
  /** Where the item's outputs go: `{role}/{directory}/{species}/{accession or individual}` (or `/{key}`). */
  readonly subdir: string;
  /**
   * Records of the item outside this taxon's subtree are to be left out (GenBank divisions with a `taxid`):
   * `file` lists the subtree's taxids, one per line (read it with `readTaxidsFile`). It is not an input to
   * parse, so it is kept apart from `files`.
   */
  readonly taxonFilter?: { readonly taxid: number; readonly file: ItemFile };
}

/** A name in a tree that the layout or the pairing rule could not place, reported instead of guessed. */
export interface ItemProblem {
  /** The path relative to the dataset's directory. */
  readonly name: string;
  readonly message: string;
}

/** The items of a dataset, and the names that could not be placed. */
export interface ItemListing {
  readonly items: readonly DataItem[];
  readonly problems: readonly ItemProblem[];
}
