import type { XmlNode } from "../xml/xml-node.js";

/*
 * Same contracts as the helpers in xml/xml-node.ts, tuned for PubMed's per-article volume (tens of lookups
 * per article, tens of millions of articles): paths are split once and cached, and no intermediate arrays
 * are built per step. Profiling the extractor showed the per-call `split` and `flatMap` dominating.
 */

const splitPaths = new Map<string, readonly string[]>();

function steps(path: string): readonly string[] {
  let s = splitPaths.get(path);
  if (s === undefined) {
    s = path.split("/");
    splitPaths.set(path, s);
  }
  return s;
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  if (node === undefined) return undefined;
  for (const c of node.children) if (c.name === name) return c;
  return undefined;
}

export function childrenNamed(node: XmlNode | undefined, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  if (node === undefined) return out;
  for (const c of node.children) if (c.name === name) out.push(c);
  return out;
}

export function at(node: XmlNode | undefined, path: string): XmlNode | undefined {
  let current = node;
  for (const step of steps(path)) {
    current = child(current, step);
    if (current === undefined) return undefined;
  }
  return current;
}

export function allAt(node: XmlNode | undefined, path: string): XmlNode[] {
  if (node === undefined) return [];
  let current: XmlNode[] = [node];
  for (const step of steps(path)) {
    const next: XmlNode[] = [];
    for (const n of current) for (const c of n.children) if (c.name === step) next.push(c);
    current = next;
  }
  return current;
}

/** Trimmed text at `path` (or of the node itself); undefined when absent or empty. */
export function textAt(node: XmlNode | undefined, path?: string): string | undefined {
  const target = path === undefined ? node : at(node, path);
  if (target === undefined) return undefined;
  const t = target.text.trim();
  return t === "" ? undefined : t;
}

const NEEDS_COLLAPSE = /[\t\n\r\f\v]| {2}/;

/**
 * Text of a mixed-content element and its descendants with whitespace runs collapsed (pretty-printed files
 * break lines inside abstracts). Inline formatting tags were removed before parsing, so for PubMed the
 * descendants are only what remains (MathML and the like).
 */
export function flatText(node: XmlNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  let t = node.children.length === 0 ? node.text : deepText(node);
  if (NEEDS_COLLAPSE.test(t)) t = t.replace(/\s+/g, " ");
  t = t.trim();
  return t === "" ? undefined : t;
}

function deepText(node: XmlNode): string {
  let out = node.text;
  for (const c of node.children) out += c.children.length === 0 ? c.text : deepText(c);
  return out;
}

/** A copy without undefined-valued keys, so optional fields are absent rather than present-and-undefined. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}
