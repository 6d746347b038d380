import { describe, expect, it } from "vitest";
import { ValidationError } from "@omicslake/core";
import { errorText } from "../error-report.js";
import { terminalText } from "./terminal-text.js";

describe("terminalText", () => {
  it("shows C0 (but tab and newline), DEL, C1 and bidi controls as visible escapes", () => {
    expect(terminalText("a\x1b[31mb\x07c\rd\x7fe\x9b2Jf\u202eg\th\ni\x00")).toBe(
      "a\\x1b[31mb\\x07c\\x0dd\\x7fe\\x9b2Jf\\u202eg\th\ni\\x00",
    );
    expect(terminalText("plain text, IFN-γ.csv")).toBe("plain text, IFN-γ.csv");
  });

  it("redacts secrets in URLs", () => {
    expect(terminalText("GET https://h/e?api_key=sekrit123 answered 500")).toBe(
      "GET https://h/e?api_key=REDACTED answered 500",
    );
  });
});

describe("errorText", () => {
  it("escapes and redacts the message and every cause", () => {
    const cause = new Error("connect to postgres://u:sekrit123@db/lake failed");
    const text = errorText(new ValidationError("bad \x1b[2Jvalue", { cause }), false);
    expect(text).toBe(
      "error [invalid_input]: bad \\x1b[2Jvalue\n  caused by: connect to postgres://u:REDACTED@db/lake failed",
    );
  });
});
