/**
 * The API key the user entered, kept in this browser's local storage so it is entered once. It is sent only
 * as an `Authorization` header to this origin's API, never in a URL (URLs end up in logs and history).
 */
const STORAGE_KEY = "omicslake.apiKey";
const listeners = new Set<() => void>();

// Set when the server refused the stored key (unknown, revoked, expired: none of these comes back). The
// key stays stored, so the dashboard can say why it is read-only, but is no longer sent: on a lake with
// public reads every read would otherwise fail with 401 instead of answering as it does without a key.
// Kept beside the key, so a reload or another tab does not send it again; storing a key clears it.
const REFUSED_KEY = "omicslake.apiKeyRefused";

/** The key as stored, refused or not. */
export function storedKey(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled (private windows, strict settings): the dashboard then stays read-only.
    return null;
  }
}

/** The key to send: the stored one unless the server refused it. */
export function readKey(): string | null {
  return isRefused() ? null : storedKey();
}

/** True when the server refused the stored key. */
export function isRefused(): boolean {
  try {
    return localStorage.getItem(REFUSED_KEY) !== null && localStorage.getItem(STORAGE_KEY) !== null;
  } catch {
    return false;
  }
}

/** Stops sending the stored key (the server refused it); everything read with it is read again without. */
export function refuseKey(): void {
  try {
    localStorage.setItem(REFUSED_KEY, "1");
  } catch {
    // See storedKey: nothing is stored, so nothing is sent.
  }
  for (const listener of listeners) listener();
}

export function writeKey(key: string | null): void {
  try {
    localStorage.removeItem(REFUSED_KEY);
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
    if (event.key === STORAGE_KEY || event.key === REFUSED_KEY) for (const listener of listeners) listener();
  });
