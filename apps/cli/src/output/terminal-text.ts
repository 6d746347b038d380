import { redactSecrets } from "@omicslake/core/errors";
import { cliIo } from "../cli-io.js";

/**
 * Control characters a terminal acts on: C0 except tab and newline (ESC starts colour, cursor and
 * title sequences; CR overwrites a line), DEL, C1 (0x9b is a one-byte CSI), and the Unicode bidi
 * overrides and isolates that reorder what is shown.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text fit for a terminal: every control character shown as a visible escape (`\x1b`, `\u202e`), so a
 * file name or a cell value from an input file can neither colour, move, retitle or clear the
 * terminal nor hide what follows, and secrets in URLs redacted. Newlines and tabs are kept.
 *
 * @example terminalText("bad value \x1b[31mred") // → "bad value \\x1b[31mred"
 */
export function terminalText(text: string): string {
  return redactSecrets(text).replace(CONTROL, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Writes one line of text for people to the run's stderr, made safe by `terminalText`. */
export function writeStderrLine(text: string): void {
  cliIo().stderr.write(`${terminalText(text)}\n`);
}
