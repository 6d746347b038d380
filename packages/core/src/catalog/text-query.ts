/**
 * Turns free text into a tsquery string for `to_tsquery('simple', …)`: every whitespace-separated
 * term must match as a word prefix (`breast canc` finds "Breast cancer relapse"). Terms are quoted so
 * tsquery operators typed by a user (`&`, `|`, `!`, `:`) are plain text; terms with no letter or
 * digit are dropped. Returns undefined when nothing searchable is left.
 */
export function toPrefixTsQuery(text: string): string | undefined {
  const terms = text
    .split(/\s+/)
    .filter((term) => /[\p{L}\p{N}]/u.test(term))
    .map((term) => `'${term.replace(/\\/g, "\\\\").replace(/'/g, "''")}':*`);
  return terms.length === 0 ? undefined : terms.join(" & ");
}
