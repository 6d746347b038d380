import type { ExpressionService } from "./expression-service.js";

/**
 * The expression service of a long-running process (the server): opened on first use, so a server whose
 * clients never ask for expression data never starts an engine, and closed once on shutdown. An opening
 * that fails (ClickHouse down) is not kept: the next request tries again.
 */
export interface ExpressionProvider {
  service(): Promise<ExpressionService>;
  close(): Promise<void>;
}

/** A provider that opens the service with `open` on first use. */
export function lazyExpressionService(open: () => Promise<ExpressionService>): ExpressionProvider {
  let opening: Promise<ExpressionService> | undefined;
  let closed = false;
  return {
    service() {
      if (closed) return Promise.reject(new Error("the expression service was closed"));
      if (opening === undefined) {
        const attempt = open();
        opening = attempt;
        attempt.catch(() => {
          if (opening === attempt) opening = undefined;
        });
      }
      return opening;
    },
    async close() {
      closed = true;
      const current = opening;
      opening = undefined;
      if (current === undefined) return;
      const service = await current.catch(() => undefined);
      await service?.close();
    },
  };
}
