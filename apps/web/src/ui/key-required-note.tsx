import type { JSX } from "preact";
import { useSession } from "../auth/session.js";
import { useKeyDialog } from "./key-dialog-context.js";

/**
 * Stands beside a write control the session may not use: says which key scope it needs and offers the key
 * dialog. Renders nothing when the session has that scope.
 */
export function KeyRequiredNote({
  scope,
  action,
  testId,
}: {
  scope: "write" | "admin";
  /** What needs the key, as the start of a sentence: "Materializing", "Starting a backup". */
  action: string;
  testId?: string;
}): JSX.Element | null {
  const session = useSession();
  const keyDialog = useKeyDialog();
  const allowed = scope === "admin" ? session.isAdmin : session.canWrite;
  // Until the server has said who the key is, say nothing rather than flash a wrong note at an admin.
  if (allowed || session.checking || (session.me === null && !session.keyError)) return null;
  const signedIn = Boolean(session.me?.key) && !session.keyError;
  return (
    <span class="readonly-note key-required" data-testid={testId}>
      {action} needs an API key with the {scope} scope
      {signedIn ? "; the current key has only " + (session.canWrite ? "write" : "read") : ""}.{" "}
      <button type="button" class="link-button" onClick={keyDialog.open}>
        {signedIn ? "Use another key" : "Enter a key"}
      </button>
    </span>
  );
}
