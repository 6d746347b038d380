import type { Dataset, ProvenanceEdge, ProvenanceGraph, ProvenanceNode } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf } from "../../router/router.js";
import { DagGraph, type DagEdge, type DagNode } from "../../ui/dag-graph.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatTime } from "../../ui/format.js";
import { Async, Empty } from "../../ui/states.js";

export function provenanceHref(id: number): string {
  return `${pathOf("datasets", id)}?tab=provenance`;
}

function deletedText(node: ProvenanceNode): string {
  return `deleted ${node.deleted_at ? formatTime(node.deleted_at).slice(0, 10) : ""}`.trim();
}

function toDagNode(node: ProvenanceNode, root: number): DagNode {
  if (node.deleted)
    return {
      id: String(node.id),
      label: node.name,
      sublabel: deletedText(node),
      tone: "muted",
      dashed: true,
      current: node.id === root,
      title: `${node.layer}:${node.name} (#${node.id}) was ${deletedText(node)}${
        node.deleted_by_run !== null ? ` by run #${node.deleted_by_run}` : ""
      }; its lineage is kept, its files are gone.`,
    };
  return {
    id: String(node.id),
    label: node.name,
    sublabel: `${node.layer} · #${node.id}`,
    tone: node.layer,
    current: node.id === root,
    title: `${node.layer}:${node.name} (#${node.id})${node.description ? ` — ${node.description}` : ""}`,
    ...(node.id === root ? {} : { href: provenanceHref(node.id) }),
  };
}

/** Where the dataset came from and what was made from it: a graph, then its edges as a table. */
export function ProvenanceTab({ dataset }: { dataset: Dataset }): JSX.Element {
  const graph = useApi<ProvenanceGraph>(pathOf("v1", "provenance", dataset.id, "graph"));
  return (
    <Async value={graph} loading="Loading provenance…">
      {(g) => <ProvenanceView graph={g} />}
    </Async>
  );
}

function ProvenanceView({ graph }: { graph: ProvenanceGraph }): JSX.Element {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const dagEdges: DagEdge[] = graph.edges
    .filter((e) => e.input_dataset_id !== null)
    .map((e) => ({ from: String(e.input_dataset_id), to: String(e.output_dataset_id), label: e.action }));
  const columns: readonly Column<ProvenanceEdge>[] = [
    {
      key: "input",
      label: "Input",
      render: (e) =>
        e.input_dataset_id === null ? (
          <span class="muted">outside the lake</span>
        ) : (
          <NodeLink node={byId.get(e.input_dataset_id)} id={e.input_dataset_id} />
        ),
    },
    {
      key: "output",
      label: "Output",
      render: (e) => <NodeLink node={byId.get(e.output_dataset_id)} id={e.output_dataset_id} />,
    },
    { key: "action", label: "Action", render: (e) => <span class="tag">{e.action}</span> },
    {
      key: "run",
      label: "Run",
      render: (e) =>
        e.run_id === null ? (
          <span class="muted">none</span>
        ) : (
          <Link href={pathOf("runs", e.run_id)}>#{e.run_id}</Link>
        ),
    },
    {
      key: "date",
      label: "Date",
      secondary: true,
      render: (e) => <span class="nowrap">{formatTime(e.created_at)}</span>,
    },
  ];
  const lonely = dagEdges.length === 0;
  return (
    <>
      <section class="panel" aria-label="lineage graph">
        <div class="provenance-legend muted">
          <span>← inputs</span>
          <span>outputs →</span>
        </div>
        {lonely ? (
          <Empty title="No other dataset in its lineage">
            <p>
              It was {graph.edges.length > 0 ? "brought in from outside the lake" : "created directly"} and
              nothing has been made from it yet; conversions and promotions of it will appear here.
            </p>
          </Empty>
        ) : (
          <DagGraph
            nodes={graph.nodes.map((n) => toDagNode(n, graph.root))}
            edges={dagEdges}
            label="provenance graph: inputs on the left, outputs on the right"
            testId="provenance-graph"
          />
        )}
      </section>
      <h2>Lineage records</h2>
      <DataTable
        columns={columns}
        rows={graph.edges}
        rowKey={(e) => e.id}
        testId="provenance-edges"
        empty={
          <Empty title="No lineage recorded">
            <p>Runs record an edge when they collect, convert, consolidate or promote a dataset.</p>
          </Empty>
        }
      />
    </>
  );
}

function NodeLink({ node, id }: { node: ProvenanceNode | undefined; id: number }): JSX.Element {
  if (!node) return <span class="muted">#{id}</span>;
  if (node.deleted)
    return (
      <span class="tombstone long-name" title={`${deletedText(node)}; not viewable`}>
        {node.layer}:{node.name} <span class="muted">({deletedText(node)})</span>
      </span>
    );
  return (
    <Link class="long-name" href={provenanceHref(node.id)}>
      {`${node.layer}:${node.name}`}
    </Link>
  );
}
