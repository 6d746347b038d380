import { AssetError } from "../asset-error.js";
import type { AutomationCondition, DepFilter } from "./automation-condition.js";
import { cronProblem } from "./cron-schedule.js";

type Token =
  | { readonly kind: "name"; readonly text: string; readonly column: number }
  | { readonly kind: "string"; readonly text: string; readonly value: string; readonly column: number }
  | { readonly kind: "punct"; readonly text: "(" | ")" | "[" | "]" | "," | "="; readonly column: number }
  | { readonly kind: "end"; readonly text: ""; readonly column: number };

/** What each condition name accepts: a positional cron expression, and which keyword arguments. */
const SIGNATURES: Readonly<Record<string, { readonly cron: boolean; readonly keywords: readonly string[] }>> =
  {
    eager: { cron: false, keywords: ["ignore", "allow"] },
    on_cron: { cron: true, keywords: ["tz", "ignore", "allow"] },
    on_missing: { cron: false, keywords: ["ignore", "allow"] },
    manual: { cron: false, keywords: [] },
    cron_tick_passed: { cron: true, keywords: ["tz"] },
    any_deps_updated: { cron: false, keywords: ["ignore", "allow"] },
    any_deps_missing: { cron: false, keywords: ["ignore", "allow"] },
    any_deps_in_progress: { cron: false, keywords: ["ignore", "allow"] },
    missing: { cron: false, keywords: [] },
    in_progress: { cron: false, keywords: [] },
  };

const HINT =
  'Conditions: eager, on_cron("0 3 * * *", tz = "UTC"), on_missing, manual, and the building blocks ' +
  'missing, in_progress, cron_tick_passed("…"), any_deps_updated, any_deps_missing, any_deps_in_progress; ' +
  'combine them with and, or, not and parentheses; dependency conditions take ignore = "glob" or ' +
  'allow = ["key", "tag:x"]';

const KEYWORDS = new Set(["and", "or", "not"]);

/**
 * Parses an automation condition as written in the configuration; `where` names the place for errors
 * (`[data.geo] automation`). Example: `parseAutomationCondition('eager(ignore = "pubmed/*")', "[x] automation")`.
 */
export function parseAutomationCondition(text: string, where: string): AutomationCondition {
  return new ConditionParser(text, where).parse();
}

class ConditionParser {
  readonly #text: string;
  readonly #where: string;
  readonly #tokens: Token[];
  #at = 0;

  constructor(text: string, where: string) {
    this.#text = text;
    this.#where = where;
    this.#tokens = this.#tokenize();
  }

  parse(): AutomationCondition {
    if (this.#peek().kind === "end") this.#fail(this.#peek(), "expected a condition");
    const condition = this.#or();
    const rest = this.#peek();
    if (rest.kind !== "end") this.#fail(rest, 'expected "and", "or" or the end of the condition');
    return condition;
  }

  #or(): AutomationCondition {
    const operands = [this.#and()];
    while (this.#isName(this.#peek(), "or")) {
      this.#at++;
      operands.push(this.#and());
    }
    return operands.length === 1 ? (operands[0] as AutomationCondition) : { kind: "or", operands };
  }

  #and(): AutomationCondition {
    const operands = [this.#not()];
    while (this.#isName(this.#peek(), "and")) {
      this.#at++;
      operands.push(this.#not());
    }
    return operands.length === 1 ? (operands[0] as AutomationCondition) : { kind: "and", operands };
  }

  #not(): AutomationCondition {
    if (this.#isName(this.#peek(), "not")) {
      this.#at++;
      return { kind: "not", operand: this.#not() };
    }
    return this.#primary();
  }

  #primary(): AutomationCondition {
    const token = this.#next();
    if (token.kind === "punct" && token.text === "(") {
      const inner = this.#or();
      this.#expect(")");
      return inner;
    }
    if (token.kind !== "name" || KEYWORDS.has(token.text)) this.#fail(token, "expected a condition");
    const signature = SIGNATURES[token.text];
    if (signature === undefined) this.#fail(token, `unknown condition ${JSON.stringify(token.text)}`, false);
    const args = this.#arguments(token.text, signature);
    return this.#build(token, args);
  }

  /** `(…)` after a name, optional when the name needs no cron expression. */
  #arguments(
    name: string,
    signature: { readonly cron: boolean; readonly keywords: readonly string[] },
  ): { cron?: { value: string; token: Token }; keywords: Map<string, { values: string[]; token: Token }> } {
    const keywords = new Map<string, { values: string[]; token: Token }>();
    const open = this.#peek();
    if (!(open.kind === "punct" && open.text === "(")) {
      if (signature.cron) this.#fail(open, `expected "(" and a cron expression after ${name}`);
      return { keywords };
    }
    this.#at++;
    let cron: { value: string; token: Token } | undefined;
    if (signature.cron) {
      const token = this.#next();
      if (token.kind !== "string")
        this.#fail(token, `expected a quoted cron expression as the first argument of ${name}`);
      cron = { value: token.value, token };
    }
    let first = !signature.cron;
    for (;;) {
      const token = this.#peek();
      if (token.kind === "punct" && token.text === ")") break;
      if (!first) {
        if (!(token.kind === "punct" && token.text === ",")) this.#fail(token, 'expected "," or ")"');
        this.#at++;
      }
      first = false;
      const key = this.#next();
      const allowed = signature.keywords;
      if (key.kind !== "name" || !allowed.includes(key.text)) {
        const what = allowed.length === 0 ? "no arguments" : allowed.map((k) => `${k} =`).join(", ");
        this.#fail(key, `expected ${what} in ${name}(…)`);
      }
      if (keywords.has(key.text)) this.#fail(key, `${key.text} is given twice in ${name}(…)`, false);
      this.#expect("=");
      keywords.set(key.text, { values: this.#value(key.text), token: key });
    }
    this.#expect(")");
    return cron === undefined ? { keywords } : { cron, keywords };
  }

  /** A quoted string, or (for selections) a bracketed list of them. */
  #value(keyword: string): string[] {
    const token = this.#next();
    if (token.kind === "string") return [token.value];
    if (keyword === "tz") this.#fail(token, "expected a quoted time zone name");
    if (!(token.kind === "punct" && token.text === "["))
      this.#fail(token, `expected a quoted selection or a list ["a/*", "tag:x"] after ${keyword} =`);
    const values: string[] = [];
    for (;;) {
      const item = this.#next();
      if (item.kind !== "string") this.#fail(item, "expected a quoted selection");
      values.push(item.value);
      const after = this.#next();
      if (after.kind === "punct" && after.text === "]") return values;
      if (!(after.kind === "punct" && after.text === ",")) this.#fail(after, 'expected "," or "]"');
    }
  }

  #build(
    name: Token,
    args: {
      cron?: { value: string; token: Token };
      keywords: Map<string, { values: string[]; token: Token }>;
    },
  ): AutomationCondition {
    const ignore = args.keywords.get("ignore")?.values;
    const allow = args.keywords.get("allow")?.values;
    for (const [key, { values, token }] of args.keywords) {
      if (key !== "tz" && values.some((v) => v.trim() === ""))
        this.#fail(token, `${key} = expected non-empty selections`, false);
    }
    const deps: DepFilter | undefined =
      ignore === undefined && allow === undefined
        ? undefined
        : { ...(ignore === undefined ? {} : { ignore }), ...(allow === undefined ? {} : { allow }) };
    const withDeps = <T extends object>(condition: T): T & { deps?: DepFilter } =>
      deps === undefined ? condition : { ...condition, deps };
    switch (name.text) {
      case "eager":
      case "on_missing":
      case "any_deps_updated":
      case "any_deps_missing":
      case "any_deps_in_progress":
        return withDeps({ kind: name.text });
      case "manual":
      case "missing":
      case "in_progress":
        return { kind: name.text };
      case "on_cron":
      case "cron_tick_passed": {
        const cron = args.cron as { value: string; token: Token };
        const tz = args.keywords.get("tz");
        const timezone = tz?.values[0];
        const problem = cronProblem(cron.value, timezone);
        if (problem !== undefined)
          this.#fail(problem.startsWith("unknown time zone") && tz ? tz.token : cron.token, problem, false);
        const base = { kind: name.text, cron: cron.value, ...(timezone === undefined ? {} : { timezone }) };
        return name.text === "on_cron" ? withDeps(base) : base;
      }
      default:
        throw new Error(`no builder for condition ${name.text}`);
    }
  }

  #tokenize(): Token[] {
    const tokens: Token[] = [];
    const text = this.#text;
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      const column = i + 1;
      if (c === "(" || c === ")" || c === "[" || c === "]" || c === "," || c === "=") {
        tokens.push({ kind: "punct", text: c, column });
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        let value = "";
        let j = i + 1;
        for (;;) {
          if (j >= text.length)
            this.#fail(
              { kind: "end", text: "", column: text.length + 1 },
              `expected a closing ${c} for the string opened at column ${column}`,
            );
          const d = text[j] as string;
          if (d === c) break;
          if (d === "\\" && j + 1 < text.length) {
            value += text[j + 1] as string;
            j += 2;
            continue;
          }
          value += d;
          j++;
        }
        tokens.push({ kind: "string", text: text.slice(i, j + 1), value, column });
        i = j + 1;
        continue;
      }
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
      if (name === undefined)
        this.#fail({ kind: "end", text: "", column }, `unexpected character ${JSON.stringify(c)}`, false);
      tokens.push({ kind: "name", text: name, column });
      i += name.length;
    }
    tokens.push({ kind: "end", text: "", column: text.length + 1 });
    return tokens;
  }

  #peek(): Token {
    return this.#tokens[this.#at] as Token;
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== "end") this.#at++;
    return token;
  }

  #isName(token: Token, name: string): boolean {
    return token.kind === "name" && token.text === name;
  }

  #expect(text: ")" | "=" | "]"): void {
    const token = this.#next();
    if (!(token.kind === "punct" && token.text === text))
      this.#fail(token, `expected ${JSON.stringify(text)}`);
  }

  /** `what` is what was expected (`expected ")"`) or what is wrong; `got` adds the token found there. */
  #fail(token: Token, what: string, got = true): never {
    const found = token.kind === "end" ? "the end of the condition" : JSON.stringify(token.text);
    const message = `${this.#where}: ${what} at column ${token.column}${got ? `, got ${found}` : ""}`;
    throw new AssetError("config_error", message, {
      details: { where: this.#where, column: token.column, condition: this.#text },
      hint: HINT,
    });
  }
}
