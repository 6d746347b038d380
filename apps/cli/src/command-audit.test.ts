import { Writable } from "node:stream";
import { CancelledError, NotFoundError, type Lake, type NewAuditEntry } from "@omicslake/core";
import { describe, expect, it } from "vitest";
import { withCliIo } from "./cli-io.js";
import { noteAuditTarget, recordCommandAudit, withCommandAudit } from "./command-audit.js";

/** A lake whose audit log keeps what it is given (or fails), and nothing else. */
function fakeLake(fail = false): { lake: Lake; entries: NewAuditEntry[] } {
  const entries: NewAuditEntry[] = [];
  const record = async (entry: NewAuditEntry): Promise<never> => {
    if (fail) throw new Error("catalog gone");
    entries.push(entry);
    return {} as never;
  };
  return { lake: { catalog: { auditLog: { record } } } as unknown as Lake, entries };
}

async function audited(
  argv: string[],
  error: unknown,
  fail = false,
): Promise<{ entries: NewAuditEntry[]; stderr: string }> {
  const { lake, entries } = fakeLake(fail);
  let stderr = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stderr += chunk.toString("utf8");
      done();
    },
  });
  await withCliIo({ stdout: sink, stderr: sink, cwd: process.cwd(), env: { USER: "x" } }, () =>
    withCommandAudit(argv[0]!, argv, async () => {
      noteAuditTarget({ dataset: "raw:a", objects: ["f.csv"] });
      noteAuditTarget({ details: { n: 1 } });
      await recordCommandAudit(lake, error);
      await recordCommandAudit(lake, error); // once only
    }),
  );
  return { entries, stderr };
}

describe("command audit", () => {
  it("records one entry per command with its outcome and error code", async () => {
    const ok = (await audited(["add", "a.csv"], undefined)).entries;
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({
      origin: "cli",
      actorKind: "local_user",
      action: "add",
      dataset: "raw:a",
      objects: ["f.csv"],
      outcome: "succeeded",
      errorCode: null,
      details: { n: 1, command: "omicslake add a.csv" },
    });
    expect(ok[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const failed = (await audited(["delete", "x"], new NotFoundError("dataset", "x"))).entries[0];
    expect(failed).toMatchObject({ outcome: "failed", errorCode: "not_found" });
    const cancelled = (await audited(["ingest"], new CancelledError("ingest"))).entries[0];
    expect(cancelled).toMatchObject({ outcome: "cancelled", errorCode: "cancelled" });
    expect((await audited(["load"], new Error("bug"))).entries[0]).toMatchObject({ errorCode: "internal" });
  });

  it("keeps secrets out of the command line", async () => {
    const [entry] = (
      await audited(["ingest", "--from", "https://u:hunter2@host/x?api_key=abc123"], undefined)
    ).entries;
    expect(JSON.stringify(entry)).not.toMatch(/hunter2|abc123/);
  });

  it("warns without failing when the entry cannot be written", async () => {
    const { entries, stderr } = await audited(["add"], undefined, true);
    expect(entries).toEqual([]);
    expect(stderr).toContain("the audit entry of this command could not be written: catalog gone");
  });

  it("records nothing for a command that is not audited", async () => {
    const { lake, entries } = fakeLake();
    await recordCommandAudit(lake, undefined);
    expect(entries).toEqual([]);
  });
});
