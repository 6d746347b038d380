/**
 * The server URL as it may appear in messages and logs: user and password removed, so a password given in the
 * URL (`http://user:secret@host:8123`) never reaches an error, a log line or a run record.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    // Not a URL at all: say so without echoing it, since it may still hold a secret.
    return "(an invalid URL)";
  }
}

/** Removes every occurrence of the URL's credentials from a text (a driver message may quote the URL). */
export function scrubSecrets(text: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  let out = text;
  for (const secret of [parsed.password, decodeURIComponent(parsed.password)]) {
    if (secret.length > 0) out = out.split(secret).join("***");
  }
  return out;
}
