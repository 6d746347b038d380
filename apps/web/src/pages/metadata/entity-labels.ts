/** How an entity path (`sra/studies`) reads in the dashboard: `SRA studies`. */
const SOURCES: Readonly<Record<string, string>> = {
  sra: "SRA",
  geo: "GEO",
  biosamples: "BioSample",
  bioprojects: "BioProject",
  pubmed: "PubMed",
};

export function entityLabel(path: string): string {
  const [source = "", rest] = path.split("/");
  const name = SOURCES[source] ?? source;
  if (!rest) return name === source ? source : `${name} records`;
  return `${name} ${rest.replace(/-/g, " ")}`;
}

/** The source an entity path belongs to, for grouping the entity selector. */
export function sourceLabel(path: string): string {
  const source = path.split("/")[0] ?? "";
  return SOURCES[source] ?? source;
}

/** `updated_from` → `Updated from`. */
export function parameterLabel(name: string): string {
  const words = name.replace(/[_.]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
