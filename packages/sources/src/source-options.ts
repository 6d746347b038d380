import type { SourceListContext } from "./source-adapter.js";
import { SourceConfigError } from "./upstream-error.js";

/**
 * Typed access to a source's `options` table, with the dataset's `options` taking precedence, so a
 * `[data.X]` can narrow what its `[source.Y]` offers (one PubMed source, a dataset of baseline only).
 */
export class SourceOptions {
  readonly #values: Record<string, unknown>;

  constructor(private readonly context: Pick<SourceListContext, "source" | "data">) {
    this.#values = { ...context.source.options, ...context.data.options };
  }

  string(key: string): string | undefined {
    const value = this.#values[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw this.#wrong(key, value, "a string");
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#values[key];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") throw this.#wrong(key, value, "true or false");
    return value;
  }

  positiveInteger(key: string, fallback: number): number {
    const value = this.#values[key];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0)
      throw this.#wrong(key, value, "a positive integer");
    return value;
  }

  /** A list of strings; a single string is accepted as a list of one. */
  strings(key: string, fallback: readonly string[] = []): readonly string[] {
    const value = this.#values[key];
    if (value === undefined) return fallback;
    if (typeof value === "string") return [value];
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
      throw this.#wrong(key, value, "a list of strings");
    return value;
  }

  /** A list drawn from `allowed`. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: readonly T[]): readonly T[] {
    const values = this.strings(key, fallback);
    const bad = values.find((v) => !(allowed as readonly string[]).includes(v));
    if (bad !== undefined) throw this.#wrong(key, bad, `one of ${allowed.join(", ")}`);
    return values as readonly T[];
  }

  #wrong(key: string, value: unknown, expected: string): SourceConfigError {
    return new SourceConfigError(
      `${this.context.source.kind} source option "${key}" is ${JSON.stringify(value)}, expected ${expected}`,
      {
        details: { kind: this.context.source.kind, key, value },
        hint: `Fix "${key}" in the source's or the dataset's options table`,
      },
    );
  }
}
