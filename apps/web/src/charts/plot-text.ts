/**
 * Plotly reads a subset of HTML in every string it draws (tick labels, legend names, hover text, titles):
 * `<a href>` becomes a clickable link and `<span style>` restyles the chart. The strings a chart shows come
 * from the lake (a dataset's source, a gene or cell-group name), which anyone with a write key can set, so
 * they are escaped before Plotly sees them: a source named `<a href="https://…">` is drawn as that text,
 * not as a link on every visitor's overview. Plotly decodes the entities after it has parsed its tags, so
 * an escaped string still reads as written.
 */

// Hover and text templates are written by the dashboard with markup on purpose (`<br>`, `<extra>`), but
// they interpolate names from the data too: only these tags survive in them.
const TEMPLATE_KEYS = new Set(["hovertemplate", "texttemplate"]);
const TEMPLATE_TAG = /(<\/?(?:br|b|i|em|sup|sub|extra)\s*\/?>)/i;

export function escapePlotText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeTemplate(template: string): string {
  return template
    .split(TEMPLATE_TAG)
    .map((part, i) => (i % 2 === 1 ? part : escapePlotText(part)))
    .join("");
}

/**
 * A copy of a chart's data or layout with every string escaped (templates keeping their own tags).
 * Numbers, typed arrays and other non-plain values are kept as they are.
 */
export function escapePlotStrings<T>(value: T, key = ""): T {
  if (typeof value === "string") {
    if (!/[<>&]/.test(value)) return value;
    return (TEMPLATE_KEYS.has(key) ? escapeTemplate(value) : escapePlotText(value)) as T;
  }
  if (Array.isArray(value)) {
    // Long numeric columns (a scatter of every cell) are the common case: copy only when a string is there.
    if (!value.some((v) => v !== null && typeof v !== "number")) return value;
    return (value as unknown[]).map((v) => escapePlotStrings(v, key)) as T;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) copy[k] = escapePlotStrings(v, k);
    return copy as T;
  }
  return value;
}
