import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

/** Count options refused before any lake is opened, with a message that says what a valid value looks like. */
describe("expr count options", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-expr-usage-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("says a negative or fractional count is not a count, naming the flag and the value", async () => {
    for (const [args, flag, value] of [
      [["expr", "corr", "x", "A", "--top", "-3"], "--top", "-3"],
      [["expr", "cv", "x", "--limit", "-5"], "--limit", "-5"],
      [["expr", "cv", "x", "--limit", "2.5"], "--limit", "2.5"],
    ] as const) {
      const result = await runInProcess(dir, args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(
        `${flag} must be a whole number of 0 or more (0, 1, 2, …), got "${value}"`,
      );
    }
  });
});
