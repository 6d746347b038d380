import { describe, expect, it } from "vitest";
import { AssetError } from "../asset-error.js";
import type { AutomationCondition } from "./automation-condition.js";
import { formatAutomationCondition } from "./format-automation-condition.js";
import { parseAutomationCondition } from "./parse-automation-condition.js";

const WHERE = "[data.geo] automation";
const parse = (text: string): AutomationCondition => parseAutomationCondition(text, WHERE);

function failure(text: string): AssetError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof AssetError) return error;
    throw error;
  }
  throw new Error(`${text} parsed`);
}

describe("parseAutomationCondition", () => {
  it("reads every condition name, with and without arguments", () => {
    expect(parse("eager")).toEqual({ kind: "eager" });
    expect(parse("eager()")).toEqual({ kind: "eager" });
    expect(parse("manual")).toEqual({ kind: "manual" });
    expect(parse("on_missing")).toEqual({ kind: "on_missing" });
    expect(parse("missing")).toEqual({ kind: "missing" });
    expect(parse("in_progress")).toEqual({ kind: "in_progress" });
    expect(parse("any_deps_updated")).toEqual({ kind: "any_deps_updated" });
    expect(parse("any_deps_missing")).toEqual({ kind: "any_deps_missing" });
    expect(parse("any_deps_in_progress")).toEqual({ kind: "any_deps_in_progress" });
    expect(parse('on_cron("0 3 * * *")')).toEqual({ kind: "on_cron", cron: "0 3 * * *" });
    expect(parse('on_cron("0 3 * * *", tz = "Europe/Paris")')).toEqual({
      kind: "on_cron",
      cron: "0 3 * * *",
      timezone: "Europe/Paris",
    });
    expect(parse("cron_tick_passed('@daily')")).toEqual({ kind: "cron_tick_passed", cron: "@daily" });
  });

  it("reads ignore and allow as one selection or a list", () => {
    expect(parse('eager(ignore = "pubmed/*")')).toEqual({ kind: "eager", deps: { ignore: ["pubmed/*"] } });
    expect(parse('any_deps_updated(ignore = ["a/*", "tag:x"], allow = "b")')).toEqual({
      kind: "any_deps_updated",
      deps: { ignore: ["a/*", "tag:x"], allow: ["b"] },
    });
    expect(parse('on_cron("0 3 * * *", tz = "UTC", allow = ["geo/raw"])')).toEqual({
      kind: "on_cron",
      cron: "0 3 * * *",
      timezone: "UTC",
      deps: { allow: ["geo/raw"] },
    });
  });

  it("gives not precedence over and, and and over or", () => {
    expect(parse("missing or not in_progress and eager")).toEqual({
      kind: "or",
      operands: [
        { kind: "missing" },
        { kind: "and", operands: [{ kind: "not", operand: { kind: "in_progress" } }, { kind: "eager" }] },
      ],
    });
    expect(parse("(missing or in_progress) and not (eager or manual)")).toEqual({
      kind: "and",
      operands: [
        { kind: "or", operands: [{ kind: "missing" }, { kind: "in_progress" }] },
        { kind: "not", operand: { kind: "or", operands: [{ kind: "eager" }, { kind: "manual" }] } },
      ],
    });
  });

  it("names the place, the column and what was expected", () => {
    const error = failure('on_cron("0 3 * * *" and eager');
    expect(error.code).toBe("config_error");
    expect(error.message).toContain('[data.geo] automation: expected "," or ")" at column 21, got "and"');
    expect(error.details).toMatchObject({ where: WHERE, column: 21 });
    expect(error.hint).toContain("on_missing");

    expect(failure("eager and (missing").message).toContain(
      'expected ")" at column 19, got the end of the condition',
    );
    expect(failure("eagr").message).toContain('unknown condition "eagr" at column 1');
    expect(failure("").message).toContain("expected a condition at column 1");
    expect(failure("eager missing").message).toContain(
      'expected "and", "or" or the end of the condition at column 7, got "missing"',
    );
    expect(failure("on_cron").message).toContain(
      'expected "(" and a cron expression after on_cron at column 8',
    );
    expect(failure('eager(tz = "UTC")').message).toContain(
      "expected ignore =, allow = in eager(…) at column 7",
    );
    expect(failure('missing(ignore = "x")').message).toContain(
      "expected no arguments in missing(…) at column 9",
    );
    expect(failure('eager(ignore = "a", ignore = "b")').message).toContain("ignore is given twice");
    expect(failure("eager(ignore = [])").message).toContain(
      'expected a quoted selection at column 17, got "]"',
    );
    expect(failure('eager(ignore = "a)').message).toContain(
      'expected a closing " for the string opened at column 16',
    );
    expect(failure("eager & missing").message).toContain('unexpected character "&" at column 7');
  });

  it("refuses invalid cron expressions and unknown time zones at parse time", () => {
    const range = failure('on_cron("0 33 * * *")');
    expect(range.message).toContain('cron expression "0 33 * * *" is not valid');
    expect(range.message).toContain("at column 9");
    expect(failure('on_cron("* * *")').message).toContain("has 3 field(s); expected 5");
    expect(failure('cron_tick_passed("daily")').message).toContain("has 1 field(s)");
    expect(failure('on_cron("0 0 30 2 *")').message).toContain('cron expression "0 0 30 2 *" is not valid');
    const zone = failure('on_cron("0 3 * * *", tz = "Mars/Olympus")');
    expect(zone.message).toContain('unknown time zone "Mars/Olympus"');
    expect(zone.message).toContain("at column 22");
  });
});

describe("formatAutomationCondition", () => {
  const texts = [
    "eager",
    "manual",
    'eager(ignore = "pubmed/*")',
    'on_cron("0 3 * * *", tz = "Europe/Paris", ignore = ["a/*", "tag:x"], allow = "b/c")',
    'cron_tick_passed("0 * * * *") and any_deps_updated and not any_deps_in_progress',
    "missing or in_progress and not eager",
    "(missing or in_progress) and not (eager or manual)",
    "(missing and eager) and in_progress",
    "(missing or eager) or in_progress",
    "not not missing",
  ];

  it.each(texts)("round-trips %s", (text) => {
    const parsed = parse(text);
    expect(formatAutomationCondition(parsed)).toBe(text);
    expect(parse(formatAutomationCondition(parsed))).toEqual(parsed);
  });

  it("quotes what needs escaping", () => {
    const condition: AutomationCondition = { kind: "eager", deps: { ignore: ['we"ird\\key'] } };
    expect(parse(formatAutomationCondition(condition))).toEqual(condition);
  });

  it("puts extra spaces and parentheses in canonical form", () => {
    expect(formatAutomationCondition(parse("  ( eager )and((missing))  "))).toBe("eager and missing");
    expect(formatAutomationCondition(parse("eager(ignore=['x'])"))).toBe('eager(ignore = "x")');
  });
});
