import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localUser } from "../src/command-audit.js";
import { runInProcess, type CliResult } from "./support/run-in-process.js";

interface Entry {
  actor_kind: string;
  actor: string;
  origin: string;
  action: string;
  dataset: string | null;
  objects: string[];
  request_id: string;
  outcome: string;
  error_code: string | null;
  details: { command?: string; key_id?: number };
}

// Keys with expiry and the audit entries of writing commands, on the embedded catalog, in this process.
describe("omicslake keys and audit", () => {
  let dir: string;
  const run = (...args: string[]): Promise<CliResult> => runInProcess(dir, args);
  const entries = async (...filters: string[]): Promise<Entry[]> => {
    const result = await run("audit", "--json", ...filters);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { data: Entry[] }).data;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-audit-"));
    expect((await run("init")).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates a key with an expiry and refuses one in the past as a usage error", async () => {
    const created = await run(
      "keys",
      "create",
      "nightly",
      "--scope",
      "read",
      "--expires",
      "2999-01-31",
      "--json",
    );
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(key).toMatchObject({ name: "nightly", scopes: ["read"], expires_at: "2999-01-31T00:00:00.000Z" });
    expect(key["secret"]).toMatch(/^olk_/);

    const past = await run("keys", "create", "late", "--expires", "2001-01-01");
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('"2001-01-01" is not in the future');
    expect((await run("keys", "create", "odd", "--expires", "2999-02-30")).code).toBe(2);

    // A refused command opened no lake and wrote nothing: it has no entry.
    const keyEntries = await entries("--action", "keys");
    expect(keyEntries).toHaveLength(1);
    const [entry] = keyEntries;
    expect(entry).toMatchObject({
      origin: "cli",
      actor_kind: "local_user",
      actor: localUser(process.env),
      action: "keys create",
      outcome: "succeeded",
      details: { key_id: key["id"] },
    });
    expect(entry!.details.command).toBe(
      "omicslake keys create nightly --scope read --expires 2999-01-31 --json",
    );
    expect(JSON.stringify(keyEntries)).not.toContain(String(key["secret"]));
  });

  it("records writes with their dataset and objects, failures with their code, and not reads", async () => {
    await writeFile(join(dir, "a.csv"), "id,x\n1,2\n");
    expect((await run("add", "a.csv", "--dataset", "tables")).code).toBe(0);
    expect((await run("promote", "tables", "--to", "processed")).code).toBe(0);
    expect((await run("delete", "raw:tables")).code).toBe(1); // raw is immutable
    expect((await run("catalog", "ls")).code).toBe(0);
    expect((await run("fsck")).code).toBe(0);

    const all = await entries();
    expect(all.map((e) => [e.action, e.dataset, e.outcome, e.error_code])).toEqual([
      ["delete", "raw:tables", "failed", "raw_immutable"],
      ["promote", "raw:tables", "succeeded", null],
      ["add", "raw:tables", "succeeded", null],
      ["keys create", null, "succeeded", null],
    ]);
    expect(all[2]!.objects).toEqual(["a.csv"]);
    expect(new Set(all.map((e) => e.request_id)).size).toBe(all.length);
    expect(await entries("--outcome", "failed")).toHaveLength(1);
    expect(await entries("--dataset", "raw:tables", "--limit", "1")).toHaveLength(1);
    expect((await run("audit", "--since", "soon")).code).toBe(2);
    // Read as the API reads it: an impossible day is refused rather than rolled over to March 2.
    expect((await run("audit", "--since", "2026-02-30")).code).toBe(2);
  });
});
