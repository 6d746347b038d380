import { ParseError } from "../errors/parse-error.js";
import { recordParser } from "../parse/record-parsers.js";
import { sendParseError, type ParseTask, type TaskResult } from "./parse-task.js";

/**
 * Parses one slice as a worker does (exposed so that it can also run on the calling thread): records become
 * NDJSON lines exactly as `writeNdjson` writes them, and a failure says whether the slice's own bytes caused
 * it (`body`) or only the closing tags appended to it did (`tail`).
 */
export async function runParseTask(task: ParseTask): Promise<TaskResult> {
  let phase: "body" | "tail" = "body";
  const { prefix, body, suffix } = task;
  async function* input(): AsyncGenerator<Uint8Array> {
    if (prefix.byteLength > 0) yield prefix;
    yield body;
    if (suffix !== undefined) {
      // Asked for only once every byte of the body has been read: from here on a failure is the tail's.
      phase = "tail";
      yield Buffer.from(suffix, "latin1");
    }
  }
  const kinds = task.kinds === undefined ? undefined : new Set(task.kinds);
  const lines: string[] = [];
  let count = 0;
  const done = (): Uint8Array => Buffer.from(lines.join(""));
  try {
    for await (const record of recordParser(task.format)(input(), { file: task.file })) {
      if (kinds !== undefined && !kinds.has(record.kind)) continue;
      lines.push(`${JSON.stringify(record)}\n`);
      count++;
    }
    return { ok: true, ndjson: done(), count };
  } catch (error) {
    if (error instanceof ParseError)
      return { ok: false, phase, ndjson: done(), count, parseError: sendParseError(error) };
    const bug = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      phase,
      ndjson: done(),
      count,
      bug: { message: bug.message, ...(bug.stack === undefined ? {} : { stack: bug.stack }) },
    };
  }
}
