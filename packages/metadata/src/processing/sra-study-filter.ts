import { openInput, recordParser, type SraExperiment } from "@omicslake/parsers";
import type { CatalogObject } from "@omicslake/core";
import type { Lake } from "@omicslake/core";
import { SRA_STUDY_ACCESSION } from "@omicslake/core";
import { MetadataFlowError } from "../metadata-flow-error.js";

/** Files of a Mirroring batch that cannot hold experiments, so the first pass does not parse them. */
const NOT_EXPERIMENTS = /meta_(study|sample|run|submission)_set\.xml(\.gz)?$/;

/**
 * Keeps the records of some SRA studies: the studies, their experiments (by STUDY_REF), the samples
 * those experiments describe, their runs (by EXPERIMENT_REF, or the study when the record names it), and
 * the submissions of kept experiments. The Mirroring sets are separate files (a sample names no study),
 * so the experiments of the whole raw dataset are read first; the sets held in memory are those of the
 * chosen studies only.
 */
export class SraStudyFilter {
  private constructor(
    readonly studies: ReadonlySet<string>,
    private readonly experiments: ReadonlySet<string>,
    private readonly samples: ReadonlySet<string>,
    private readonly submissions: ReadonlySet<string>,
  ) {}

  static async build(
    lake: Lake,
    objects: readonly CatalogObject[],
    accessions: readonly string[],
  ): Promise<SraStudyFilter> {
    const bad = accessions.find((a) => !SRA_STUDY_ACCESSION.test(a));
    if (bad !== undefined) {
      throw new MetadataFlowError(
        "invalid_accession",
        `${JSON.stringify(bad)} is not an SRA study accession`,
        {
          details: { accession: bad },
          hint: "List study accessions (SRP…, ERP…, DRP…) in the dataset's accessions",
        },
      );
    }
    const studies = new Set(accessions);
    const experiments = new Set<string>();
    const samples = new Set<string>();
    const submissions = new Set<string>();
    const parse = recordParser("sra");
    for (const object of objects) {
      if (NOT_EXPERIMENTS.test(object.name) || /\.(tab|tsv|csv)$/i.test(object.name)) continue;
      const input = openInput("-", { stdin: await lake.readObject(object) });
      for await (const record of parse(input, { file: object.key })) {
        if (record.kind !== "sra_experiment") continue;
        const experiment = record as SraExperiment;
        if (experiment.studyAccession === undefined || !studies.has(experiment.studyAccession.trim()))
          continue;
        experiments.add(experiment.accession.trim());
        if (experiment.sampleAccession !== undefined) samples.add(experiment.sampleAccession.trim());
        if (experiment.submissionAccession !== undefined)
          submissions.add(experiment.submissionAccession.trim());
      }
    }
    return new SraStudyFilter(studies, experiments, samples, submissions);
  }

  keeps(record: { readonly kind: string }): boolean {
    const text = (key: string): string | undefined => {
      const value = (record as Readonly<Record<string, unknown>>)[key];
      return typeof value === "string" ? value.trim() : undefined;
    };
    switch (record.kind) {
      case "sra_study":
        return this.studies.has(text("accession") ?? "");
      case "sra_experiment":
        return this.studies.has(text("studyAccession") ?? "");
      case "sra_sample":
        return this.samples.has(text("accession") ?? "");
      case "sra_run":
        return (
          this.experiments.has(text("experimentAccession") ?? "") ||
          this.studies.has(text("studyAccession") ?? "")
        );
      case "sra_submission":
        return this.submissions.has(text("accession") ?? "");
      case "sra_accessions": {
        // A row of SRA_Accessions.tab: a kept object itself, or a run of a kept experiment or study.
        const accession = text("accession") ?? "";
        return (
          this.studies.has(accession) ||
          this.experiments.has(accession) ||
          this.samples.has(accession) ||
          this.submissions.has(accession) ||
          this.studies.has(text("study") ?? "") ||
          this.experiments.has(text("experiment") ?? "")
        );
      }
      default:
        return true;
    }
  }
}
