import { OmicslakeError, editDistance } from "@omicslake/core";
import type { GeneRow, ResolvedGene } from "../model/expression-types.js";

/** Close matches an unknown-gene error lists. */
const MAX_SUGGESTIONS = 5;

/** The part of a gene row the index keeps: enough to name a gene and bound a subset's size. */
export interface IndexedGene {
  readonly gene_idx: number;
  readonly gene: string;
  readonly gene_id: string | null;
  readonly symbol: string | null;
  readonly n_expressing: number;
}

/**
 * Every gene of one build by unique name, id and symbol, so a request's gene names resolve without a query.
 * Lookups try, in order: the unique name, the id, the symbol (a repeated symbol gives its first unique name),
 * then the same three case-insensitively; the first hit wins.
 */
export class GeneIndex {
  readonly #genes: readonly IndexedGene[];
  readonly #exact: readonly Map<string, number>[];
  readonly #folded: readonly Map<string, number>[];
  readonly #duplicateSymbols: Readonly<Record<string, readonly string[]>>;

  constructor(genes: readonly IndexedGene[], duplicateSymbols: Readonly<Record<string, readonly string[]>>) {
    this.#genes = [...genes].sort((a, b) => a.gene_idx - b.gene_idx);
    this.#duplicateSymbols = duplicateSymbols;
    const keys: ((g: IndexedGene) => string | null)[] = [(g) => g.gene, (g) => g.gene_id, (g) => g.symbol];
    this.#exact = keys.map((key) => firstByKey(this.#genes, key));
    this.#folded = keys.map((key) => firstByKey(this.#genes, (g) => key(g)?.toLowerCase() ?? null));
  }

  /** Builds the index from gene rows (the genes table read page by page). */
  static fromRows(rows: Iterable<GeneRow>, duplicateSymbols: Readonly<Record<string, readonly string[]>>) {
    const genes: IndexedGene[] = [];
    for (const row of rows) {
      genes.push({
        gene_idx: row.gene_idx,
        gene: row.gene,
        gene_id: row.gene_id,
        symbol: row.symbol,
        n_expressing: Number(row.n_expressing),
      });
    }
    return new GeneIndex(genes, duplicateSymbols);
  }

  get size(): number {
    return this.#genes.length;
  }

  /** The gene at an index (as engines return them); a bug when out of range. */
  at(geneIdx: number): IndexedGene {
    const gene = this.#byIdx(geneIdx);
    if (gene === undefined) throw new Error(`gene_idx ${geneIdx} is not in the genes table`);
    return gene;
  }

  /**
   * Resolves what a caller wrote to one gene, or throws unknown_gene (404) naming it with close matches.
   * @example index.resolve("lyz") // {gene: "LYZ", same_symbol: ["LYZ", "LYZ.1"], requested: "lyz", …}
   */
  resolve(name: string, dataset: string): ResolvedGene {
    const idx = this.#lookup(name);
    if (idx === undefined) {
      const suggestions = this.closeMatches(name);
      throw new OmicslakeError("unknown_gene", `gene "${name}" is not in expression dataset "${dataset}"`, {
        details: { dataset, gene: name, close_matches: suggestions },
        hint:
          suggestions.length > 0
            ? `Close matches: ${suggestions.join(", ")}`
            : `List genes with GET /v1/expression/${dataset}/genes?q=… or omicslake expr genes ${dataset} --q …`,
      });
    }
    return this.describe(idx, name);
  }

  /** A gene as results name it: unique name, id, symbol, and the names of a repeated symbol (this one first). */
  describe(geneIdx: number, requested?: string): ResolvedGene {
    const gene = this.at(geneIdx);
    const same = gene.symbol === null ? undefined : this.#duplicateSymbols[gene.symbol];
    return {
      gene_idx: gene.gene_idx,
      gene: gene.gene,
      gene_id: gene.gene_id,
      symbol: gene.symbol,
      ...(requested !== undefined && requested !== gene.gene ? { requested } : {}),
      ...(same !== undefined && same.length > 1
        ? { same_symbol: [gene.gene, ...same.filter((n) => n !== gene.gene)] }
        : {}),
    };
  }

  /** Up to five unique names closest to `name` by edit distance (ties by name), for "did you mean". */
  closeMatches(name: string): string[] {
    const word = name.toLowerCase();
    // Names far longer or shorter than the word cannot be close; skipping them keeps 60k genes cheap.
    const limit = Math.max(2, Math.floor(word.length / 3));
    const scored: { name: string; d: number }[] = [];
    for (const gene of this.#genes) {
      const candidate = gene.gene.toLowerCase();
      if (Math.abs(candidate.length - word.length) > limit) continue;
      const d = editDistance(word, candidate);
      if (d <= limit) scored.push({ name: gene.gene, d });
    }
    scored.sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return scored.slice(0, MAX_SUGGESTIONS).map((s) => s.name);
  }

  #lookup(name: string): number | undefined {
    for (const map of this.#exact) {
      const hit = map.get(name);
      if (hit !== undefined) return hit;
    }
    const folded = name.toLowerCase();
    for (const map of this.#folded) {
      const hit = map.get(folded);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  #byIdx(geneIdx: number): IndexedGene | undefined {
    // Indexes are contiguous from 0, so the sorted array is addressed directly; the check guards a gap.
    const direct = this.#genes[geneIdx];
    if (direct?.gene_idx === geneIdx) return direct;
    return this.#genes.find((g) => g.gene_idx === geneIdx);
  }
}

function firstByKey(
  genes: readonly IndexedGene[],
  key: (g: IndexedGene) => string | null,
): Map<string, number> {
  const map = new Map<string, number>();
  for (const gene of genes) {
    const k = key(gene);
    if (k !== null && k !== "" && !map.has(k)) map.set(k, gene.gene_idx);
  }
  return map;
}
