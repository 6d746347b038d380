import { ParseError } from "../errors/parse-error.js";
import type { ParsedRecord } from "../parse/parsed-record.js";
import { recordParser } from "../parse/record-parsers.js";
import { sendParseError, type KindLines, type ParseTask, type TaskResult } from "./parse-task.js";

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
  const lines = new RecordLines(task.kinds, task.segment);
  try {
    for await (const record of recordParser(task.format)(input(), { file: task.file })) lines.add(record);
    return { ok: true, ...lines.take(), body };
  } catch (error) {
    if (error instanceof ParseError)
      return { ok: false, phase, ...lines.take(), body, parseError: sendParseError(error) };
    const bug = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      phase,
      ...lines.take(),
      body,
      bug: { message: bug.message, ...(bug.stack === undefined ? {} : { stack: bug.stack }) },
    };
  }
}

/**
 * Records as NDJSON lines: plain, exactly as `writeNdjson` writes them, or tagged with their segment and
 * position and grouped by kind for processing (see `ParseTask.segment`).
 */
export class RecordLines {
  private readonly kinds: ReadonlySet<string> | undefined;
  private plain = new Lines();
  private tagged = new Map<string, { lines: Lines; count: number }>();
  private count = 0;
  private bytes = 0;

  constructor(
    kinds: readonly string[] | ReadonlySet<string> | undefined,
    private readonly segment: number | undefined,
  ) {
    this.kinds = kinds === undefined ? undefined : new Set(kinds);
  }

  /** Characters held (an estimate of the bytes), for callers that hand lines out in batches. */
  get size(): number {
    return this.bytes;
  }

  get records(): number {
    return this.count;
  }

  add(record: ParsedRecord): void {
    if (this.kinds !== undefined && !this.kinds.has(record.kind)) return;
    if (this.segment === undefined) {
      this.bytes += this.plain.add(`${JSON.stringify(record)}\n`);
      this.count++;
      return;
    }
    // `{"_i":3,"_l":17,` + the record's own JSON minus its `{`: provenance columns without copying the record.
    const line = `{"_i":${this.segment},"_l":${this.count++},${JSON.stringify(record).slice(1)}\n`;
    let group = this.tagged.get(record.kind);
    if (group === undefined) {
      group = { lines: new Lines(), count: 0 };
      this.tagged.set(record.kind, group);
    }
    this.bytes += group.lines.add(line);
    group.count++;
  }

  /** The lines held, handed out and forgotten. */
  take(): { ndjson: Uint8Array; count: number; byKind?: KindLines[] } {
    const count = this.count;
    const ndjson = this.plain.bytes();
    this.plain = new Lines();
    this.count = 0;
    this.bytes = 0;
    if (this.segment === undefined) return { ndjson, count };
    const byKind = [...this.tagged].map(([kind, group]) => ({
      kind,
      ndjson: group.lines.bytes(),
      count: group.count,
    }));
    this.tagged = new Map();
    return { ndjson, count, byKind };
  }
}

/** Text lines encoded to UTF-8 every ~256 KiB: a whole slice's lines kept as strings would outlive young GC. */
class Lines {
  private text = "";
  private readonly chunks: Buffer[] = [];
  private encoded = 0;

  add(line: string): number {
    this.text += line;
    if (this.text.length >= ENCODE_AT) this.encode();
    return line.length;
  }

  /** Everything added, as one buffer owning its memory (transferable). */
  bytes(): Uint8Array {
    this.encode();
    const out = Buffer.allocUnsafeSlow(this.encoded);
    let at = 0;
    for (const chunk of this.chunks) at += chunk.copy(out, at);
    return out;
  }

  private encode(): void {
    if (this.text === "") return;
    const chunk = Buffer.from(this.text);
    this.chunks.push(chunk);
    this.encoded += chunk.byteLength;
    this.text = "";
  }
}

const ENCODE_AT = 256 * 1024;
