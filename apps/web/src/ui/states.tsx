import type { ComponentChildren, JSX } from "preact";
import type { ApiRequestError } from "../api/client.js";
import type { Loadable } from "../api/use-api.js";
import { useKeyDialog } from "./key-dialog-context.js";

/** What a page shows while its data loads: a labelled placeholder, never a blank area. */
export function Loading({ label = "Loading…" }: { label?: string }): JSX.Element {
  return (
    <div class="state state-loading" role="status" aria-busy="true">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** A list or view with nothing in it: what it would hold, and how to get something there. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }): JSX.Element {
  return (
    <div class="state state-empty">
      <strong>{title}</strong>
      {children && <div class="state-hint">{children}</div>}
    </div>
  );
}

/** A failed call: the server's message and code, and what the user can do about it. */
export function ErrorState({
  error,
  onRetry,
}: {
  error: ApiRequestError;
  onRetry?: () => void;
}): JSX.Element {
  const keyDialog = useKeyDialog();
  return (
    <div class="state state-error" role="alert">
      <strong>{errorTitle(error)}</strong>
      <p>{error.message}</p>
      <p class="muted">
        {error.status > 0 ? `HTTP ${error.status} · ` : ""}
        <code>{error.code}</code>
      </p>
      <div class="state-actions">
        {error.needsKey && (
          <button type="button" class="button primary" onClick={keyDialog.open}>
            Enter an API key
          </button>
        )}
        {onRetry && (
          <button type="button" class="button" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}

/** What kind of failure it is, in words: the message below says the rest. */
function errorTitle(error: ApiRequestError): string {
  if (error.needsKey)
    return error.status === 403 ? "This needs a key with more rights" : "This needs an API key";
  if (error.status === 0)
    return error.code === "network" ? "The server could not be reached" : "Something went wrong";
  if (error.status === 404) return "Not found";
  if (error.status === 429) return "Too many requests: wait a moment and try again";
  if (error.status >= 500) return "The server failed to answer";
  return "The request was refused";
}

/** Renders a Loadable: the loading and error states, or `children(data)` once it is there. */
export function Async<T>({
  value,
  children,
  loading,
}: {
  value: Loadable<T> & { reload?: () => void };
  children: (data: T) => ComponentChildren;
  loading?: string;
}): JSX.Element {
  if (value.status === "loading") return <Loading {...(loading ? { label: loading } : {})} />;
  if (value.status === "error")
    return <ErrorState error={value.error} {...(value.reload ? { onRetry: value.reload } : {})} />;
  return <>{children(value.data)}</>;
}
