import {
  AUDIT_OUTCOMES,
  OmicslakeError,
  auditEntryRecord,
  parseInstant,
  type AuditOutcome,
} from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { withLake, type GlobalOptions } from "../context.js";
import { table } from "../output/output.js";

interface AuditOptions {
  limit: string;
  cursor?: string;
  actor?: string;
  action?: string;
  dataset?: string;
  outcome?: string;
  since?: string;
  until?: string;
}

const OUTCOMES: readonly AuditOutcome[] = AUDIT_OUTCOMES;

/** A malformed or impossible --since/--until is a usage error (exit 2), read as the API reads it. */
function instantOf(value: string | undefined, option: string): Date | undefined {
  if (value === undefined) return undefined;
  try {
    return parseInstant(value, option);
  } catch (error) {
    if (error instanceof OmicslakeError)
      throw new UsageError(error.reason, error.hint ? { hint: error.hint } : {});
    throw error;
  }
}

export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description("the audit log: every write from the CLI and the API, newest first")
    .option("--limit <n>", "page size (1-500)", "50")
    .option("--cursor <cursor>", "continue after a previous page")
    .option("--actor <name>", "a key's name or a local user's name")
    .option("--action <action>", 'an action or its first words ("keys" matches "keys create")')
    .option("--dataset <dataset>", "the dataset as entries name it (layer:name)")
    .option("--outcome <outcome>", "succeeded, failed or cancelled")
    .option(
      "--since <date>",
      "entries at or after this ISO date or date-time (UTC unless an offset is given)",
    )
    .option("--until <date>", "entries before this ISO date or date-time")
    .action(async (options: AuditOptions, command: Command) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new UsageError(`--limit must be an integer from 1 to 500, got "${options.limit}"`);
      if (options.outcome !== undefined && !OUTCOMES.includes(options.outcome as AuditOutcome))
        throw new UsageError(`--outcome must be one of ${OUTCOMES.join(", ")}, got "${options.outcome}"`);
      const since = instantOf(options.since, "--since");
      const until = instantOf(options.until, "--until");
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const page = await lake.catalog.auditLog.list({
          limit,
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
          ...(options.actor !== undefined ? { actor: options.actor } : {}),
          ...(options.action !== undefined ? { action: options.action } : {}),
          ...(options.dataset !== undefined ? { dataset: options.dataset } : {}),
          ...(options.outcome !== undefined ? { outcome: options.outcome as AuditOutcome } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
        });
        out.data({ data: page.items.map(auditEntryRecord), next_cursor: page.nextCursor }, () =>
          page.items.length === 0
            ? "no audit entries"
            : [
                table(
                  ["ID", "AT", "WHO", "ACTION", "DATASET", "OUTCOME", "CODE"],
                  page.items.map((e) => [
                    e.id,
                    e.at.toISOString(),
                    e.actorKind === "api_key" ? `key ${e.keyId} ${e.actor}` : e.actor,
                    e.action,
                    e.dataset,
                    e.outcome,
                    [e.errorCode, e.httpStatus].filter((v) => v !== null).join(" "),
                  ]),
                ),
                page.nextCursor ? `more: --cursor ${page.nextCursor}` : "",
              ]
                .filter(Boolean)
                .join("\n"),
        );
      });
    });
}
