import type { JSX } from "preact";
import { useSession } from "../auth/session.js";
import { ErrorState, Loading } from "./states.js";

/**
 * Stands in for a panel only a key's scope unlocks while the stored key is being checked, or when it could not
 * be checked (with a retry): saying "for administrators" then would blame a key that may well be an admin's.
 * Renders nothing otherwise.
 */
export function KeyCheckState(): JSX.Element | null {
  const session = useSession();
  if (session.checking) return <Loading label="Checking the key…" />;
  if (session.checkError) return <ErrorState error={session.checkError} onRetry={session.recheck} />;
  return null;
}
