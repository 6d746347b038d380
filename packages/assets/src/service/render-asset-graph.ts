import type { AssetGraph } from "../graph/asset-graph.js";
import type { AssetStatusView } from "../asset-service.js";

/**
 * The graph for people (an indented list, upstream first), for Graphviz (DOT) and for Markdown renderers
 * (Mermaid). Nodes carry their status and partition counts so a rendered picture shows what is missing.
 */
export function renderAssetGraph(
  graph: AssetGraph,
  views: readonly AssetStatusView[],
  format: "text" | "dot" | "mermaid",
): string {
  const byKey = new Map(views.map((v) => [v.key, v]));
  const order = graph.topologicalOrder();
  const label = (key: string): string => {
    const view = byKey.get(key);
    if (!view) return key;
    const parts = view.partitions
      ? ` (${view.partitions.materialized}/${view.partitions.count} ${view.partitions.name})`
      : "";
    return `${key}${parts}: ${view.status}${view.stale ? ", stale" : ""}`;
  };
  switch (format) {
    case "text": {
      const lines: string[] = [];
      for (const key of order) {
        const view = byKey.get(key);
        lines.push(`${label(key)}  [${view?.automation ?? graph.get(key).automationText}]`);
        const deps = graph.upstreamOf(key);
        if (deps.length > 0) lines.push(`  ← ${deps.join(", ")}`);
      }
      return lines.join("\n");
    }
    case "dot": {
      const lines = ["digraph assets {", "  rankdir=LR;", "  node [shape=box];"];
      for (const key of order) lines.push(`  ${dotString(key)} [label=${dotString(label(key))}];`);
      for (const key of order)
        for (const dep of graph.upstreamOf(key)) lines.push(`  ${dotString(dep)} -> ${dotString(key)};`);
      lines.push("}");
      return lines.join("\n");
    }
    case "mermaid": {
      const ids = new Map(order.map((key, i) => [key, `a${i}`]));
      const lines = ["graph LR"];
      for (const key of order) lines.push(`  ${ids.get(key)}["${mermaidText(label(key))}"]`);
      for (const key of order)
        for (const dep of graph.upstreamOf(key)) lines.push(`  ${ids.get(dep)} --> ${ids.get(key)}`);
      return lines.join("\n");
    }
  }
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Mermaid labels in double quotes take HTML entities for the characters that would end them. */
function mermaidText(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}
