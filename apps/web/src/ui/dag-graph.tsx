import type { JSX } from "preact";
import { navigate } from "../router/router.js";

export interface DagNode {
  readonly id: string;
  readonly label: string;
  readonly sublabel?: string;
  /** Colour: ok, bad, warn, info, muted, or a layer name (raw, processed, curated, archive). */
  readonly tone?: string;
  /** Drawn dashed and greyed: a tombstone, or anything no longer there. */
  readonly dashed?: boolean;
  /** The node being looked at, drawn emphasised. */
  readonly current?: boolean;
  /** Where clicking the node goes; without it the node is not a link. */
  readonly href?: string;
  /** Shown on hover (the full label and details). */
  readonly title?: string;
}

export interface DagEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

const NODE_WIDTH = 184;
const NODE_HEIGHT = 46;
const COLUMN_GAP = 76;
const ROW_GAP = 18;
const PAD = 12;

interface Placed extends DagNode {
  readonly x: number;
  readonly y: number;
}

/**
 * Places nodes in columns by their longest path from a source (so every edge points right), ordering each
 * column by the mean row of its parents to keep crossings few. Edges that would close a cycle (found by a
 * depth-first walk in node order) are drawn but do not take part in the layout, so a cycle still spreads into
 * columns instead of piling every node of it into the first one.
 */
export function layoutDag(
  nodes: readonly DagNode[],
  edges: readonly DagEdge[],
): { placed: Placed[]; width: number; height: number } {
  const ids = new Set(nodes.map((n) => n.id));
  const parents = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const children = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (!ids.has(e.from) || !ids.has(e.to) || e.from === e.to) continue;
    parents.get(e.to)!.push(e.from);
    children.get(e.from)!.push(e.to);
  }
  dropBackEdges(nodes, parents, children);
  const indegree = new Map(nodes.map((n) => [n.id, parents.get(n.id)!.length]));
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const column = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const child of children.get(id)!) {
      column.set(child, Math.max(column.get(child)!, column.get(id)! + 1));
      indegree.set(child, indegree.get(child)! - 1);
      if (indegree.get(child) === 0) queue.push(child);
    }
  }
  const columns: string[][] = [];
  for (const n of nodes) (columns[column.get(n.id)!] ??= []).push(n.id);
  const row = new Map<string, number>();
  columns.forEach((ids, c) => {
    if (c > 0)
      ids.sort(
        (a, b) =>
          mean(parents.get(a)!.map((p) => row.get(p) ?? 0)) -
          mean(parents.get(b)!.map((p) => row.get(p) ?? 0)),
      );
    ids.forEach((id, r) => row.set(id, r));
  });
  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const height = PAD * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const placed: Placed[] = [];
  columns.forEach((ids, c) => {
    // Each column is centred vertically, so a single node sits level with the middle of a wide column.
    const own = ids.length * NODE_HEIGHT + (ids.length - 1) * ROW_GAP;
    const top = PAD + (height - PAD * 2 - own) / 2;
    ids.forEach((id, r) =>
      placed.push({
        ...byId.get(id)!,
        x: PAD + c * (NODE_WIDTH + COLUMN_GAP),
        y: top + r * (NODE_HEIGHT + ROW_GAP),
      }),
    );
  });
  const width = PAD * 2 + columns.length * NODE_WIDTH + Math.max(0, columns.length - 1) * COLUMN_GAP;
  return { placed, width, height };
}

/** Removes, in place, the edges that point back to a node still on the walk's path (each closes a cycle). */
function dropBackEdges(
  nodes: readonly DagNode[],
  parents: Map<string, string[]>,
  children: Map<string, string[]>,
): void {
  const state = new Map<string, "open" | "done">();
  for (const start of nodes) {
    if (state.has(start.id)) continue;
    // Iterative, so a long chain cannot overflow the stack.
    const stack: { id: string; next: number }[] = [{ id: start.id, next: 0 }];
    state.set(start.id, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const kids = children.get(top.id)!;
      if (top.next >= kids.length) {
        state.set(top.id, "done");
        stack.pop();
        continue;
      }
      const child = kids[top.next]!;
      if (state.get(child) === "open") {
        kids.splice(top.next, 1);
        const back = parents.get(child)!;
        back.splice(back.indexOf(top.id), 1);
        continue;
      }
      top.next++;
      if (!state.has(child)) {
        state.set(child, "open");
        stack.push({ id: child, next: 0 });
      }
    }
  }
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A directed acyclic graph (provenance, assets) as an SVG that scrolls when wider than the page. */
export function DagGraph({
  nodes,
  edges,
  label,
  testId,
}: {
  nodes: readonly DagNode[];
  edges: readonly DagEdge[];
  label: string;
  testId?: string;
}): JSX.Element {
  const { placed, width, height } = layoutDag(nodes, edges);
  const at = new Map(placed.map((p) => [p.id, p]));
  return (
    <div class="graph" data-testid={testId}>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="dag-arrow" />
          </marker>
          {/* Labels are shortened by characters, but wide ones (W, CJK, bold) could still run past the node. */}
          <clipPath id="dag-node-text">
            <rect x="4" y="0" width={NODE_WIDTH - 8} height={NODE_HEIGHT} />
          </clipPath>
        </defs>
        {edges.map((e, i) => {
          const from = at.get(e.from);
          const to = at.get(e.to);
          if (!from || !to) return null;
          const x1 = from.x + NODE_WIDTH;
          const y1 = from.y + NODE_HEIGHT / 2;
          const x2 = to.x;
          const y2 = to.y + NODE_HEIGHT / 2;
          const bend = Math.max(30, Math.abs(x2 - x1) / 2);
          const path = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
          return (
            <g key={`${e.from}->${e.to}:${i}`} class="dag-edge">
              <path d={path} marker-end="url(#dag-arrow)" />
              {e.label && (
                <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 4} text-anchor="middle">
                  {e.label}
                </text>
              )}
            </g>
          );
        })}
        {placed.map((n) => {
          const body = (
            <>
              <title>{n.title ?? n.label}</title>
              <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx="7" />
              <text x="10" y={n.sublabel ? 19 : 28} class="dag-label" clip-path="url(#dag-node-text)">
                {clip(n.label, 22)}
              </text>
              {n.sublabel && (
                <text x="10" y="36" class="dag-sublabel" clip-path="url(#dag-node-text)">
                  {clip(n.sublabel, 30)}
                </text>
              )}
            </>
          );
          const className = [
            "dag-node",
            `tone-${n.tone ?? "muted"}`,
            n.dashed ? "dashed" : "",
            n.current ? "current" : "",
            n.href ? "linked" : "",
          ].join(" ");
          return (
            <g key={n.id} class={className} transform={`translate(${n.x} ${n.y})`} data-node-id={n.id}>
              {n.href ? (
                <a
                  href={n.href}
                  onClick={(event: MouseEvent) => {
                    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                    event.preventDefault();
                    navigate(n.href!);
                  }}
                >
                  {body}
                </a>
              ) : (
                body
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
