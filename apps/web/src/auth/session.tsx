import type { Me } from "@omicslake/contract";
import { createContext, type ComponentChildren, type JSX } from "preact";
import { useCallback, useContext, useEffect, useState } from "preact/hooks";
import { ApiRequestError, apiRequest } from "../api/client.js";
import { toRequestError } from "../api/use-api.js";
import { isRefused, onKeyChange, readKey, refuseKey, writeKey } from "./key-store.js";

/** Who the dashboard acts as: the stored key's name and scopes, or nobody (read-only). */
export interface Session {
  /** Null until the server has answered `GET /v1/me`. */
  readonly me: Me | null;
  /**
   * True while a stored key is being checked with `GET /v1/me` (on load, and after the key changes). Until then
   * the key unlocks nothing, and controls say it is being checked rather than that it is missing.
   */
  readonly checking: boolean;
  /** Why the stored key could not be checked, when the server did not refuse it but failed (down, rate limit). */
  readonly checkError: ApiRequestError | null;
  /** Set when the stored key was refused (revoked, expired): the dashboard is read-only until it is replaced. */
  readonly keyError: ApiRequestError | null;
  readonly canWrite: boolean;
  readonly isAdmin: boolean;
  /** Checks a key with the server and keeps it when it is valid; rejects with the server's refusal. */
  signIn(key: string): Promise<Me>;
  signOut(): void;
  /** Checks the stored key again (after checkError). */
  readonly recheck: () => void;
}

const SessionContext = createContext<Session | null>(null);

function scopesOf(me: Me | null): readonly string[] {
  return me?.key?.scopes ?? [];
}

export function SessionProvider({ children }: { children: ComponentChildren }): JSX.Element {
  const [me, setMe] = useState<Me | null>(null);
  const [keyError, setKeyError] = useState<ApiRequestError | null>(null);
  const [checking, setChecking] = useState(() => readKey() !== null);
  const [checkError, setCheckError] = useState<ApiRequestError | null>(null);
  const [generation, setGeneration] = useState(0);
  const recheck = useCallback(() => {
    // Set with the change itself, not in the effect it triggers: a render between the two would show the
    // previous key's answer (or none) as if it were this key's.
    setChecking(readKey() !== null);
    setCheckError(null);
    setGeneration((n) => n + 1);
  }, []);
  useEffect(() => onKeyChange(recheck), [recheck]);
  useEffect(() => {
    const controller = new AbortController();
    const key = readKey();
    // Already refused (below, or before a reload): read anonymously, and keep saying why.
    const refused = isRefused();
    if (refused)
      setKeyError(
        (previous) =>
          previous ??
          new ApiRequestError(401, "unauthorized", "the server refused it: unknown, revoked or expired"),
      );
    apiRequest<Me>("/v1/me", { signal: controller.signal }).then(
      (answer) => {
        // The key may have changed since (the abort comes only with the next effect, after a paint): an
        // answer about another key must not stand for the current one, nor refuse it.
        if (controller.signal.aborted || readKey() !== key) return;
        setMe(answer);
        setChecking(false);
        setCheckError(null);
        if (!refused) setKeyError(null);
      },
      (error: unknown) => {
        if (controller.signal.aborted || readKey() !== key) return;
        if (error instanceof ApiRequestError && key !== null && error.status === 401) {
          // The stored key no longer works: say so, and carry on read-only without it. Refusing it re-runs
          // this effect (and every page's request) without the key.
          setKeyError(error);
          setChecking(false);
          refuseKey();
          return;
        }
        // Nothing is known of the key: it unlocks nothing, and the failure is named where that matters.
        setMe(null);
        setChecking(false);
        setCheckError(key !== null ? toRequestError(error) : null);
        if (!refused) setKeyError(null);
      },
    );
    return () => controller.abort();
  }, [generation]);
  const scopes = keyError || checkError || checking ? [] : scopesOf(me);
  const session: Session = {
    me,
    checking,
    checkError,
    keyError,
    canWrite: scopes.includes("write") || scopes.includes("admin"),
    isAdmin: scopes.includes("admin"),
    async signIn(key: string) {
      const answer = await apiRequest<Me>("/v1/me", { key });
      writeKey(key);
      return answer;
    },
    signOut() {
      writeKey(null);
    },
    recheck,
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
