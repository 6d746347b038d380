import { describe, expect, it } from "vitest";
import { escapePlotStrings } from "../src/charts/plot-text.js";

describe("escapePlotStrings", () => {
  it("draws names from the lake as text, keeps a template's own tags, and leaves numbers alone", () => {
    const values = Float64Array.of(1, 2);
    const trace = {
      type: "bar",
      y: ['<a href="https://example.com">x</a>', "lab & co", "geo"],
      x: [1, 2, 3],
      marker: { color: values },
      hovertemplate: "%{y}: <b>%{x}</b><br>CD3<E><extra></extra>",
    };
    const escaped = escapePlotStrings([trace])[0]!;
    expect(escaped.y).toEqual(['&lt;a href="https://example.com"&gt;x&lt;/a&gt;', "lab &amp; co", "geo"]);
    expect(escaped.x).toBe(trace.x);
    expect(escaped.marker.color).toBe(values);
    expect(escaped.hovertemplate).toBe("%{y}: <b>%{x}</b><br>CD3&lt;E&gt;<extra></extra>");
    expect(escapePlotStrings({ title: { text: "<span style='x'>gene</span>" } })).toEqual({
      title: { text: "&lt;span style='x'&gt;gene&lt;/span&gt;" },
    });
  });
});
