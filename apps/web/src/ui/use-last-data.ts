import { useRef } from "preact/hooks";
import type { Loadable } from "../api/use-api.js";

/**
 * The newest data a Loadable has held, kept while it reloads: a polled view shows its last answer during
 * the next request instead of flashing a loading state every few seconds. Null until the first answer.
 */
export function useLastData<T>(value: Loadable<T>): T | null {
  const last = useRef<T | null>(null);
  if (value.status === "ok") last.current = value.data;
  return last.current;
}
