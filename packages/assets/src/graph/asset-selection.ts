import { editDistance } from "@omicslake/core";
import { AssetError } from "../asset-error.js";
import type { AssetKey } from "./asset-definition.js";
import type { AssetGraph } from "./asset-graph.js";

/**
 * The assets `selections` name, in topological order. One selection is an exact key (`geo/raw`), a glob
 * (`geo/*`; `*` stays inside one segment, `**` crosses `/`), `tag:NAME` or `group:NAME`, optionally with
 * `+` in front (and everything upstream) and/or behind (and everything downstream). Several selections,
 * in the array or comma-separated in one string, make a union. A selection that matches no asset is a
 * `not_found` error naming it and the closest keys: a typo should not quietly select nothing.
 *
 * @example selectAssets(graph, ["+geo/processed", "tag:nightly"]) // ["geo/raw", "geo/processed", …]
 */
export function selectAssets(graph: AssetGraph, selections: readonly string[]): AssetKey[] {
  const selected = new Set<AssetKey>();
  for (const term of splitSelections(selections)) {
    const matched = matchTerm(graph, term);
    if (matched.size === 0) throw noMatchError(graph, term);
    for (const key of matched) selected.add(key);
  }
  return graph.topologicalOrder().filter((key) => selected.has(key));
}

/**
 * Whether `key` is in `selection` (same grammar as selectAssets). A selection matching nothing simply
 * does not match here: callers filtering dependencies (automation's `ignore`/`allow`) check their
 * selections once, when the configuration is loaded, with selectAssets.
 */
export function selectionMatches(graph: AssetGraph, key: AssetKey, selection: string): boolean {
  let cache = memo.get(graph);
  if (!cache) {
    cache = new Map();
    memo.set(graph, cache);
  }
  let keys = cache.get(selection);
  if (!keys) {
    keys = new Set();
    for (const term of splitSelections([selection])) for (const k of matchTerm(graph, term)) keys.add(k);
    cache.set(selection, keys);
  }
  return keys.has(key);
}

// Graphs are immutable once built, so what a selection matches in one never changes.
const memo = new WeakMap<AssetGraph, Map<string, Set<AssetKey>>>();

function splitSelections(selections: readonly string[]): string[] {
  return selections
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

interface Term {
  readonly text: string;
  readonly base: string;
  readonly upstream: boolean;
  readonly downstream: boolean;
}

function parseTerm(text: string): Term {
  let base = text;
  const upstream = base.startsWith("+");
  if (upstream) base = base.slice(1);
  const downstream = base.endsWith("+");
  if (downstream) base = base.slice(0, -1);
  base = base.trim();
  if (base.length === 0 || base.includes("+")) {
    throw new AssetError("invalid_input", `selection ${JSON.stringify(text)} is not valid`, {
      details: { selection: text },
      hint: 'Write a key or glob ("geo/*"), "tag:NAME" or "group:NAME", with "+" before for upstream and after for downstream',
    });
  }
  return { text, base, upstream, downstream };
}

function matchTerm(graph: AssetGraph, text: string): Set<AssetKey> {
  const term = parseTerm(text);
  const matched = new Set<AssetKey>(baseMatches(graph, term));
  const out = new Set<AssetKey>(matched);
  for (const key of matched) {
    if (term.upstream) for (const k of graph.withUpstream(key)) out.add(k);
    if (term.downstream) for (const k of graph.withDownstream(key)) out.add(k);
  }
  return out;
}

function baseMatches(graph: AssetGraph, term: Term): AssetKey[] {
  const { base } = term;
  const prefixed = /^(tag|group):(.*)$/.exec(base);
  if (prefixed) {
    const name = prefixed[2]!.trim();
    if (name.length === 0) {
      throw new AssetError(
        "invalid_input",
        `selection ${JSON.stringify(term.text)} names no ${prefixed[1]}`,
        {
          details: { selection: term.text },
          hint: `Write ${prefixed[1]}:NAME`,
        },
      );
    }
    return graph
      .assets()
      .filter((a) => (prefixed[1] === "tag" ? a.tags.includes(name) : a.group === name))
      .map((a) => a.key);
  }
  if (base.includes("*")) {
    const pattern = globPattern(base);
    return graph.keys().filter((key) => pattern.test(key));
  }
  return graph.has(base) ? [base] : [];
}

/** `**` matches anything, `*` anything but `/`; every other character itself. */
function globPattern(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (c === "*") {
      source += "[^/]*";
    } else {
      source += c.replace(/[.?+^$()[\]{}|\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

function noMatchError(graph: AssetGraph, text: string): AssetError {
  const { base } = parseTerm(text);
  const prefixed = /^(tag|group):(.*)$/.exec(base);
  let hint: string;
  if (prefixed) {
    const names = [
      ...new Set(graph.assets().flatMap((a) => (prefixed[1] === "tag" ? a.tags : [a.group]))),
    ].sort();
    hint = `${prefixed[1] === "tag" ? "Tags" : "Groups"}: ${names.join(", ") || "(none)"}`;
  } else {
    const closest = graph
      .keys()
      .map((key) => ({ key, distance: editDistance(base.replace(/\*/g, ""), key) }))
      .sort((a, b) => a.distance - b.distance || (a.key < b.key ? -1 : 1))
      .slice(0, 3)
      .map((c) => c.key);
    hint =
      closest.length > 0
        ? `Closest assets: ${closest.join(", ")}; "omicslake assets ls" lists them all`
        : "The graph has no assets";
  }
  return new AssetError("not_found", `selection ${JSON.stringify(text)} matches no asset`, {
    details: { selection: text },
    hint,
  });
}
