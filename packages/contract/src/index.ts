/**
 * The REST API's wire types. `openapi.ts` is generated from the server's own OpenAPI document, so these
 * names cannot drift from what the server sends; this file gives the shapes clients use most a short name
 * and derives request and response types for any route. Types only: importing this package adds no code.
 */
import type { components, paths } from "./openapi.js";

export type { components, paths } from "./openapi.js";

type Schemas = components["schemas"];

/** Every route of the API, as its OpenAPI path template (`/v1/catalog/{id}`). */
export type ApiPath = keyof paths;
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

type Operation<P extends ApiPath, M extends HttpMethod> = paths[P] extends { [K in M]: infer O } ? O : never;
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;

/** The JSON body of a route's success response (200, 201 or 202). */
export type ResponseBody<P extends ApiPath, M extends HttpMethod = "get"> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer S }
      ? JsonOf<S>
      : R extends { 201: infer S }
        ? JsonOf<S>
        : R extends { 202: infer S }
          ? JsonOf<S>
          : never
    : never;

/** A route's query parameters. */
export type QueryOf<P extends ApiPath, M extends HttpMethod = "get"> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** A route's JSON request body. */
export type RequestBody<P extends ApiPath, M extends HttpMethod> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

/** Every error response: `{error: {code, message, details}}`. */
export type ApiError = Schemas["Error"];

/** One page of a keyset-paged list: pass `meta.next_cursor` as `cursor` for the next. */
export interface Page<T> {
  readonly data: T[];
  readonly meta: { count: number; next_cursor: string | null; total?: number };
  readonly links: { self: string; next: string | null };
}

export type Layer = Schemas["Dataset"]["layer"];
export type Dataset = Schemas["Dataset"];
export type CatalogObject = Schemas["CatalogObject"];
export type CatalogStats = Schemas["CatalogStats"];
export type DatasetVersion = Schemas["DatasetVersion"];
export type ProvenanceEdge = Schemas["ProvenanceEdge"];
export type ProvenanceNode = Schemas["ProvenanceNode"];
export type ProvenanceGraph = Schemas["ProvenanceGraph"];
export type Run = Schemas["Run"];
export type RunStatus = Schemas["Run"]["status"];
export type ProgressEvent = Schemas["ProgressEvent"];
export type Asset = Schemas["Asset"];
export type AssetDetail = Schemas["AssetDetail"];
export type AssetMaterialization = Schemas["AssetMaterialization"];
export type PlannedMaterializations = Schemas["PlannedMaterializations"];
export type Backup = Schemas["Backup"];
export type ApiKey = Schemas["ApiKey"];
export type AuditEntry = Schemas["AuditEntry"];
/** `GET /v1`: the served entities with their row counts and load times. */
export type ServingIndex = Schemas["ServingIndex"];
export type ExpressionDatasetSummary = Schemas["ExpressionDatasetSummary"];
export type ExpressionDataset = Schemas["ExpressionDataset"];
export type ExpressionCorrelation = Schemas["ExpressionCorrelation"];
export type ExpressionTopCorrelation = Schemas["ExpressionTopCorrelation"];
export type ExpressionVariability = Schemas["ExpressionVariability"];
export type ExpressionAggregates = Schemas["ExpressionAggregates"];
export type Health = ResponseBody<"/health">;

/** A served metadata record (SRA, GEO, BioSample, BioProject, PubMed): its kind, accession and fields. */
export type EntityRecord = ResponseBody<"/v1/sra/studies/{accession}">;

/** A table field as a schema version records it. */
export type SchemaField = Schemas["SchemaField"];
/** `GET /v1/catalog/{id}/schemas`: a table's fields at one version, and what changed from the previous one. */
export type SchemaVersion = Schemas["SchemaVersion"];
/** `GET /v1/layers/promotions`: one promotion, newest first. */
export type Promotion = Schemas["Promotion"];
export type BackupSummary = Schemas["BackupSummary"];
/** `GET /v1/backups/latest` (read scope): the newest succeeded, failed and running backups, without destinations. */
export type BackupStatus = Schemas["BackupStatus"];
/** `GET /v1/me` (public): who the presented API key is, and whether reads need a key at all. */
export type Me = Schemas["Me"];
