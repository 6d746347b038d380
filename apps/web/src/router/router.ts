import { useEffect, useState } from "preact/hooks";

/**
 * A small History-API router: every page has a real path (`/datasets/4?tab=files`) that can be shared, and
 * the server answers any such path with the app. Query strings hold a page's state (filters, tabs, cursors),
 * so reloading or sharing a URL shows the same view.
 */
const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== "undefined") window.addEventListener("popstate", notify);

export interface NavigateOptions {
  /** Replace the current history entry (filter edits) instead of adding one (moving to another page). */
  readonly replace?: boolean;
}

export function navigate(to: string, options: NavigateOptions = {}): void {
  const current = location.pathname + location.search;
  if (to === current) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  if (!options.replace) window.scrollTo(0, 0);
  notify();
}

export interface Location {
  readonly pathname: string;
  readonly query: URLSearchParams;
}

/** The current location; re-renders the caller on every navigation. */
export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = (): void => setTick((n) => n + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return { pathname: location.pathname, query: new URLSearchParams(location.search) };
}

/**
 * Matches `/datasets/:id` or `/assets/*key` (a rest parameter, which may hold slashes) against a path;
 * returns the decoded parameters, or null.
 */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const parts = pattern.split("/").filter(Boolean);
  const segments = pathname.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.startsWith("*")) {
      const rest = segments.slice(i);
      if (rest.length === 0) return null;
      try {
        params[part.slice(1)] = rest.map(decodeURIComponent).join("/");
      } catch {
        return null;
      }
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return null;
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return null;
      }
    } else if (part !== segment) return null;
  }
  return segments.length === parts.length ? params : null;
}

export type QueryUpdate = Readonly<Record<string, string | number | readonly string[] | null | undefined>>;

/** The URL of the current path with some query parameters set or (null/undefined/"") removed. */
export function withQuery(
  update: QueryUpdate,
  base: URLSearchParams = new URLSearchParams(location.search),
): string {
  const query = new URLSearchParams(base);
  for (const [name, value] of Object.entries(update)) {
    query.delete(name);
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) query.append(name, v);
    else query.set(name, String(value));
  }
  const search = query.toString();
  return location.pathname + (search ? `?${search}` : "");
}

/** Sets query parameters of the current page, replacing the history entry (filters are not pages). */
export function setQuery(update: QueryUpdate, options: NavigateOptions = { replace: true }): void {
  navigate(withQuery(update), options);
}

/** A path with its segments percent-encoded, for links to keys that contain slashes or spaces. */
export function pathOf(...segments: readonly (string | number)[]): string {
  return "/" + segments.map((s) => String(s).split("/").map(encodeURIComponent).join("/")).join("/");
}
