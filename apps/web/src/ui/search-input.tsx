import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * A text input that commits its value on Enter or after a short pause in typing, so a search kept in the
 * URL is not rewritten (and re-fetched) on every keystroke. The committed value from outside (a URL change,
 * "clear filters") replaces what is typed.
 */
export function SearchInput({
  value,
  onCommit,
  delayMs = 400,
  name,
  placeholder,
  type = "text",
  label,
}: {
  value: string;
  onCommit: (value: string) => void;
  delayMs?: number;
  name: string;
  placeholder?: string;
  type?: "text" | "search";
  /** An accessible name, when the input has no visible label around it. */
  label?: string;
}): JSX.Element {
  const [text, setText] = useState(value);
  const timer = useRef<number | undefined>(undefined);
  const commit = useRef(onCommit);
  commit.current = onCommit;
  useEffect(() => setText(value), [value]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <input
      type={type}
      name={name}
      placeholder={placeholder}
      aria-label={label}
      value={text}
      onInput={(event) => {
        const next = event.currentTarget.value;
        setText(next);
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => commit.current(next.trim()), delayMs);
      }}
      onKeyDown={(event) => {
        if (event.key !== "Enter") return;
        window.clearTimeout(timer.current);
        commit.current(event.currentTarget.value.trim());
      }}
    />
  );
}
