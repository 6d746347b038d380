import {
  allAt as allAtNode,
  at as atNode,
  child as childOf,
  childrenNamed as childrenOf,
  type XmlNode,
} from "../xml/xml-node.js";

/*
 * The lookups of xml/xml-node.ts, also taking an absent node: PubMed's optional elements chain lookups
 * without a check at each step. They run tens of times per article over tens of millions of articles,
 * so the text helpers below build no intermediate arrays.
 */

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node === undefined ? undefined : childOf(node, name);
}

export function childrenNamed(node: XmlNode | undefined, name: string): XmlNode[] {
  return node === undefined ? [] : childrenOf(node, name);
}

export function at(node: XmlNode | undefined, path: string): XmlNode | undefined {
  return node === undefined ? undefined : atNode(node, path);
}

export function allAt(node: XmlNode | undefined, path: string): XmlNode[] {
  return node === undefined ? [] : allAtNode(node, path);
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
 * Text of a mixed-content element with whitespace runs collapsed (pretty-printed files break lines inside
 * abstracts). Inline markup and MathML are already folded into the text by the reader, in place; children
 * that remain are elements the DTD does not allow there, whose text is appended rather than lost.
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
