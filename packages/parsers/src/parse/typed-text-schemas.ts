import { z } from "zod";

/*
 * Markers for text fields whose values are dates or timestamps. The parsers keep NCBI's text as given
 * (NCBI has "0000-00-00" and partial dates), so the markers do not validate; they set the JSON Schema
 * `format` that processing reads to type the column (`date` → DATE, `date-time` → TIMESTAMP WITH TIME
 * ZONE, a value that does not parse → NULL with the text kept beside it) and that the docs show.
 * Counts and ids are marked with zod's own `.int()` (JSON Schema `integer` → BIGINT).
 */

/** A calendar date as text, `YYYY-MM-DD`. */
export const dateText = (): z.ZodString => z.string().meta({ format: "date" });

/** A timestamp as ISO 8601 text; one without a zone is read as UTC. */
export const timestampText = (): z.ZodString => z.string().meta({ format: "date-time" });
