import type { JSX } from "preact";

const TONES: Readonly<Record<string, string>> = {
  succeeded: "ok",
  fresh: "ok",
  ok: "ok",
  live: "ok",
  running: "info",
  in_progress: "info",
  queued: "info",
  failed: "bad",
  abandoned: "bad",
  error: "bad",
  stale: "warn",
  cancelled: "warn",
  missing: "muted",
  pruned: "muted",
  raw: "layer-raw",
  processed: "layer-processed",
  curated: "layer-curated",
  archive: "layer-archive",
};

/** A status or layer as a small coloured label; the text is always there, colour only reinforces it. */
export function Badge({ value, tone }: { value: string; tone?: string }): JSX.Element {
  return <span class={`badge badge-${tone ?? TONES[value] ?? "muted"}`}>{value.replace(/_/g, " ")}</span>;
}
