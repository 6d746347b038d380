/**
 * One element of a record subtree. The streaming reader builds these only for the element that is
 * being emitted as a record (an EXPERIMENT_PACKAGE, a BioSample, a PubmedArticle), so memory is
 * bounded by the largest record, never by the file.
 */
export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
  /** Concatenated character data directly inside this element (entities decoded, CDATA included). */
  readonly text: string;
}

/** The first child element called `name`, if any. */
export function child(node: XmlNode, name: string): XmlNode | undefined {
  for (const c of node.children) if (c.name === name) return c;
  return undefined;
}

/** Every child element called `name`, in document order. */
export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  for (const c of node.children) if (c.name === name) out.push(c);
  return out;
}

// Paths are string literals in the parsers: split each once, not on every call.
const splitCache = new Map<string, readonly string[]>();
function steps(path: string): readonly string[] {
  let s = splitCache.get(path);
  if (s === undefined) {
    s = path.split("/");
    if (splitCache.size < 1024) splitCache.set(path, s);
  }
  return s;
}

/** Follows a `/`-separated path of child names (`"IDENTIFIERS/PRIMARY_ID"`); the first match at each step. */
export function at(node: XmlNode, path: string): XmlNode | undefined {
  if (path.indexOf("/") === -1) return child(node, path);
  let current: XmlNode | undefined = node;
  for (const step of steps(path)) {
    if (current === undefined) return undefined;
    current = child(current, step);
  }
  return current;
}

/** Every node reached by a `/`-separated path, following all matches at each step. */
export function allAt(node: XmlNode, path: string): XmlNode[] {
  let current: XmlNode[] = [node];
  for (const step of steps(path)) {
    const next: XmlNode[] = [];
    for (const n of current) for (const c of n.children) if (c.name === step) next.push(c);
    current = next;
  }
  return current;
}

/** Trimmed text at `path` (or of the node itself when path is omitted); undefined when absent or empty. */
export function textAt(node: XmlNode, path?: string): string | undefined {
  const target = path === undefined ? node : at(node, path);
  if (target === undefined) return undefined;
  const text = target.text;
  if (text.length === 0) return undefined;
  if (text.charCodeAt(0) > 32 && text.charCodeAt(text.length - 1) > 32) return text;
  const t = text.trim();
  return t === "" ? undefined : t;
}

/** The non-empty texts of `nodes`, in order, read by `read` (default: each node's own trimmed text). */
export function textsOf(
  nodes: readonly XmlNode[],
  read: (node: XmlNode) => string | undefined = (node) => textAt(node),
): string[] {
  const out: string[] = [];
  for (const node of nodes) {
    const text = read(node);
    if (text !== undefined) out.push(text);
  }
  return out;
}

/** Text of the node and all its descendants in document order, as mixed-content elements need (PubMed abstracts). */
export function deepText(node: XmlNode): string {
  // Child text positions are not kept, so mixed content is approximated as own text followed by children's;
  // a reader given the inline element names (XmlRecordReaderOptions.inline) keeps their text in place instead.
  let out = node.text;
  for (const c of node.children) out += deepText(c);
  return out;
}
