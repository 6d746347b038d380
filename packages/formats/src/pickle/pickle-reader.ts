import { readFile } from "node:fs/promises";
import { FormatError } from "../convert/format-error.js";
import type { DataFrame } from "../frame/data-frame.js";
import { isPandasObject, pandasToFrame, plainToFrame, toJsonValue } from "./pandas-frame.js";
import { unpickle } from "./pickle-machine.js";

/** What a pickle held: a pandas table, or plain data (with a table view when it is shaped like one). */
export type PickleContent =
  | {
      readonly kind: "pandas";
      readonly pandasClass: "DataFrame" | "Series";
      readonly frame: DataFrame;
      readonly protocol: number;
    }
  | {
      readonly kind: "plain";
      readonly value: unknown;
      readonly frame: DataFrame | undefined;
      readonly protocol: number;
    };

/**
 * Reads a pickle without running Python: pandas DataFrame/Series become a DataFrame, plain objects JSON-able
 * values. The whole file is read into memory (pickles are single objects; the machine needs random access to
 * the memo, and pandas' pickles hold each block as one contiguous byte string anyway).
 */
export async function readPickleFile(path: string): Promise<PickleContent> {
  const bytes = await readFile(path);
  return readPickleBytes(bytes, path);
}

export function readPickleBytes(bytes: Uint8Array, file: string): PickleContent {
  const protocol = bytes[0] === 0x80 ? (bytes[1] ?? 0) : 0;
  const value = unpickle(bytes, file);
  try {
    if (isPandasObject(value)) {
      return {
        kind: "pandas",
        pandasClass: value.cls === "Series" ? "Series" : "DataFrame",
        frame: pandasToFrame(value),
        protocol,
      };
    }
    return { kind: "plain", value: toJsonValue(value), frame: plainToFrame(value), protocol };
  } catch (cause) {
    if (cause instanceof FormatError) throw cause;
    throw new FormatError(
      "unsupported_pickle_object",
      `pickle: cannot turn the object into a table or JSON: ${(cause as Error).message}`,
      {
        file,
        hint: "Supported: pandas DataFrame/Series (numeric, bool, string, categorical, datetime columns) and plain Python data; export other objects with df.to_parquet() in Python.",
        cause,
      },
    );
  }
}
