import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The shared NCBI fixtures, found next to the repository (`../shared/fixtures/ncbi` from its root). */
export const NCBI_FIXTURES = resolve(
  fileURLToPath(new URL("../../../../", import.meta.url)),
  "../shared/fixtures/ncbi",
);

/** Why fixture tests are skipped, or undefined when the fixtures are there. */
export const NCBI_FIXTURES_MISSING = existsSync(NCBI_FIXTURES)
  ? undefined
  : `the NCBI fixtures are not at ${NCBI_FIXTURES} (expected ../shared/fixtures/ncbi next to the repository)`;

export function readFixture(name: string): Promise<Buffer> {
  return readFile(join(NCBI_FIXTURES, name));
}

/** A file the fake upstream serves, with the validators it answers with (null: that header is not sent). */
export interface FakeFile {
  readonly body: Buffer;
  readonly etag: string | null;
  readonly lastModified: Date | null;
}

/** A misbehaviour applied to the next request of a path, in order: one fault per request. */
export type Fault =
  | { readonly kind: "status"; readonly status: number; readonly retryAfter?: string }
  /** Wait this long before sending the headers. */
  | { readonly kind: "stall"; readonly ms: number }
  /** Send the headers and `afterBytes` bytes, then stop sending (the connection stays open). */
  | { readonly kind: "stall-body"; readonly afterBytes: number; readonly ms: number }
  /** Send the headers and `afterBytes` bytes, then drop the connection. */
  | { readonly kind: "truncate"; readonly afterBytes: number };

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  /** performance.now() when the request arrived. */
  readonly at: number;
  status: number;
}

/** What esearch answers for one entry type and month (`"GSE 2022/03"`): the uids, in order. */
export type EsearchIndex = Map<string, readonly string[]>;

/** A GEO record as acc.cgi serves it: the record itself (targ=self) and its samples' blocks (targ=gsm). */
export interface GeoRecord {
  readonly self: string;
  readonly gsm?: string;
}

/**
 * A local stand-in for NCBI's servers on 127.0.0.1 and a random port: static files with ETag,
 * Last-Modified, conditional requests and byte ranges (If-Range included); Apache-style HTML directory
 * listings built from the files; E-utilities esearch (JSON, paged) and GEO acc.cgi; and fault injection
 * per path. Every request is logged with its headers and arrival time.
 */
export class FakeUpstream {
  readonly files = new Map<string, FakeFile>();
  readonly faults = new Map<string, Fault[]>();
  readonly requests: RequestLogEntry[] = [];
  readonly esearch: EsearchIndex = new Map();
  readonly geo = new Map<string, GeoRecord>();
  #server: Server;
  #port = 0;
  #sockets = new Set<Socket>();

  private constructor() {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeUpstream> {
    const fake = new FakeUpstream();
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** `http://127.0.0.1:<port>/`, or that URL with `path` appended. */
  url(path = ""): string {
    return `http://127.0.0.1:${this.#port}/${path.replace(/^\//, "")}`;
  }

  /**
   * Serves `body` at `path`. The ETag defaults to a hash of the bytes and Last-Modified to a fixed date
   * (whole seconds, as HTTP dates have); pass null to leave a header out.
   */
  setFile(
    path: string,
    body: Buffer | string,
    options: { etag?: string | null; lastModified?: Date | null } = {},
  ): Buffer {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    const etag =
      options.etag === undefined
        ? `"${createHash("sha1").update(bytes).digest("hex").slice(0, 16)}"`
        : options.etag;
    const lastModified =
      options.lastModified === undefined ? new Date("2025-01-15T08:00:00Z") : options.lastModified;
    this.files.set(normalise(path), { body: bytes, etag, lastModified });
    return bytes;
  }

  body(path: string): Buffer {
    const file = this.files.get(normalise(path));
    if (!file) throw new Error(`the fake upstream serves no ${path}`);
    return file.body;
  }

  /** Queues faults for the next requests of `path` (the URL path, without the query). */
  fault(path: string, ...faults: Fault[]): void {
    const key = normalise(path);
    this.faults.set(key, [...(this.faults.get(key) ?? []), ...faults]);
  }

  requestsTo(path: string): RequestLogEntry[] {
    const key = normalise(path);
    return this.requests.filter((r) => r.path === key);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = normalise(decodeURIComponent(url.pathname));
    const entry: RequestLogEntry = {
      method: req.method ?? "GET",
      path,
      query: url.searchParams,
      headers: req.headers,
      at: performance.now(),
      status: 0,
    };
    this.requests.push(entry);
    const send = (status: number, headers: Record<string, string | number>, body?: Buffer | string): void => {
      entry.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };

    const fault = this.faults.get(path)?.shift();
    if (fault?.kind === "status") {
      send(
        fault.status,
        fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {},
        `injected ${fault.status}`,
      );
      return;
    }
    if (fault?.kind === "stall") await stall(fault.ms, res);
    if (res.destroyed) return;

    let file: FakeFile | undefined;
    if (path.endsWith("/esearch.fcgi")) file = this.#esearch(url.searchParams);
    else if (path.endsWith("/acc.cgi")) file = this.#accCgi(url.searchParams);
    else if (path.endsWith("/") || path === "") file = this.#listing(path);
    else file = this.files.get(path);
    if (!file) {
      send(404, { "content-type": "text/plain" }, `not found: ${path}`);
      return;
    }

    const headers: Record<string, string | number> = {
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
    };
    if (file.etag !== null) headers["etag"] = file.etag;
    if (file.lastModified !== null) headers["last-modified"] = file.lastModified.toUTCString();

    const ifNoneMatch = req.headers["if-none-match"];
    const ifModifiedSince = req.headers["if-modified-since"];
    if (
      (ifNoneMatch !== undefined && file.etag !== null && ifNoneMatch.split(/\s*,\s*/).includes(file.etag)) ||
      (ifNoneMatch === undefined &&
        ifModifiedSince !== undefined &&
        file.lastModified !== null &&
        Date.parse(ifModifiedSince) >= file.lastModified.getTime())
    ) {
      send(304, headers);
      return;
    }

    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers["range"] ?? "");
    const ifRange = req.headers["if-range"];
    const rangeValid =
      ifRange === undefined ||
      ifRange === file.etag ||
      (file.lastModified !== null && ifRange === file.lastModified.toUTCString());
    if (range && rangeValid) {
      start = Number(range[1]);
      if (start >= file.body.length) {
        send(416, { "content-range": `bytes */${file.body.length}` });
        return;
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${file.body.length - 1}/${file.body.length}`;
    }
    const body = file.body.subarray(start);
    headers["content-length"] = body.length;
    entry.status = status;
    res.writeHead(status, headers);

    if (fault?.kind === "truncate" || fault?.kind === "stall-body") {
      res.write(body.subarray(0, fault.afterBytes));
      // Let the client take the bytes in before misbehaving: a web stream that errors drops what it
      // had queued but not yet handed to its reader.
      await sleep(150);
      if (fault.kind === "truncate") {
        res.destroy();
        return;
      }
      await stall(fault.ms, res);
      if (res.destroyed) return;
      res.end(body.subarray(fault.afterBytes));
      return;
    }
    res.end(body);
  }

  /** An Apache-style index of the files and folders directly under `dir`, or undefined when there are none. */
  #listing(dir: string): FakeFile | undefined {
    const children = new Map<string, FakeFile | undefined>();
    for (const [path, file] of this.files) {
      if (!path.startsWith(dir)) continue;
      const rest = path.slice(dir.length);
      const slash = rest.indexOf("/");
      if (slash === -1) children.set(rest, file);
      else children.set(rest.slice(0, slash + 1), undefined);
    }
    if (children.size === 0) return undefined;
    const rows = [...children.keys()].sort().map((name) => {
      const file = children.get(name);
      const date = (file?.lastModified ?? new Date("2025-01-15T08:00:00Z"))
        .toISOString()
        .slice(0, 16)
        .replace("T", " ");
      const size = file ? humanSize(file.body.length) : "-";
      return `<a href="${encodeURI(name)}">${name}</a>${" ".repeat(Math.max(1, 50 - name.length))}${date}  ${size}`;
    });
    const html = `<html>\n<head><title>Index of /${dir}</title></head>\n<body>\n<h1>Index of /${dir}</h1>\n<pre>Name                    Last modified      Size  <hr><a href="../">Parent Directory</a>\n${rows.join("\n")}\n<hr></pre>\n</body></html>\n`;
    return { body: Buffer.from(html), etag: null, lastModified: null };
  }

  #esearch(query: URLSearchParams): FakeFile {
    const term = query.get("term") ?? "";
    const match = /^(\w+)\[ETYP\] AND (\d{4})\/(\d{2})\/01:\d{4}\/\d{2}\/\d{2}\[MDAT\]$/.exec(term);
    const json = (value: unknown): FakeFile => ({
      body: Buffer.from(JSON.stringify(value)),
      etag: null,
      lastModified: null,
    });
    if (!match) return json({ esearchresult: { ERROR: `unsupported term ${term}` } });
    const uids = this.esearch.get(`${match[1]} ${match[2]}/${match[3]}`) ?? [];
    const retstart = Number(query.get("retstart") ?? 0);
    const retmax = Number(query.get("retmax") ?? 20);
    return json({
      header: { type: "esearch", version: "0.3" },
      esearchresult: {
        count: String(uids.length),
        retmax: String(Math.min(retmax, Math.max(0, uids.length - retstart))),
        retstart: String(retstart),
        ...(query.get("usehistory") === "y" ? { querykey: "1", webenv: "MCID_fake_webenv" } : {}),
        idlist: uids.slice(retstart, retstart + retmax),
      },
    });
  }

  #accCgi(query: URLSearchParams): FakeFile | undefined {
    const record = this.geo.get(query.get("acc") ?? "");
    if (!record || query.get("form") !== "text") return undefined;
    const targ = query.get("targ") ?? "self";
    const text =
      targ === "self"
        ? record.self
        : targ === "gsm"
          ? (record.gsm ?? "")
          : `${record.self}${record.gsm ?? ""}`;
    // acc.cgi is dynamic: no ETag, no Last-Modified.
    return { body: Buffer.from(text), etag: null, lastModified: null };
  }
}

function normalise(path: string): string {
  return path.replace(/^\/+/, "");
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}K`;
  return `${(bytes / 1024 / 1024).toFixed(1)}M`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits `ms`, or less if the client hangs up first: a long stall then costs a test nothing once the client has given up. */
function stall(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res.once("close", done);
    function done(): void {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    }
  });
}
