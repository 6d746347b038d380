import type { Me } from "@omicslake/contract";
import { createContext, type ComponentChildren, type JSX } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import { ApiRequestError, apiRequest } from "../api/client.js";
import { toRequestError } from "../api/use-api.js";
import { isRefused, onKeyChange, refuseKey, storedKey, writeKey } from "./key-store.js";

/** Who the dashboard acts as: the stored key's name and scopes, or nobody (read-only). */
export interface Session {
  /** Null until the server has answered `GET /v1/me`. */
  readonly me: Me | null;
  /** True while `GET /v1/me` for the current key is on its way (at start, and after the key changes). */
  readonly checking: boolean;
  /** Why the last `GET /v1/me` failed, when it was not a refusal of the key (server down, rate limit). */
  readonly checkError: ApiRequestError | null;
  /** Set when the stored key was refused (revoked, expired): the dashboard is read-only until it is replaced. */
  readonly keyError: ApiRequestError | null;
  readonly canWrite: boolean;
  readonly isAdmin: boolean;
  /** Checks a key with the server and keeps it when it is valid; rejects with the server's refusal. */
  signIn(key: string): Promise<Me>;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

function scopesOf(me: Me | null): readonly string[] {
  return me?.key?.scopes ?? [];
}

export function SessionProvider({ children }: { children: ComponentChildren }): JSX.Element {
  const [me, setMe] = useState<Me | null>(null);
  const [keyError, setKeyError] = useState<ApiRequestError | null>(null);
  const [checking, setChecking] = useState(true);
  const [checkError, setCheckError] = useState<ApiRequestError | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => onKeyChange(() => setGeneration((n) => n + 1)), []);
  useEffect(() => {
    const controller = new AbortController();
    const key = storedKey();
    // Already refused (below, or before a reload): read anonymously, and keep saying why.
    const refused = isRefused();
    if (refused)
      setKeyError(
        (previous) =>
          previous ??
          new ApiRequestError(401, "unauthorized", "the server refused it: unknown, revoked or expired"),
      );
    setChecking(true);
    apiRequest<Me>("/v1/me", { signal: controller.signal }).then(
      (answer) => {
        if (controller.signal.aborted) return;
        setMe(answer);
        setChecking(false);
        setCheckError(null);
        if (!refused) setKeyError(null);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setChecking(false);
        const refusedNow =
          error instanceof ApiRequestError && key !== null && !refused && error.status === 401;
        setCheckError(refusedNow ? null : toRequestError(error));
        if (refusedNow) {
          // The stored key no longer works: say so, and carry on read-only without it. Refusing it re-runs
          // this effect (and every page's request) without the key.
          setKeyError(error);
          refuseKey();
        } else if (error instanceof ApiRequestError && !refused) setKeyError(null);
      },
    );
    return () => controller.abort();
  }, [generation]);
  const scopes = keyError ? [] : scopesOf(me);
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
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
