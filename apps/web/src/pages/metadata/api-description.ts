import { apiRequest } from "../../api/client.js";
import { useLoader, type Loadable } from "../../api/use-api.js";

/**
 * The metadata browser's filters and an entity's child lists come from the API's own OpenAPI document, so
 * the browser offers exactly what the server accepts and follows new routes without a dashboard change.
 */
export interface FilterSpec {
  readonly name: string;
  readonly description: string;
  readonly kind: "text" | "integer" | "number" | "date" | "enum" | "boolean";
  readonly options: readonly string[];
  readonly example: string | null;
}

export interface ChildRoute {
  /** `samples`, `sra-studies`: the segment after `{accession}`. */
  readonly segment: string;
  readonly summary: string;
}

interface Schema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly format?: string;
  readonly example?: unknown;
  readonly anyOf?: readonly Schema[];
}

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly description?: string;
  readonly schema?: Schema;
}

interface Operation {
  readonly summary?: string;
  readonly parameters?: readonly Parameter[];
}

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, { readonly get?: Operation }>>;
}

/** Paging is the Pager's job, and `q` has its own search box. */
const NOT_FILTERS = new Set(["limit", "cursor", "q"]);

function kindOf(schema: Schema): FilterSpec["kind"] {
  if (schema.enum) {
    const values = schema.enum.map(String);
    return values.length === 2 && values.includes("true") && values.includes("false") ? "boolean" : "enum";
  }
  if (schema.type === "integer") return "integer";
  if (schema.type === "number") return "number";
  if (schema.format === "date" || schema.pattern === "^\\d{4}-\\d{2}-\\d{2}$") return "date";
  if (schema.type === "boolean") return "boolean";
  return "text";
}

/** The filters of a list route (`sra/studies`): its query parameters, in the document's order. */
export function filtersOf(doc: OpenApiDocument, path: string): FilterSpec[] {
  const parameters = doc.paths[`/v1/${path}`]?.get?.parameters ?? [];
  return parameters
    .filter((p) => p.in === "query" && !NOT_FILTERS.has(p.name))
    .map((p) => {
      const schema = p.schema?.anyOf?.[0] ?? p.schema ?? {};
      const kind = kindOf(schema);
      return {
        name: p.name,
        description: p.description ?? "",
        kind,
        options: kind === "enum" ? (schema.enum ?? []).map(String) : [],
        example:
          typeof schema.example === "string" || typeof schema.example === "number"
            ? String(schema.example)
            : null,
      };
    });
}

/** True when the list route takes a full-text `q`. */
export function hasSearch(doc: OpenApiDocument, path: string): boolean {
  return (doc.paths[`/v1/${path}`]?.get?.parameters ?? []).some((p) => p.in === "query" && p.name === "q");
}

/** The lists under one record (`/v1/sra/studies/{accession}/samples`, …). */
export function childRoutesOf(doc: OpenApiDocument, path: string): ChildRoute[] {
  const prefix = `/v1/${path}/{accession}/`;
  return Object.entries(doc.paths)
    .filter(
      ([route, item]) => route.startsWith(prefix) && item.get && !route.slice(prefix.length).includes("/"),
    )
    .map(([route, item]) => ({ segment: route.slice(prefix.length), summary: item.get?.summary ?? "" }));
}

let document: Promise<OpenApiDocument> | null = null;

/** `GET /openapi.json`, fetched once per page load and shared. */
export function useApiDescription(): Loadable<OpenApiDocument> & { reload: () => void } {
  return useLoader("openapi", async () => {
    document ??= apiRequest<OpenApiDocument>("/openapi.json");
    try {
      return await document;
    } catch (error) {
      // A failed fetch is not kept, so "Try again" asks again.
      document = null;
      throw error;
    }
  });
}
