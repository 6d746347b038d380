/**
 * The API key the user entered, kept in this browser's local storage so it is entered once. It is sent only
 * as an `Authorization` header to this origin's API, never in a URL (URLs end up in logs and history).
 */
const STORAGE_KEY = "omicslake.apiKey";
const listeners = new Set<() => void>();

export function readKey(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled (private windows, strict settings): the dashboard then stays read-only.
    return null;
  }
}

export function writeKey(key: string | null): void {
  try {
    if (key === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, key);
  } catch {
    // See readKey.
  }
  for (const listener of listeners) listener();
}

export function onKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

if (typeof window !== "undefined")
  window.addEventListener("storage", (event) => {
    if (event.key === STORAGE_KEY) for (const listener of listeners) listener();
  });
