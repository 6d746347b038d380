import { ValidationError } from "@omicslake/core";
import { longArrow } from "./arrow-subset-writer.js";
import { longCsv, wideCsv } from "./csv-subset-writer.js";
import { longJson, wideJson } from "./json-subset-writer.js";
import type { SubsetLayout, SubsetSource } from "./subset-source.js";

/** Refuses layouts no writer has (Arrow is long only), before anything is streamed. */
export function checkSubsetLayout(layout: SubsetLayout): void {
  if (layout.format === "arrow" && layout.shape === "wide")
    throw new ValidationError("Arrow output is long only (gene, cell, value columns)", {
      details: { format: layout.format, shape: layout.shape },
      hint: "Use shape=long with format=arrow, or format=csv or json for a wide matrix",
    });
}

/** The subset in the chosen layout, as chunks to write out in order. */
export function writeSubset(source: SubsetSource, layout: SubsetLayout): AsyncIterable<string | Uint8Array> {
  checkSubsetLayout(layout);
  switch (layout.format) {
    case "json":
      return layout.shape === "wide" ? wideJson(source) : longJson(source, layout.zeros);
    case "csv":
      return layout.shape === "wide" ? wideCsv(source) : longCsv(source, layout.zeros);
    case "arrow":
      return longArrow(source, layout.zeros);
  }
}
