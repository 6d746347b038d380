import {
  ACCESSION_TYPE_NAMES,
  AccessionLinksError,
  checkLinkRequest,
  DEFAULT_LINK_DEPTH,
  MAX_LINK_DEPTH,
  resolveCuratedLinks,
  type AccessionLinks,
} from "@omicslake/metadata";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { withLake, type GlobalOptions } from "../context.js";
import { table } from "../output/output.js";

interface LinksOptions {
  readonly to?: string;
  readonly type?: string;
  readonly depth: string;
}

export function registerLinks(program: Command): void {
  program
    .command("links")
    .description(
      "every accession related to GEO, SRA, BioSample, BioProject accessions or PMIDs (--to srr: the nearest of one type, as gse-to-srr)",
    )
    .argument("<accessions...>", "accessions (GSE146256 SRR11217925 PRJNA258012 30814501 …)")
    .option(
      "--to <type>",
      `only the nearest related accessions of this type: ${ACCESSION_TYPE_NAMES.join(", ")}`,
    )
    .option("--type <types>", "only related accessions of these types, comma-separated (srr,gsm)")
    .option(
      "--depth <n>",
      `links walked from each accession (1-${MAX_LINK_DEPTH})`,
      String(DEFAULT_LINK_DEPTH),
    )
    .action(async (accessions: string[], options: LinksOptions, command: Command) => {
      if (!/^\d+$/.test(options.depth))
        throw new UsageError(
          `--depth must be a whole number from 1 to ${MAX_LINK_DEPTH}, got "${options.depth}"`,
        );
      if (options.to !== undefined && options.type !== undefined)
        throw new UsageError("--to and --type cannot be combined: --to gives the nearest of one type");
      const request = {
        depth: Number(options.depth),
        ...(options.to !== undefined ? { to: options.to } : {}),
        ...(options.type !== undefined ? { types: options.type.split(",").map((t) => t.trim()) } : {}),
      };
      // Refused before the lake is opened: a typo costs no start-up.
      checkLinkRequest(accessions, request);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const { found, missing } = await resolveCuratedLinks(lake, accessions, request);
        if (found.length === 0) {
          throw new AccessionLinksError(
            "not_found",
            `no link mentions ${missing.map((m) => JSON.stringify(m)).join(", ")}`,
            {
              details: { missing },
              hint: 'Check the accessions; the links cover the entities "omicslake consolidate" built',
            },
          );
        }
        out.data({ data: found, missing }, () => human(found, missing, options.to !== undefined));
      });
    });
}

function human(found: readonly AccessionLinks[], missing: readonly string[], conversion: boolean): string {
  const rows = found.flatMap((f) =>
    f.links.length === 0
      ? [[f.accession, "", "", "", conversion ? "(none of that type within the depth)" : "(none)"]]
      : f.links.map((l) => [f.accession, l.accession, l.type, String(l.depth), l.path.join(" > ")]),
  );
  const lines = [table(["ACCESSION", "RELATED", "TYPE", "DEPTH", "PATH"], rows)];
  if (missing.length > 0) lines.push(`no link mentions: ${missing.join(", ")}`);
  return lines.join("\n");
}
