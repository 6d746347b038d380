import type { JSX } from "preact";

/** A labelled drop-down filter: "any" (the empty value) first, then the choices. */
export function SelectField({
  label,
  name,
  value,
  choices,
  any,
  onChange,
}: {
  label: string;
  name: string;
  value: string;
  choices: readonly string[];
  /** The label of the empty choice, which means no filter. */
  any: string;
  onChange: (value: string) => void;
}): JSX.Element {
  return (
    <label class="field">
      {label}
      <select name={name} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{any}</option>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}
