import type { Page } from "@omicslake/contract";
import { apiGet } from "../../api/client.js";
import { useLoader, type Loadable } from "../../api/use-api.js";

/** A gene row of `/genes`: the names a gene can be asked for by. */
export interface GeneRow {
  readonly gene: string;
  readonly gene_id: string;
  readonly symbol: string | null;
  readonly mean?: number;
  readonly n_expressing?: number;
}

export interface ResolvedGenes {
  /** The dataset's own (unique) names of the genes that exist, in the order asked. */
  readonly known: readonly string[];
  /** What was asked for and matches no gene's name, id or symbol. */
  readonly unknown: readonly string[];
}

/** One cell's value of one gene, with the cell's group. */
export interface CellValue {
  readonly cell: string;
  readonly group: string;
  readonly value: number;
}

/** The per-cell plots stop here: more points draw slowly and say no more than the dot plot. */
export const MAX_CELLS = 20_000;
const CELL_PAGE = 500;

/**
 * Checks the genes in the URL with the gene search (which answers 200 with no rows for a gene that is not
 * there), so an unknown gene is a message on the page rather than a failed matrix request.
 */
export function useResolvedGenes(dataset: string, genes: readonly string[]): Loadable<ResolvedGenes> {
  return useLoader(genes.length > 0 ? `${dataset}|${genes.join(",")}` : null, async (signal) => {
    const answers = await Promise.all(
      genes.map((gene) =>
        apiGet<Page<GeneRow>>(
          `/v1/expression/${encodeURIComponent(dataset)}/genes`,
          { q: gene, limit: 500 },
          signal,
        ),
      ),
    );
    const known: string[] = [];
    const unknown: string[] = [];
    genes.forEach((asked, i) => {
      const wanted = asked.toLowerCase();
      const match = answers[i]!.data.find((row) =>
        [row.gene, row.gene_id, row.symbol].some((name) => name?.toLowerCase() === wanted),
      );
      if (!match) unknown.push(asked);
      else if (!known.includes(match.gene)) known.push(match.gene);
    });
    return { known, unknown };
  });
}

interface MatrixAnswer {
  data: { gene: string; cell: string; value: number }[];
}

/**
 * Every cell's value of each gene (zeros included: a violin without its zeros misleads), with the cell's
 * value of the grouping column `by`: `/matrix` joined with the paged `/cells`.
 */
export function useCellValues(
  dataset: string,
  genes: readonly string[],
  by: string,
): Loadable<ReadonlyMap<string, CellValue[]>> {
  return useLoader(genes.length > 0 ? `${dataset}|${by}|${genes.join(",")}` : null, async (signal) => {
    const base = `/v1/expression/${encodeURIComponent(dataset)}`;
    const groupOf = new Map<string, string>();
    let cursor: string | null = null;
    do {
      const page: Page<Record<string, unknown>> = await apiGet<Page<Record<string, unknown>>>(
        `${base}/cells`,
        { limit: CELL_PAGE, cursor },
        signal,
      );
      for (const cell of page.data) {
        const group = cell[by];
        groupOf.set(
          String(cell["cell"]),
          typeof group === "string" || typeof group === "number" ? String(group) : "(none)",
        );
      }
      cursor = page.meta.next_cursor;
    } while (cursor && groupOf.size < MAX_CELLS);
    const matrix = await apiGet<MatrixAnswer>(
      `${base}/matrix`,
      { genes: genes.join(","), zeros: "true" },
      signal,
    );
    const byGene = new Map<string, CellValue[]>(genes.map((g) => [g, []]));
    for (const row of matrix.data)
      byGene
        .get(row.gene)
        ?.push({ cell: row.cell, group: groupOf.get(row.cell) ?? "(none)", value: row.value });
    return byGene;
  });
}

/** Groups in a stable order (by name), so every chart lists them alike. */
export function groupsOf(values: readonly CellValue[]): string[] {
  return [...new Set(values.map((v) => v.group))].sort((a, b) => a.localeCompare(b));
}
