import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { ClickHouseError, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import type { ClickHouseClient } from "@clickhouse/client";
import { OmicslakeError } from "@omicslake/core";
import { redactUrl, scrubSecrets } from "./clickhouse-url.js";

/** How to reach the server. The URL may carry `user:password@`; it is never written anywhere with them. */
export interface ClickHouseSessionOptions {
  readonly url: string;
  /** How long one request may take before it is given up (ms). */
  readonly requestTimeoutMs?: number;
  /** Server settings sent with every query (`max_memory_usage`, `max_threads`). */
  readonly settings?: Readonly<Record<string, string | number>>;
}

/** Network failures that mean "the server is not there", as opposed to a query the server refused. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ETIMEDOUT",
]);

/** Server error codes of a refused login: unknown user, wrong password, IP not allowed, authentication failed. */
const AUTHENTICATION = new Set(["192", "193", "195", "516"]);

/**
 * The engine's one connection to ClickHouse: queries in, rows out, every failure translated. A server that
 * cannot be reached is `engine_unavailable` naming the URL without credentials; a query the server refuses is
 * a plain Error (a bug in the SQL we wrote), its text scrubbed of the password.
 */
export class ClickHouseSession {
  readonly #client: ClickHouseClient;
  readonly #url: string;
  readonly #shownUrl: string;

  constructor(options: ClickHouseSessionOptions) {
    this.#url = options.url;
    this.#shownUrl = redactUrl(options.url);
    const parsed = new URL(options.url);
    const username = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    parsed.username = "";
    parsed.password = "";
    this.#client = createClient({
      url: parsed.toString(),
      ...(username !== "" ? { username } : {}),
      ...(password !== "" ? { password } : {}),
      request_timeout: options.requestTimeoutMs ?? 300_000,
      // The driver's own logger prints failed requests to the console; errors are reported through ours.
      log: { level: ClickHouseLogLevel.OFF },
      ...(options.settings !== undefined ? { clickhouse_settings: { ...options.settings } } : {}),
    });
  }

  /** The URL as messages show it. */
  get url(): string {
    return this.#shownUrl;
  }

  async command(sql: string, signal?: AbortSignal): Promise<void> {
    await this.#guard(() => this.#client.command({ query: sql, ...sizeOf(sql), ...abortOf(signal) }));
  }

  /** Rows of a small result as plain objects (64-bit integers arrive as text: the caller converts them). */
  async rows(sql: string, signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    return this.#guard(async () => {
      const result = await this.#client.query({
        query: sql,
        format: "JSONEachRow",
        ...sizeOf(sql),
        ...abortOf(signal),
      });
      return result.json<Record<string, unknown>>();
    });
  }

  /** The lines of a TabSeparated result, a block at a time, without holding the result in memory. */
  async *tsvLines(sql: string, signal?: AbortSignal): AsyncGenerator<string[]> {
    const result = await this.#guard(() =>
      this.#client.query({ query: sql, format: "TabSeparated", ...sizeOf(sql), ...abortOf(signal) }),
    );
    const stream = result.stream();
    try {
      for await (const rows of stream as AsyncIterable<{ text: string }[]>) {
        yield rows.map((row) => row.text);
      }
    } catch (error) {
      throw this.#translate(error);
    } finally {
      stream.destroy();
    }
  }

  /** Inserts RowBinary rows produced by `chunks` (each a run of whole rows), streamed to the server. */
  async insertRowBinary(table: string, chunks: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void> {
    await this.#guard(async () => {
      // insert() knows only text formats; exec sends the statement in the URL and the stream as the body.
      const result = await this.#client.exec({
        query: `INSERT INTO ${table} FORMAT RowBinary`,
        values: Readable.from(chunks, { objectMode: false }),
        ...abortOf(signal),
      });
      result.stream.resume();
      await finished(result.stream);
    });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#translate(error);
    }
  }

  #translate(error: unknown): Error {
    if (error instanceof OmicslakeError) return error;
    const message = scrubSecrets(error instanceof Error ? error.message : String(error), this.#url);
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && error.name === "AbortError") return error;
    if (
      serverCode(error, message) === undefined &&
      ((typeof code === "string" && UNREACHABLE.has(code)) || /timeout|socket hang up/i.test(message))
    ) {
      return new OmicslakeError(
        "engine_unavailable",
        `ClickHouse at ${this.#shownUrl} cannot be reached: ${message}`,
        {
          details: { engine: "clickhouse", url: this.#shownUrl },
          hint: "Start the ClickHouse server or correct [expression] url in the configuration",
          // The driver's error is replaced by one carrying only the scrubbed text, so no credential travels on.
          cause: new Error(message),
        },
      );
    }
    if (AUTHENTICATION.has(serverCode(error, message) ?? "")) {
      return new OmicslakeError(
        "engine_unavailable",
        `ClickHouse at ${this.#shownUrl} refused the login: ${message}`,
        {
          details: { engine: "clickhouse", url: this.#shownUrl },
          hint: "Correct the user and password given in [expression] url (or OMICSLAKE__EXPRESSION__URL)",
          cause: new Error(message),
        },
      );
    }
    return new Error(`ClickHouse at ${this.#shownUrl}: ${message}`, { cause: new Error(message) });
  }
}

/** ClickHouse parses at most max_query_size bytes (256 KiB) of a query; long id lists raise it for that query. */
const DEFAULT_MAX_QUERY_SIZE = 262_144;

function sizeOf(sql: string): { clickhouse_settings?: { max_query_size: string } } {
  const bytes = Buffer.byteLength(sql, "utf8");
  return bytes < DEFAULT_MAX_QUERY_SIZE - 1024
    ? {}
    : { clickhouse_settings: { max_query_size: String(bytes + 1024) } };
}

/**
 * The server's error code. The driver parses it from newer servers' messages only; 18.16 writes
 * `Code: 193, e.displayText() = …`, read here.
 */
function serverCode(error: unknown, message: string): string | undefined {
  if (error instanceof ClickHouseError && /^\d+$/.test(error.code)) return error.code;
  return /^Code: (\d+)[,.]/.exec(message)?.[1];
}

function abortOf(signal: AbortSignal | undefined): { abort_signal?: AbortSignal } {
  return signal === undefined ? {} : { abort_signal: signal };
}
