import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { onKeyChange } from "../auth/key-store.js";
import { ApiRequestError, apiRequest } from "./client.js";

export type Loadable<T> =
  | { readonly status: "loading" }
  | { readonly status: "error"; readonly error: ApiRequestError }
  | { readonly status: "ok"; readonly data: T };

/** Any failure as the error shape the states show: the API's own, or a client-side one. */
export function toRequestError(error: unknown): ApiRequestError {
  return error instanceof ApiRequestError
    ? error
    : new ApiRequestError(0, "client", error instanceof Error ? error.message : String(error));
}

/**
 * Runs `load` and runs it again when `key` changes, when `reload()` is called, or when the API key changes;
 * a stale answer never replaces a newer one (the older load is aborted). `key` names everything `load`
 * depends on; `null` loads nothing (the state stays loading).
 */
export function useLoader<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<T>,
): Loadable<T> & { reload: () => void } {
  const [state, setState] = useState<Loadable<T>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  // `load` is rebuilt on every render: the latest one runs, but only `key` and reloads trigger it.
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => onKeyChange(reload), [reload]);
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    setState((previous) => (previous.status === "loading" ? previous : { status: "loading" }));
    latest.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "ok", data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toRequestError(error) });
      },
    );
    return () => controller.abort();
  }, [key, generation]);
  return { ...state, reload };
}

/** Fetches `url` (from apiUrl): `useLoader` over one API call. */
export function useApi<T>(url: string | null): Loadable<T> & { reload: () => void } {
  return useLoader(url, (signal) => apiRequest<T>(url!, { signal }));
}
