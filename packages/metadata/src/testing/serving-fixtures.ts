import { createReadStream, existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { recordParser } from "@omicslake/parsers";
import type { RecordFormat } from "@omicslake/parsers";
import { SERVING_ENTITY_NAMES, type ServingEntityName } from "../entities/index.js";
import { TIMESTAMP_TYPE, ndjsonColumnsArgument, typedSelectList } from "../processing/duckdb-column-types.js";

/** The shared NCBI fixtures, next to the repository; tests skip when they are absent. */
export const NCBI_FIXTURES = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../../shared/fixtures/ncbi",
);
export const HAVE_NCBI_FIXTURES = existsSync(NCBI_FIXTURES);

/**
 * SRA_Accessions.tab rows over the accessions of the SRA fixtures (NCBI ships no small copy of the file): the
 * parsers' test sample, in the repository.
 */
export const SRA_ACCESSIONS_SAMPLE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../parsers/test/data/SRA_Accessions.sample.tab",
);

/** SRA record kinds that consolidation gives a status, visibility and update time from `sra_accessions`. */
const SRA_STATE_KINDS = new Set(["sra_study", "sra_sample", "sra_experiment", "sra_run", "sra_submission"]);

export const NO_FIXTURES_REASON = `the NCBI fixtures folder ${NCBI_FIXTURES} is absent`;

/**
 * Served entities that no file of the shared NCBI fixtures holds (no GDS SOFT file is among them yet):
 * with fixtures alone their tables are empty, and only generated rows fill their columns.
 */
export const ENTITIES_WITHOUT_SHARED_FIXTURE: ReadonlySet<ServingEntityName> = new Set([
  "geo_dataset",
  "geo_subset",
]);

const FORMAT_BY_PREFIX: readonly [string, RecordFormat][] = [
  ["sra_", "sra"],
  ["geo_GSE", "geo"],
  ["geo_GPL", "geo"],
  ["geo_GSM", "geo"],
  ["biosample_", "biosample"],
  ["bioproject_", "bioproject"],
  ["pubmed_", "pubmed"],
];

const SERVED = new Set<string>(SERVING_ENTITY_NAMES);

/** Parses every fixture once per process; the records are plain JSON. */
let parsed: Promise<Map<string, Record<string, unknown>[]>> | undefined;
export function fixtureRecords(): Promise<Map<string, Record<string, unknown>[]>> {
  parsed ??= (async () => {
    const byKind = new Map<string, Map<string, Record<string, unknown>>>();
    for (const file of (await readdir(NCBI_FIXTURES)).sort()) {
      // The docsum is an E-utilities summary, not a record set.
      if (file.includes("docsum") || file.endsWith(".json")) continue;
      const format = FORMAT_BY_PREFIX.find(([prefix]) => file.startsWith(prefix))?.[1];
      if (!format) continue;
      for await (const record of recordParser(format)(createReadStream(join(NCBI_FIXTURES, file)), {
        file,
      })) {
        const { kind, accession } = record as unknown as { kind: string; accession: string };
        if (!SERVED.has(kind)) continue;
        let records = byKind.get(kind);
        if (!records) byKind.set(kind, (records = new Map<string, Record<string, unknown>>()));
        // Consolidation keeps one row per accession; the fixtures repeat some records across files.
        records.set(accession, record as unknown as Record<string, unknown>);
      }
    }
    // The accession rows (typed when written, as processing types them); then each SRA object takes its
    // state from them.
    const accessions = new Map<string, Record<string, unknown>>();
    for await (const record of recordParser("sra-accessions")(createReadStream(SRA_ACCESSIONS_SAMPLE), {
      file: SRA_ACCESSIONS_SAMPLE,
    })) {
      accessions.set(record.accession, record as unknown as Record<string, unknown>);
    }
    byKind.set("sra_accessions", accessions);
    for (const [kind, records] of byKind) {
      if (!SRA_STATE_KINDS.has(kind)) continue;
      for (const [accession, record] of records) {
        const state = accessions.get(accession);
        if (state === undefined) continue;
        records.set(accession, {
          ...record,
          status: state["status"],
          visibility: state["visibility"],
          updated: state["updated"],
        });
      }
    }
    return new Map<string, Record<string, unknown>[]>(
      [...byKind].map(([kind, records]) => [kind, [...records.values()]]),
    );
  })();
  return parsed;
}

const pad = (i: number): string => String(i).padStart(6, "0");

/**
 * Generated records linked across entities: row `i` of every SRA entity belongs to study `i`, GEO
 * sample `i` to series `i` and to the one subset of dataset `i` (of series `i`, on platform `i`),
 * biosample `i` to bioproject `i`. `variant` is written into every title so a
 * test can tell which load a response came from.
 */
export function generatedRecords(
  count: number,
  variant: string,
): Map<ServingEntityName, Record<string, unknown>[]> {
  const out = new Map<ServingEntityName, Record<string, unknown>[]>();
  const push = (entity: ServingEntityName, record: Record<string, unknown>): void => {
    let list = out.get(entity);
    if (!list) out.set(entity, (list = []));
    list.push(record);
  };
  const sraBase = {
    identifiers: { secondary: [], external: [], submitter: [], uuid: [] },
    attributes: [],
    xrefLinks: [],
    urlLinks: [],
  };
  for (let i = 1; i <= count; i++) {
    const n = pad(i);
    const mouse = i % 3 !== 0;
    const organism = mouse ? "Mus musculus" : "Homo sapiens";
    const taxid = mouse ? 10090 : 9606;
    const day = `2021-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`;
    // The SRA_Accessions.tab state consolidation joins onto every SRA object of study i.
    const state = {
      status: i % 4 === 0 ? "suppressed" : "live",
      visibility: "public",
      updated: `${day} 12:00:00`,
    };
    for (const [type, accession, links] of [
      ["SUBMISSION", `SRA9${n}`, {}],
      ["STUDY", `SRP9${n}`, {}],
      ["SAMPLE", `SRS9${n}`, { study: `SRP9${n}`, biosample: `SAMN9${n}` }],
      ["EXPERIMENT", `SRX9${n}`, { study: `SRP9${n}`, sample: `SRS9${n}`, biosample: `SAMN9${n}` }],
      [
        "RUN",
        `SRR9${n}`,
        { study: `SRP9${n}`, sample: `SRS9${n}`, experiment: `SRX9${n}`, biosample: `SAMN9${n}` },
      ],
    ] as const) {
      push("sra_accessions", {
        kind: "sra_accessions",
        accession,
        submission: `SRA9${n}`,
        ...state,
        published: `${day} 00:00:00`,
        received: `${day} 08:00:00`,
        type,
        center: "GENCENTER",
        alias: `generated ${type.toLowerCase()} ${i}`,
        bioproject: `PRJNA9${n}`,
        ...links,
        ...(type === "RUN" ? { loaded: 1, spots: 1000 * i, bases: 150_000 * i } : {}),
      });
    }
    push("sra_submission", {
      kind: "sra_submission",
      accession: `SRA9${n}`,
      ...sraBase,
      alias: `GEN: study ${i}`,
      title: `Generated submission ${i} ${variant}`,
      centerName: "GENCENTER",
      brokerName: "GENBROKER",
      labName: "Generated Lab",
      submissionDate: `${day}T08:00:00`,
      ...state,
    });
    push("sra_study", {
      kind: "sra_study",
      accession: `SRP9${n}`,
      ...sraBase,
      title: `Generated study ${i} ${variant}`,
      studyType: i % 2 ? "Transcriptome Analysis" : "Other",
      abstract: `Liver transcriptome of ${organism} replicate ${i}`,
      centerName: "GENCENTER",
      bioproject: `PRJNA9${n}`,
      geoAccession: `GSE9${n}`,
      pubmedIds: [90000000 + i],
      relatedStudies: [],
      ...state,
    });
    push("sra_sample", {
      kind: "sra_sample",
      accession: `SRS9${n}`,
      ...sraBase,
      title: `Generated sample ${i} ${variant}`,
      taxonId: taxid,
      scientificName: organism,
      biosample: `SAMN9${n}`,
      bioproject: `PRJNA9${n}`,
      geoAccession: `GSM9${n}`,
      pubmedIds: [],
      centerName: "GENCENTER",
      ...state,
    });
    push("sra_experiment", {
      kind: "sra_experiment",
      accession: `SRX9${n}`,
      ...sraBase,
      title: `Generated experiment ${i} ${variant}`,
      studyAccession: `SRP9${n}`,
      sampleAccession: `SRS9${n}`,
      designDescription: "polyA selected RNA",
      library: {
        strategy: i % 2 ? "RNA-Seq" : "WGS",
        source: "TRANSCRIPTOMIC",
        selection: "cDNA",
        layout: i % 2 ? "PAIRED" : "SINGLE",
      },
      platform: "ILLUMINA",
      instrumentModel: "Illumina NovaSeq 6000",
      spotLength: 150,
      readSpecs: [],
      biosample: `SAMN9${n}`,
      bioproject: `PRJNA9${n}`,
      geoAccession: `GSM9${n}`,
      pubmedIds: [],
      centerName: "GENCENTER",
      submissionAccession: `SRA9${n}`,
      ...state,
    });
    push("sra_run", {
      kind: "sra_run",
      accession: `SRR9${n}`,
      ...sraBase,
      title: `Generated run ${i} ${variant}`,
      experimentAccession: `SRX9${n}`,
      studyAccession: `SRP9${n}`,
      sampleAccession: `SRS9${n}`,
      published: `${day} 10:00:00`,
      platform: "ILLUMINA",
      instrumentModel: "Illumina NovaSeq 6000",
      totalSpots: 1000 * i,
      totalBases: 150_000 * i,
      biosample: `SAMN9${n}`,
      bioproject: `PRJNA9${n}`,
      geoAccession: `GSM9${n}`,
      pubmedIds: [],
      centerName: "GENCENTER",
      readSpecs: [],
      reads: [],
      baseCounts: [],
      qualityCounts: [],
      poolMembers: [],
      files: [],
      cloudFiles: [],
      submissionAccession: `SRA9${n}`,
      ...state,
    });
    push("geo_series", {
      kind: "geo_series",
      accession: `GSE9${n}`,
      title: `Generated series ${i} ${variant}`,
      status: "Public",
      publicDate: day,
      submissionDate: day,
      lastUpdateDate: day,
      supplementaryFiles: [],
      relations: [],
      webLinks: [],
      summary: `Expression of liver genes in ${organism}`,
      overallDesign: "two groups",
      types: ["Expression profiling by high throughput sequencing"],
      pubmedIds: [90000000 + i],
      contributors: [],
      sampleIds: [`GSM9${n}`],
      platformIds: [`GPL9${n}`],
      platformOrganisms: [organism],
      platformTaxids: [taxid],
      sampleOrganisms: [organism],
      sampleTaxids: [taxid],
      bioprojects: [`PRJNA9${n}`],
      sraStudies: [`SRP9${n}`],
      subSeriesOf: [],
      superSeriesOf: [],
    });
    push("geo_sample", {
      kind: "geo_sample",
      accession: `GSM9${n}`,
      title: `Generated GEO sample ${i} ${variant}`,
      status: "Public",
      publicDate: day,
      submissionDate: day,
      lastUpdateDate: day,
      supplementaryFiles: [],
      relations: [],
      webLinks: [],
      type: "SRA",
      channelCount: 1,
      channels: [
        { channel: 1, sourceName: "liver", organisms: [organism], taxids: [taxid], characteristics: [] },
      ],
      description: "liver tissue",
      dataProcessing: [],
      hybProtocol: [],
      scanProtocol: [],
      platformId: `GPL9${n}`,
      seriesIds: [`GSE9${n}`],
      instrumentModel: "Illumina NovaSeq 6000",
      libraryStrategy: "RNA-Seq",
      librarySource: "transcriptomic",
      librarySelection: "cDNA",
      biosamples: [`SAMN9${n}`],
      sraExperiments: [`SRX9${n}`],
    });
    push("geo_platform", {
      kind: "geo_platform",
      accession: `GPL9${n}`,
      title: `Generated platform ${i} ${variant}`,
      status: "Public",
      publicDate: day,
      submissionDate: day,
      lastUpdateDate: day,
      supplementaryFiles: [],
      relations: [],
      webLinks: [],
      technology: "high-throughput sequencing",
      distribution: "virtual",
      organisms: [organism],
      taxids: [taxid],
      manufacturer: "Illumina Inc.",
      manufactureProtocol: [],
      description: "NovaSeq",
      catalogNumbers: [],
      pubmedIds: [],
      contributors: [],
      sampleIds: [`GSM9${n}`],
      seriesIds: [`GSE9${n}`],
    });
    push("geo_dataset", {
      kind: "geo_dataset",
      accession: `GDS9${n}`,
      title: `Generated dataset ${i} ${variant}`,
      description: `Liver expression of ${organism}`,
      type: "Expression profiling by high throughput sequencing",
      pubmedIds: [90000000 + i],
      platform: `GPL9${n}`,
      platformOrganisms: [organism],
      platformTechnologyType: "high-throughput sequencing",
      featureCount: 20000,
      sampleOrganisms: [organism],
      sampleType: "RNA",
      channelCount: 1,
      sampleCount: i,
      valueType: "count",
      referenceSeries: [`GSE9${n}`],
      updateDate: day,
    });
    push("geo_subset", {
      kind: "geo_subset",
      accession: `GDS9${n}_1`,
      datasetId: `GDS9${n}`,
      description: i % 2 ? "control" : "treated",
      type: "agent",
      sampleIds: [`GSM9${n}`],
    });
    push("biosample", {
      kind: "biosample",
      accession: `SAMN9${n}`,
      id: 900000 + i,
      access: "public",
      submissionDate: `${day}T08:00:00.000`,
      lastUpdate: `${day}T09:00:00.000`,
      publicationDate: `${day}T00:00:00.000`,
      ids: [],
      title: `Generated biosample ${i} ${variant}`,
      description: `Liver of ${organism}`,
      organismName: organism,
      taxonomyId: taxid,
      attributes: [],
      links: [],
      models: [],
      package: "Generic.1.0",
      contacts: [],
      status: "live",
      sraAccession: `SRS9${n}`,
      geoAccession: `GSM9${n}`,
      bioprojects: [`PRJNA9${n}`],
    });
    push("bioproject", {
      kind: "bioproject",
      accession: `PRJNA9${n}`,
      id: 800000 + i,
      archive: "NCBI",
      centerIds: [],
      localIds: [],
      name: `liver-${i}`,
      title: `Generated project ${i} ${variant}`,
      description: `Liver transcriptomes of ${organism}`,
      type: { kind: "ProjectTypeSubmission", objectives: [], intendedDataTypes: [] },
      dataTypes: ["Transcriptome or Gene expression"],
      organism: { name: organism, taxid },
      publications: [],
      pubmedIds: [],
      externalLinks: [],
      locusTagPrefixes: [],
      grants: [],
      relevance: [],
      keywords: [],
      releaseDate: `${day}T00:00:00Z`,
      submitted: day,
      lastUpdate: day,
      organizations: [],
      links: [],
    });
    push("pubmed_article", {
      kind: "pubmed_article",
      accession: String(90000000 + i),
      pmid: 90000000 + i,
      version: 1,
      status: "MEDLINE",
      dateCompleted: day,
      dateRevised: day,
      title: `Generated article ${i} ${variant} on liver genes`,
      abstract: { text: `We measured liver transcriptomes in ${organism}.`, sections: [] },
      otherAbstracts: [],
      journal: {
        title: "Journal of Generated Results",
        isoAbbreviation: "J Gen Res",
        pubDate: { year: 2000 + (i % 25) },
      },
      articleDates: [],
      history: [],
      elocationIds: [],
      languages: ["eng"],
      authors: [],
      meshHeadings: [],
      publicationTypes: [],
      chemicals: [],
      keywords: [],
      grants: [],
      dataBanks: [],
      articleIds: [],
      doi: `10.9999/gen.${i}`,
      pmc: `PMC9${n}`,
      references: [],
      commentsCorrections: [],
      citationSubsets: [],
      otherIds: [],
    });
  }
  return out;
}

export interface ServingFixtureFiles {
  readonly files: Record<ServingEntityName, string>;
  /** Records written per entity (fixtures and generated). */
  readonly counts: Record<ServingEntityName, number>;
}

/**
 * Writes one Parquet per entity into `dir`, shaped as consolidation publishes them (the record's
 * top-level fields as columns): the parsed fixtures plus `generated` linked records per entity.
 */
export async function writeServingParquet(
  dir: string,
  options: { generated: number; variant: string },
): Promise<ServingFixtureFiles> {
  const real = await fixtureRecords();
  const generated = generatedRecords(options.generated, options.variant);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  const files = {} as Record<ServingEntityName, string>;
  const counts = {} as Record<ServingEntityName, number>;
  try {
    for (const entity of SERVED as Set<ServingEntityName>) {
      const records = [...(real.get(entity) ?? []), ...(generated.get(entity) ?? [])];
      const ndjson = join(dir, `${entity}.ndjson`);
      await writeFile(ndjson, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const parquet = join(dir, `${entity}.parquet`);
      // Typed as processing types them (BIGINT counts, DATE and UTC timestamps, `_raw` date text); an SRA
      // object then carries the SRA_Accessions.tab state consolidation joins on, typed as there. An entity
      // no shared fixture holds (GDS) is the empty, schema-typed table consolidation publishes.
      const state = SRA_STATE_KINDS.has(entity);
      const columns = state
        ? ndjsonColumnsArgument(entity).replace(
            /\}$/,
            `, "status": 'VARCHAR', "visibility": 'VARCHAR', "updated": 'VARCHAR'}`,
          )
        : ndjsonColumnsArgument(entity);
      const select = [
        typedSelectList(entity, "r"),
        ...(state ? ["r.status", "r.visibility", `TRY_CAST(r.updated AS ${TIMESTAMP_TYPE}) AS updated`] : []),
      ].join(", ");
      await connection.run(
        `COPY (SELECT ${select} FROM read_ndjson('${ndjson}', columns = ${columns}, format = 'newline_delimited') r) TO '${parquet}' (FORMAT parquet)`,
      );
      files[entity] = parquet;
      counts[entity] = records.length;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return { files, counts };
}
