import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadServing } from "@omicslake/metadata";
import type { Lake } from "@omicslake/core";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HAVE_NCBI_FIXTURES, writeServingParquet } from "@omicslake/metadata/testing";
import { buildServer } from "../src/app.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";
import { rawRequest } from "./http-client.js";

/**
 * The hostile-HTTP sweep: every route and method of the server's own OpenAPI document, without a key
 * and with a write key, fed NUL bytes, bad percent-escapes, over-long values, wrong types, deep JSON,
 * wrong content types and over-limit bodies. Never a 5xx; every non-2xx in the error shape with a
 * request id; and the catalog exactly as it was.
 */

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

const JSON_BODY_LIMIT = 256 * 1024;
const MAX_OBJECT_BYTES = 1024 * 1024;
const LONG = "x".repeat(10_000);
const DEEP = `${"[".repeat(5000)}${"]".repeat(5000)}`;

/** Path and query values, already in URL form. */
const HOSTILE_URL_VALUES = [
  "%00",
  "a%00b",
  "%FF",
  "%",
  "%E2%82",
  "%zz",
  LONG,
  "-1",
  "1.5",
  "99999999999999999999",
  "2023-02-30",
  "..%2F..%2Fetc%2Fpasswd",
];
/** Values for query parameters only (repeats and arrays). */
const HOSTILE_QUERY_EXTRAS = ["a&{name}=b", "%5B%5D"];

/** Benign values for the other path parameters, so each hostile value is tried where it lands. */
const BENIGN_PARAM: Record<string, string> = { id: "raw:sweep", "*": "a.csv", accession: "SRR000001" };

/** A body with every property set to `value(kind)`, by the property's declared JSON type. */
function bodyWith(schema: JsonSchema | undefined, value: (type: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    const type = prop.enum
      ? "enum"
      : Array.isArray(prop.type)
        ? prop.type[0]!
        : (prop.type ?? prop.anyOf?.[0]?.type ?? "string");
    out[name] = value(String(type));
  }
  return out;
}

function jsonBodies(schema: JsonSchema | undefined): { label: string; payload: string; type?: string }[] {
  const nul = "a\u0000b";
  const bodies = [
    {
      label: "NUL strings",
      value: (t: string) =>
        t === "array"
          ? [nul]
          : t === "object"
            ? { [nul]: nul }
            : t === "integer" || t === "number"
              ? nul
              : nul,
    },
    {
      label: "over-long strings",
      value: (t: string) => (t === "array" ? [LONG] : t === "object" ? { [LONG]: LONG } : LONG),
    },
    {
      label: "wrong types",
      value: (t: string) =>
        t === "string" || t === "enum"
          ? 12345
          : t === "array"
            ? "not-an-array"
            : t === "object"
              ? [1, 2]
              : "not-a-number",
    },
    {
      label: "numbers out of range",
      value: (t: string) => (t === "array" ? [1e300] : t === "object" ? { n: -1e300 } : 2 ** 70),
    },
    { label: "deep JSON in every field", value: () => "DEEP" },
  ];
  const out = bodies.map(({ label, value }) => ({
    label,
    payload: JSON.stringify(bodyWith(schema, value)).replaceAll('"DEEP"', DEEP),
  }));
  out.push({ label: "deep JSON document", payload: DEEP });
  out.push({ label: "deep JSON object", payload: `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}` });
  out.push({ label: "invalid JSON", payload: '{"name": "x",' });
  out.push({ label: "empty JSON", payload: "" });
  out.push({
    label: "over-limit body",
    payload: JSON.stringify({ name: "big", description: "y".repeat(JSON_BODY_LIMIT + 10) }),
  });
  return out;
}

interface Snapshot {
  stats: unknown;
  datasets: unknown[];
  runs: number[];
}

async function snapshot(lake: Lake): Promise<Snapshot> {
  const datasets: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.search({ limit: 500, ...(cursor ? { cursor } : {}) });
    for (const d of page.items) {
      const objects = (await lake.listObjects(d.id, { limit: 500 })).items.map((o) => [
        o.name,
        o.size,
        o.sha256,
      ]);
      datasets.push({ ...d, objects });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const runs = (await lake.catalog.listRuns({ limit: 500 })).items.map((r) => r.id);
  return { stats: await lake.stats(), datasets, runs };
}

for (const { engine, skip } of testEngines()) {
  describe.skipIf(skip !== null)(`hostile-HTTP sweep (${engine})${skip ? ` — skipped: ${skip}` : ""}`, () => {
    let test: TestLake;
    let app: FastifyInstance;
    let writeKey: string;
    let spec: OpenApi;

    beforeAll(async () => {
      test = await openTestLake(engine);
      const file = join(test.root, "a.csv");
      await writeFile(file, "gene,value\nCD3E,4\n");
      await test.lake.addFiles([file], { dataset: "sweep", source: "lab", tags: ["t"] });
      await test.lake.promote("raw:sweep", "processed");
      if (HAVE_NCBI_FIXTURES) {
        // With the entity views loaded, hostile values reach the real queries instead of a "not loaded" answer.
        const dir = join(test.root, "curated");
        await mkdir(dir);
        await writeServingParquet(dir, { generated: 3, variant: "v1" });
        await loadServing(test.lake, { curatedDir: dir });
      }
      writeKey = (await test.lake.catalog.createApiKey("sweep", ["write"])).secret;
      app = await buildServer({
        lake: test.lake,
        rateLimit: 0,
        maxObjectBytes: MAX_OBJECT_BYTES,
        jsonBodyLimit: JSON_BODY_LIMIT,
      });
      spec = (await app.inject({ url: "/openapi.json" })).json<OpenApi>();
    });

    afterAll(async () => {
      await app?.close();
      await test?.close();
    });

    it("never answers 5xx, always in the error shape, and changes nothing", async () => {
      const before = await snapshot(test.lake);
      const failures: string[] = [];
      let sent = 0;
      const send = async (label: string, options: InjectOptions): Promise<void> => {
        sent++;
        const res = await app.inject(options);
        const where = `${label} → ${res.statusCode}`;
        // Without fixtures the entity views are never loaded; that documented 503 is the one 5xx allowed.
        const notLoaded = !HAVE_NCBI_FIXTURES && res.statusCode === 503 && res.body.includes('"not_loaded"');
        if (res.statusCode >= 500 && !notLoaded) failures.push(`${where}: ${res.body.slice(0, 200)}`);
        if (res.statusCode >= 400) {
          let body:
            { error?: { code?: unknown; message?: unknown; details?: { request_id?: unknown } } } | undefined;
          try {
            body = res.json();
          } catch {
            body = undefined;
          }
          const e = body?.error;
          if (
            typeof e?.code !== "string" ||
            typeof e.message !== "string" ||
            typeof e.details !== "object" ||
            typeof e.details.request_id !== "string"
          ) {
            failures.push(`${where}: not the error shape: ${res.body.slice(0, 200)}`);
          } else if (res.headers["x-request-id"] !== e.details.request_id) {
            failures.push(
              `${where}: request id ${String(res.headers["x-request-id"])} ≠ ${String(e.details.request_id)}`,
            );
          }
        }
      };

      for (const [template, operations] of Object.entries(spec.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const verb = method.toUpperCase() as InjectOptions["method"];
          const isWrite = verb !== "GET";
          const keys: (string | undefined)[] = isWrite ? [undefined, writeKey] : [undefined];
          const pathParams = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
          const queryParams = (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
          const url = (hostile?: { param: string; value: string }): string =>
            template.replace(/\{([^}]+)\}/g, (_m, name: string) =>
              hostile?.param === name ? hostile.value : (BENIGN_PARAM[name] ?? "x"),
            );
          for (const key of keys) {
            const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
            const who = key ? "with key" : "no key";
            const bodyFor = (): Pick<InjectOptions, "payload" | "headers"> =>
              verb === "PUT"
                ? { payload: "", headers: { ...headers, "content-type": "application/json" } }
                : operation.requestBody
                  ? { payload: "{}", headers: { ...headers, "content-type": "application/json" } }
                  : { headers };
            // Hostile path parameters.
            for (const param of pathParams) {
              for (const value of HOSTILE_URL_VALUES) {
                await send(`${verb} ${template} ${who} ${param}=${value.slice(0, 20)}`, {
                  method: verb,
                  url: url({ param, value }),
                  ...bodyFor(),
                });
              }
            }
            // Hostile query parameters, one at a time.
            for (const name of queryParams) {
              for (const value of [
                ...HOSTILE_URL_VALUES,
                ...HOSTILE_QUERY_EXTRAS.map((v) => v.replace("{name}", name)),
              ]) {
                await send(`${verb} ${template} ${who} ?${name}=${value.slice(0, 20)}`, {
                  method: verb,
                  url: `${url()}?${name}=${value}`,
                  ...bodyFor(),
                });
              }
            }
            if (verb === "PUT") {
              // Uploads: wrong content types, a malformed checksum, an over-limit size. None may store anything.
              for (const type of [
                "application/json",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "not a type",
              ]) {
                await send(`PUT ${template} ${who} content-type ${type}`, {
                  method: "PUT",
                  url: url(),
                  payload: DEEP,
                  headers: { ...headers, "content-type": type },
                });
              }
              await send(`PUT ${template} ${who} bad checksum`, {
                method: "PUT",
                url: url(),
                payload: "bytes",
                headers: {
                  ...headers,
                  "content-type": "application/octet-stream",
                  "x-checksum-sha256": "zzzz",
                },
              });
              await send(`PUT ${template} ${who} over-limit`, {
                method: "PUT",
                url: url(),
                payload: Buffer.alloc(MAX_OBJECT_BYTES + 1),
                headers: { ...headers, "content-type": "application/octet-stream" },
              });
            } else if (operation.requestBody) {
              const schema = operation.requestBody.content["application/json"]?.schema;
              for (const body of jsonBodies(schema)) {
                await send(`${verb} ${template} ${who} ${body.label}`, {
                  method: verb,
                  url: url(),
                  payload: body.payload,
                  headers: { ...headers, "content-type": "application/json" },
                });
              }
              for (const type of [
                "text/plain",
                "application/x-www-form-urlencoded",
                "application/octet-stream",
                "multipart/form-data; boundary=x",
                "not a type",
              ]) {
                await send(`${verb} ${template} ${who} content-type ${type}`, {
                  method: verb,
                  url: url(),
                  payload: '{"name":"ct"}',
                  headers: { ...headers, "content-type": type },
                });
              }
            }
          }
        }
      }
      // Outside any route: a bad escape and a NUL in an unknown path.
      for (const path of ["/%FF", "/v1/%", "/v1/catalog%00", `/${LONG}`])
        await send(`GET ${path.slice(0, 20)}`, { url: path });

      expect(failures.slice(0, 30), `${failures.length} of ${sent} requests failed`).toEqual([]);
      expect(sent).toBeGreaterThan(1000);
      expect(await snapshot(test.lake)).toEqual(before);
    });

    it("answers the reported hostile inputs with the right 4xx and code", async () => {
      const auth = { authorization: `Bearer ${writeKey}` };
      const cases: [string, InjectOptions, number, string][] = [
        ["NUL in a query", { url: "/v1/catalog?q=a%00b" }, 400, "invalid_input"],
        ["NUL in a path", { url: "/v1/catalog/raw:a%00b" }, 400, "invalid_input"],
        ["impossible date", { url: "/v1/sra/runs?published_from=2023-02-30" }, 400, "validation_error"],
        ["bad escape in a path", { url: "/v1/catalog/%FF" }, 400, "bad_request"],
        ["over-long id", { url: `/v1/catalog/${LONG}` }, 414, "uri_too_long"],
        ["over-long run id", { url: `/v1/runs/${"9".repeat(100)}` }, 400, "validation_error"],
        [
          "metadata nested 5,000 deep",
          {
            method: "PATCH",
            url: "/v1/catalog/processed:sweep",
            headers: { ...auth, "content-type": "application/json" },
            payload: `{"metadata":{"a":${DEEP}}}`,
          },
          400,
          "invalid_input",
        ],
        [
          "JSON upload",
          {
            method: "PUT",
            url: "/v1/catalog/processed:sweep/files/x.json",
            headers: { ...auth, "content-type": "application/json" },
            payload: '{"a":1}',
          },
          415,
          "unsupported_media_type",
        ],
      ];
      for (const [label, options, status, code] of cases) {
        const res = await app.inject(options);
        expect(res.statusCode, label).toBe(status);
        expect(res.json<{ error: { code: string } }>().error.code, label).toBe(code);
      }
    });

    it("answers what Node's parser refuses (an over-long URL) in the error shape too", async () => {
      const base = await app.listen({ port: 0, host: "127.0.0.1" });
      const res = await rawRequest(`${base}/v1/catalog/${"x".repeat(20_000)}`);
      expect(res.status).toBe(431);
      const body = JSON.parse(res.body.toString("utf8")) as {
        error: { code: string; details: { request_id: string } };
      };
      expect(body.error.code).toBe("headers_too_large");
      expect(body.error.details.request_id).toBe(res.headers["x-request-id"]);
      expect((await rawRequest(`${base}/health`)).status).toBe(200);
    });
  });
}
