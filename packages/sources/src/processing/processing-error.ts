import { OmicslakeError } from "@omicslake/core";

type ProcessingCode =
  "command_failed" | "input_changing" | "item_busy" | "item_input_missing" | "items_failed" | "no_handler";

/** A processing step could not run on an item or a dataset: a command that failed, an input not in the lake. */
export class ProcessingError extends OmicslakeError {
  constructor(
    code: ProcessingCode,
    message: string,
    options: { details: Record<string, unknown>; hint: string; cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** One item a step failed on, and why. */
export interface ItemFailure {
  readonly item: string;
  readonly error: unknown;
}

/** Thrown by a step that finished every item it could, after some failed: its run is marked failed. */
export class ItemsFailedError extends ProcessingError {
  constructor(
    readonly step: string,
    readonly failures: readonly ItemFailure[],
  ) {
    super(
      "items_failed",
      `${step}: ${failures.length} item(s) failed: ${failures
        .slice(0, 5)
        .map((f) => `${f.item} (${errorMessage(f.error)})`)
        .join("; ")}${failures.length > 5 ? "; …" : ""}`,
      {
        details: { step, items: failures.map((f) => f.item) },
        hint: "The other items were processed; fix these and run again (finished items are skipped)",
      },
    );
  }
}

/** An error's message, for summaries and logs. */
export function errorMessage(error: unknown): string {
  if (error instanceof OmicslakeError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}
