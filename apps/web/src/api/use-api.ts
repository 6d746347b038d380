import { useCallback, useEffect, useState } from "preact/hooks";
import { onKeyChange } from "../auth/key-store.js";
import { ApiRequestError, apiRequest } from "./client.js";

export type Loadable<T> =
  | { readonly status: "loading" }
  | { readonly status: "error"; readonly error: ApiRequestError }
  | { readonly status: "ok"; readonly data: T };

/**
 * Fetches `url` (from apiUrl) and re-fetches when it changes, when `reload()` is called, or when the API
 * key changes; a stale answer never replaces a newer one. `null` fetches nothing (the state stays loading).
 */
export function useApi<T>(url: string | null): Loadable<T> & { reload: () => void } {
  const [state, setState] = useState<Loadable<T>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  useEffect(() => onKeyChange(reload), [reload]);
  useEffect(() => {
    if (url === null) return;
    const controller = new AbortController();
    setState((previous) => (previous.status === "loading" ? previous : { status: "loading" }));
    apiRequest<T>(url, { signal: controller.signal }).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "ok", data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          status: "error",
          error:
            error instanceof ApiRequestError
              ? error
              : new ApiRequestError(0, "client", error instanceof Error ? error.message : String(error)),
        });
      },
    );
    return () => controller.abort();
  }, [url, generation]);
  return { ...state, reload };
}
