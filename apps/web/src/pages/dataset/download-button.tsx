import type { CatalogObject } from "@omicslake/contract";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { readKey } from "../../auth/key-store.js";
import { useSession } from "../../auth/session.js";

/** The object's file name without its folders: what the browser saves it as. */
function fileName(object: CatalogObject): string {
  return object.name.split("/").pop() || object.name;
}

/**
 * Downloads one object. When reads are public a plain link does it (the browser streams the file, and it can
 * be copied or opened in a new tab); when they are not, a link cannot carry the key (it belongs in a header,
 * never a URL), so the file is fetched with the key and saved from memory.
 */
export function DownloadButton({ object }: { object: CatalogObject }): JSX.Element {
  const session = useSession();
  if (session.me?.public_reads === false) return <KeyedDownload object={object} />;
  return (
    <a class="button small" href={object.download_url} download={fileName(object)}>
      Download
    </a>
  );
}

/**
 * The object's bytes, fetched with the key. A connection dropped mid-way (the browser says only "Failed to
 * fetch") is explained: the server cuts a download off when the stored bytes fail their checksum.
 */
async function fetchObject(object: CatalogObject): Promise<Blob> {
  const key = readKey();
  let response: Response;
  try {
    response = await fetch(object.download_url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    if (response.ok) return await response.blob();
  } catch {
    throw new Error(
      "The download was cut off. The server stops a file whose stored bytes fail their checksum (`omicslake fsck` checks); otherwise, try again.",
    );
  }
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  throw new Error(body?.error?.message ?? `The server answered ${response.status}`);
}

/**
 * The bytes pass through the page here, so they are checked against the catalog before being saved: a file
 * that changed in the store (or was cut short) is refused rather than saved under a trusted name. Browsers
 * give SubtleCrypto only to secure contexts (https, localhost); elsewhere the check cannot run.
 */
async function assertChecksum(blob: Blob, object: CatalogObject): Promise<void> {
  if (!globalThis.crypto?.subtle) return;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== object.sha256.toLowerCase())
    throw new Error(
      `Not saved: the downloaded bytes hash to ${hex.slice(0, 12)}…, not the catalog's ${object.sha256.slice(0, 12)}…. Run \`omicslake fsck\` to find out what changed.`,
    );
}

function KeyedDownload({ object }: { object: CatalogObject }): JSX.Element {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const save = async (): Promise<void> => {
    setState({ busy: true, error: null });
    try {
      const blob = await fetchObject(object);
      await assertChecksum(blob, object);
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.download = fileName(object);
      anchor.click();
      // The click has handed the blob to the download by the next task; only then is it safe to free.
      setTimeout(() => URL.revokeObjectURL(url), 0);
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <span class="download">
      <button type="button" class="button small" disabled={state.busy} onClick={() => void save()}>
        {state.busy ? "Downloading…" : "Download"}
      </button>
      {state.error && (
        <span class="form-error" role="alert">
          {state.error}
        </span>
      )}
    </span>
  );
}
