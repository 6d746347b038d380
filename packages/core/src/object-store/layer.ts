import { ValidationError } from "../errors/omicslake-error.js";

/** The lake's layers, in promotion order. Raw is immutable. */
export const LAYERS = ["raw", "processed", "curated", "archive"] as const;
export type Layer = (typeof LAYERS)[number];

export function isLayer(value: string): value is Layer {
  return (LAYERS as readonly string[]).includes(value);
}

/** The layer after `layer`, or undefined for the last one. Promotion goes only this one step. */
export function nextLayer(layer: Layer): Layer | undefined {
  return LAYERS[LAYERS.indexOf(layer) + 1];
}

/**
 * The layer a store key belongs to: its first path segment. Every key in a lake store starts with
 * a layer (`raw/ncbi/sra/...`); anything else is refused so no object escapes the layer rules.
 */
export function layerOfKey(key: string): Layer {
  const first = key.split("/", 1)[0] ?? "";
  if (!isLayer(first)) {
    throw new ValidationError(`object key ${JSON.stringify(key)} does not start with a layer`, {
      details: { key },
      hint: `Start the key with one of ${LAYERS.join(", ")} followed by "/"`,
    });
  }
  return first;
}
