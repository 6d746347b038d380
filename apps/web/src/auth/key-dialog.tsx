import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiRequestError } from "../api/client.js";
import { useSession } from "./session.js";

/**
 * Where a user enters an API key (once: it is kept in this browser) or forgets it. The key is checked with
 * the server before it is kept, so a mistyped key is refused here rather than on the first write.
 */
export function KeyDialog({ open, onClose }: { open: boolean; onClose: () => void }): JSX.Element {
  const session = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const key = value.trim();
    if (!key) return;
    setBusy(true);
    setError(null);
    try {
      await session.signIn(key);
      setValue("");
      onClose();
    } catch (caught) {
      setError(
        caught instanceof ApiRequestError && caught.status === 401
          ? "The server refused this key: it is unknown, revoked or expired. An admin creates one with `omicslake keys create NAME --scope write`."
          : caught instanceof Error
            ? caught.message
            : String(caught),
      );
    } finally {
      setBusy(false);
    }
  };
  const key = session.me?.key;
  return (
    <dialog ref={dialog} class="dialog" onClose={onClose} aria-labelledby="key-dialog-title">
      <form method="dialog" onSubmit={(e) => void submit(e)}>
        <h2 id="key-dialog-title">API key</h2>
        {session.keyError && (
          <p class="notice">
            The key stored in this browser was refused ({session.keyError.message}), so the dashboard is
            read-only. Enter another key, or forget it.
          </p>
        )}
        {key ? (
          <p>
            Using key <strong>{key.name}</strong> (<code>{key.prefix}…</code>, scopes {key.scopes.join(", ")}
            ).
          </p>
        ) : (
          <p>
            Without a key the dashboard is read-only. A key with the <code>write</code> scope unlocks
            promotion and materialization; <code>admin</code> also shows backups and the audit log. It is kept
            in this browser only.
          </p>
        )}
        <label class="field">
          <span>{key ? "Replace with another key" : "Key"}</span>
          <input
            type="password"
            autocomplete="off"
            spellcheck={false}
            name="api-key"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            placeholder="olk_…"
          />
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          {(key || session.keyError) && (
            <button
              type="button"
              class="button danger"
              onClick={() => {
                session.signOut();
                onClose();
              }}
            >
              Forget key
            </button>
          )}
          <span class="spacer" />
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy || !value.trim()}>
            {busy ? "Checking…" : "Use key"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
