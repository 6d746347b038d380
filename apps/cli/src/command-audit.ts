import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { OmicslakeError, redactSecrets, type AuditOutcome, type Lake } from "@omicslake/core";
import { cliIo } from "./cli-io.js";
import { writeStderrLine } from "./output/terminal-text.js";

/** What a writing command acted on, as its audit entry names it. */
export interface CommandAuditTarget {
  readonly dataset?: string | null;
  readonly objects?: readonly string[];
  /** Anything else worth keeping (a created key's id); never a secret. */
  readonly details?: Readonly<Record<string, unknown>>;
}

interface CommandAudit {
  readonly id: string;
  /** The command as the audit log names it: `add`, `keys create`. */
  readonly action: string;
  /** The words after `omicslake`, redacted when the entry is written. */
  readonly argv: readonly string[];
  target: CommandAuditTarget;
  recorded: boolean;
}

const current = new AsyncLocalStorage<CommandAudit>();

/**
 * Runs a command that writes to the lake so that its outcome is audited: `withLake` records one entry
 * (who, the command line without secrets, what it named, the outcome) before it closes the lake. Every
 * write goes through `withLake`, so a command that failed before opening the lake wrote nothing and
 * has nothing to record.
 */
export function withCommandAudit<T>(
  action: string,
  argv: readonly string[],
  fn: () => Promise<T>,
): Promise<T> {
  return current.run({ id: randomUUID(), action, argv, target: {}, recorded: false }, fn);
}

/**
 * Names what the running command acted on, for its audit entry (later calls add to earlier ones); a
 * no-op when the command is not audited.
 * @example noteAuditTarget({ dataset: `${dataset.layer}:${dataset.name}`, objects: names })
 */
export function noteAuditTarget(target: CommandAuditTarget): void {
  const audit = current.getStore();
  if (!audit) return;
  audit.target = {
    ...audit.target,
    ...target,
    details: { ...audit.target.details, ...target.details },
  };
}

/** The local user a CLI entry names: the OS account, else the environment's idea of it. */
export function localUser(env: NodeJS.ProcessEnv = cliIo().env): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // No passwd entry for this uid (containers run with an arbitrary uid): fall back to the environment.
  }
  return env["USER"] ?? env["LOGNAME"] ?? env["USERNAME"] ?? `uid:${process.getuid?.() ?? "unknown"}`;
}

function outcomeOf(error: unknown): { outcome: AuditOutcome; errorCode: string | null } {
  if (error === undefined) return { outcome: "succeeded", errorCode: null };
  const code = error instanceof OmicslakeError ? error.code : "internal";
  return { outcome: code === "cancelled" ? "cancelled" : "failed", errorCode: code };
}

/**
 * Writes the running command's audit entry on `lake`, once; `error` is what the command failed with
 * (undefined: it succeeded). An entry that cannot be written is reported on stderr and does not change
 * the command's outcome: its write already happened, and a failure would make a script retry it.
 */
export async function recordCommandAudit(lake: Lake, error: unknown): Promise<void> {
  const audit = current.getStore();
  if (!audit || audit.recorded) return;
  audit.recorded = true;
  const { outcome, errorCode } = outcomeOf(error);
  try {
    await lake.catalog.auditLog.record({
      actorKind: "local_user",
      actor: localUser(),
      origin: "cli",
      action: audit.action,
      dataset: audit.target.dataset ?? null,
      objects: audit.target.objects ?? [],
      requestId: audit.id,
      outcome,
      errorCode,
      details: {
        ...audit.target.details,
        command: redactSecrets(["omicslake", ...audit.argv].join(" ")),
      },
    });
  } catch (auditError) {
    const reason = auditError instanceof Error ? auditError.message : String(auditError);
    writeStderrLine(
      `warning: the audit entry of this command could not be written: ${redactSecrets(reason)}`,
    );
  }
}
