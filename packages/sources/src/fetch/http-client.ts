import { LAKE_VERSION, throwIfAborted } from "@omicslake/core";
import { redactSecrets, redactUrl } from "@omicslake/core";
import { UpstreamError } from "../upstream-error.js";
import { RateLimiter, delay } from "./rate-limiter.js";
import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from "./retry-policy.js";

export interface HttpClientOptions {
  /** The fetch to use (tests inject one); the global fetch by default. */
  readonly fetch?: typeof fetch;
  /** Client-side limit on request starts; unlimited when undefined. */
  readonly requestsPerSecond?: number;
  /** Inactivity timeout: the longest wait for the headers or for the next chunk of a body (default 60 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly userAgent?: string;
  /** Jitter source and clock, pinned by tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (event: RetryEvent) => void;
  /** Aborting it ends the request in flight and every later one; nothing is retried after it. */
  readonly signal?: AbortSignal;
}

export interface RetryEvent {
  /** The URL with secret parameters (an API key) redacted: events end up on terminals and in logs. */
  readonly url: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

/** A failure worth another attempt: a 5xx, 429 or 408, a network error, a timeout, a truncated body. */
export class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = "RetryableFailure";
  }
}

/** An answer whose headers arrived; its body is read through `body` (idle-timed) or released with `close`. */
export interface OpenResponse {
  readonly response: Response;
  readonly body: AsyncIterable<Uint8Array>;
  readonly close: () => Promise<void>;
}

/**
 * HTTP for source adapters and the downloader: one rate limiter for every request of an ingest, an
 * inactivity timeout instead of a total one (a 30 GB file may take hours but must never stall), and a
 * retry loop with exponential backoff and jitter that honours Retry-After. Bodies are streamed, never
 * buffered, except for `getText` (listings and search answers).
 */
export class HttpClient {
  readonly timeoutMs: number;
  /** The client-side limit on request starts; undefined: unlimited. */
  readonly requestsPerSecond: number | undefined;
  readonly policy: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #limiter: RateLimiter;
  readonly #userAgent: string;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #signal: AbortSignal | undefined;

  constructor(options: HttpClientOptions = {}) {
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? delay;
    this.#limiter = new RateLimiter(options.requestsPerSecond, this.#sleep);
    this.requestsPerSecond = options.requestsPerSecond;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#userAgent = options.userAgent ?? `omicslake/${LAKE_VERSION}`;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
    this.#signal = options.signal;
  }

  /**
   * One attempt: waits its turn, sends a GET and resolves when the headers arrive. Network errors and
   * timeouts become RetryableFailure; the status is left to the caller (a 206 or 304 may be what it wants).
   */
  async open(url: string, headers: Record<string, string> = {}): Promise<OpenResponse> {
    const shown = redactUrl(url);
    throwIfAborted(this.#signal, `GET ${shown}`);
    await this.#limiter.acquire();
    const controller = new AbortController();
    const timeoutMs = this.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const arm = (what: string): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => controller.abort(new RetryableFailure(`GET ${shown}: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    };
    arm("answer");
    let response: Response;
    try {
      response = await this.#fetch(url, {
        headers: { "user-agent": this.#userAgent, "accept-encoding": "identity", ...headers },
        // The caller's signal cuts a body mid-stream too: a 30 GB download stops at once, its partial kept.
        signal: this.#signal ? AbortSignal.any([controller.signal, this.#signal]) : controller.signal,
        redirect: "follow",
      });
    } catch (error) {
      clearTimeout(timer);
      throw asRetryable(url, error);
    }
    arm("data");
    const stream = response.body;
    let released = false;
    const release = async (): Promise<void> => {
      clearTimeout(timer);
      if (released) return;
      released = true;
      if (stream && !stream.locked) await stream.cancel().catch(() => undefined);
    };
    async function* body(): AsyncGenerator<Uint8Array> {
      if (!stream) {
        clearTimeout(timer);
        return;
      }
      const reader = stream.getReader();
      released = true;
      try {
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (error) {
            throw asRetryable(url, error);
          }
          if (chunk.done) return;
          arm("data");
          yield chunk.value;
        }
      } finally {
        clearTimeout(timer);
        await reader.cancel().catch(() => undefined);
      }
    }
    return { response, body: body(), close: release };
  }

  /**
   * Runs `attempt` until it succeeds, retrying RetryableFailure with backoff; any other error ends it.
   * After the last attempt the failure becomes an UpstreamError naming the URL and the attempts.
   * Every message and event names the URL with its secrets redacted.
   */
  async retrying<T>(url: string, attempt: (n: number) => Promise<T>): Promise<T> {
    const shown = redactUrl(url);
    for (let n = 1; ; n++) {
      try {
        return await attempt(n);
      } catch (error) {
        // A cancelled request looks like a network error; retrying it would undo the cancel.
        if (!(error instanceof RetryableFailure) || this.#signal?.aborted === true) throw error;
        if (n >= this.policy.attempts) {
          throw new UpstreamError(
            `GET ${shown} failed after ${n} attempts: ${redactSecrets(error.message)}`,
            {
              details: {
                url: shown,
                attempts: n,
                ...(error.status !== undefined ? { status: error.status } : {}),
              },
              hint: "The upstream is unavailable or too slow; rerun later (finished files are kept and partial ones resume), or raise the timeout",
              cause: error,
            },
          );
        }
        const delayMs = backoffDelayMs(this.policy, n, this.#random, error.retryAfterMs);
        this.#onRetry?.({ url: shown, attempt: n, delayMs, reason: redactSecrets(error.message) });
        await this.#sleep(delayMs);
      }
    }
  }

  /**
   * A small text resource (a directory listing, a search answer, an MD5 file, a JSON page), retried as a
   * whole. `headers` carry what must not be in the URL (an API key); `tooLargeHint` says what to do when the
   * answer exceeds `maxBytes`.
   */
  async getText(
    url: string,
    maxBytes = 64 * 1024 * 1024,
    options: { readonly headers?: Record<string, string>; readonly tooLargeHint?: string } = {},
  ): Promise<string> {
    return this.retrying(url, async () => {
      const { response, body, close } = await this.open(url, options.headers);
      if (!response.ok) {
        await close();
        throw statusFailure(url, response);
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of body) {
        size += chunk.length;
        if (size > maxBytes) {
          throw new UpstreamError(`GET ${redactUrl(url)}: answer is larger than ${maxBytes} bytes`, {
            details: { url: redactUrl(url), maxBytes },
            hint:
              options.tooLargeHint ??
              "This URL should serve a listing or a search answer; check the source's url",
          });
        }
        chunks.push(chunk);
      }
      const expected = contentLength(response);
      if (expected !== undefined && size !== expected) {
        throw new RetryableFailure(`GET ${redactUrl(url)}: body ended after ${size} of ${expected} bytes`);
      }
      return Buffer.concat(chunks).toString("utf8");
    });
  }
}

/** The error for an unwanted status: retryable (5xx, 429, 408, with Retry-After) or final (UpstreamError). */
export function statusFailure(url: string, response: Response): Error {
  const shown = redactUrl(url);
  if (isRetryableStatus(response.status)) {
    return new RetryableFailure(
      `GET ${shown} answered ${response.status}`,
      response.status,
      parseRetryAfter(response.headers.get("retry-after")),
    );
  }
  return new UpstreamError(`GET ${shown} answered ${response.status} ${response.statusText}`.trimEnd(), {
    details: { url: shown, status: response.status },
    hint:
      response.status === 404
        ? "Check the source's url and the dataset's accessions"
        : "Check the URL and any API key",
  });
}

/** Content-Length as a number, when the server sent a valid one. */
export function contentLength(response: Response): number | undefined {
  const value = response.headers.get("content-length");
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

function asRetryable(url: string, error: unknown): RetryableFailure {
  if (error instanceof RetryableFailure) return error;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  // undici's messages can quote the URL they failed on.
  const message = redactSecrets(cause instanceof Error ? cause.message : String(cause));
  return new RetryableFailure(`GET ${redactUrl(url)}: ${message}`, undefined, undefined, { cause: error });
}
