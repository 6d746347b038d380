export type { XmlNode } from "./xml/xml-node.js";
export { ParseError, type ParseLocation } from "./errors/parse-error.js";
