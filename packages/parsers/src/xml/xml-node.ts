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
