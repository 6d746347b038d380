import type { Writable } from "node:stream";
import type { ParsedRecord } from "./parsed-record.js";

export interface NdjsonOptions {
  /** Only records of these kinds are written (all when absent). */
  readonly kinds?: ReadonlySet<string>;
  /** Stop after this many written records; the parser is closed early so the rest of the input is not read. */
  readonly limit?: number;
}

// Lines are joined into ~1 MiB writes: one write per record costs more than the JSON itself.
const FLUSH_BYTES = 1 << 20;

/**
 * Writes records as NDJSON (one JSON object per line), honouring backpressure. Returns how many
 * records were written and whether the limit cut the input short.
 */
export async function writeNdjson(
  records: AsyncIterable<ParsedRecord>,
  out: Writable,
  options: NdjsonOptions = {},
): Promise<{ written: number; limited: boolean }> {
  let buffer = "";
  let written = 0;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const flush = async (): Promise<void> => {
    if (buffer === "") return;
    const ok = out.write(buffer);
    buffer = "";
    if (!ok) await new Promise<void>((resolve) => out.once("drain", resolve));
  };
  if (limit <= 0) return { written: 0, limited: true };
  try {
    for await (const record of records) {
      if (options.kinds && !options.kinds.has(record.kind)) continue;
      buffer += `${JSON.stringify(record)}\n`;
      written++;
      if (buffer.length >= FLUSH_BYTES) await flush();
      if (written >= limit) return { written, limited: true };
    }
    return { written, limited: false };
  } finally {
    // Records parsed before an error are complete and valid: they reach the output either way.
    await flush();
  }
}
