import { byCodePoint } from "../local-tree.js";
import type { AssemblyReport } from "./assembly-report.js";
import { speciesOfOrganism } from "./species-directory-name.js";

const CATEGORY_RANK: Readonly<Record<string, number>> = {
  "reference genome": 0,
  "representative genome": 1,
};
const LEVEL_RANK: Readonly<Record<string, number>> = {
  "Complete Genome": 0,
  Chromosome: 1,
  Scaffold: 2,
  Contig: 3,
};

/**
 * Orders assemblies best first, the rule `one_per_species` keeps the first of: NCBI's reference genome,
 * then representative genome, then the others; among equals the most contiguous level (complete genome,
 * chromosome, scaffold, contig); then the newest release date; then RefSeq (GCF_) before GenBank (GCA_) and
 * the accession, so the choice never depends on the order the API answered in.
 */
export function compareAssemblies(a: AssemblyReport, b: AssemblyReport): number {
  const rank = (table: Readonly<Record<string, number>>, value: string | undefined): number =>
    value !== undefined && value in table ? table[value]! : Object.keys(table).length;
  return (
    rank(CATEGORY_RANK, a.refseqCategory?.toLowerCase()) -
      rank(CATEGORY_RANK, b.refseqCategory?.toLowerCase()) ||
    rank(LEVEL_RANK, a.assemblyLevel) - rank(LEVEL_RANK, b.assemblyLevel) ||
    byCodePoint(b.releaseDate ?? "", a.releaseDate ?? "") ||
    (b.accession.startsWith("GCF_") ? 1 : 0) - (a.accession.startsWith("GCF_") ? 1 : 0) ||
    byCodePoint(a.accession, b.accession)
  );
}

/** The best assembly of each species (see `compareAssemblies`), in species order. */
export function bestAssemblyPerSpecies(reports: readonly AssemblyReport[]): AssemblyReport[] {
  const best = new Map<string, AssemblyReport>();
  for (const report of reports) {
    const species = speciesOfOrganism(report.organismName);
    const current = best.get(species);
    if (current === undefined || compareAssemblies(report, current) < 0) best.set(species, report);
  }
  return [...best.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([, report]) => report);
}
