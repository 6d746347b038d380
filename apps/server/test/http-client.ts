import { request as httpRequest, type IncomingHttpHeaders } from "node:http";

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** True when the body arrived whole (as long as Content-Length said) and the response ended normally. */
  readonly complete: boolean;
  /** The connection failed before a response head arrived (status is then 0). */
  readonly reset?: boolean;
}

/**
 * One request over a fresh connection with node:http, reporting whether the body completed: `fetch`
 * would only throw on a response cut short, and `inject` has no connection to cut.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? "GET", headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let settled = false;
        const finish = (): void => {
          if (settled) return;
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            complete: res.complete,
          });
        };
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", finish);
        res.on("error", finish);
        res.on("close", finish);
      },
    );
    // A connection cut before the response head is a result to assert on, not a test failure.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET")
        resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false, reset: true });
      else reject(error);
    });
    req.end(options.body);
  });
}
