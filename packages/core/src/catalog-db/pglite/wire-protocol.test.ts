import { describe, expect, it } from "vitest";
import {
  backendMessage,
  lastReadyStatus,
  namedTarget,
  renameInMessage,
  startupMessageLength,
  typedMessageLength,
} from "./wire-protocol.js";

const prefix = (name: string): string => (name === "" ? "" : `r1_${name}`);
const body = (message: Buffer): string => message.subarray(5).toString("latin1");

describe("catalog socket wire protocol", () => {
  it("renames named statements and portals in Parse, Bind, Describe, Close and Execute, not unnamed ones", () => {
    const parse = backendMessage("P", Buffer.from("stmt\0SELECT $1\0\0\x01\0\0\0\x17", "latin1"));
    expect(body(renameInMessage(parse, prefix))).toBe("r1_stmt\0SELECT $1\0\0\x01\0\0\0\x17");
    const bind = backendMessage("B", Buffer.from("\0stmt\0\0\0\0\0\0\0", "latin1"));
    expect(body(renameInMessage(bind, prefix))).toBe("\0r1_stmt\0\0\0\0\0\0\0");
    const describeStatement = backendMessage("D", Buffer.from("Sstmt\0", "latin1"));
    expect(body(renameInMessage(describeStatement, prefix))).toBe("Sr1_stmt\0");
    const close = backendMessage("C", Buffer.from("Pportal\0", "latin1"));
    expect(namedTarget(renameInMessage(close, prefix))).toEqual({ kind: "P", name: "r1_portal" });
    const execute = backendMessage("E", Buffer.from("\0\0\0\0\0", "latin1"));
    expect(renameInMessage(execute, prefix).equals(execute)).toBe(true);
    // The length field follows the longer names.
    const renamed = renameInMessage(parse, prefix);
    expect(typedMessageLength(renamed)).toBe(renamed.length);
  });

  it("finds the last ReadyForQuery status in a chunk of backend output", () => {
    const output = Buffer.concat([
      backendMessage("C", Buffer.from("BEGIN\0")),
      backendMessage("Z", Buffer.from("T")),
      backendMessage("D", Buffer.from("Z\0\0\0\x05I")), // row data that looks like a ReadyForQuery
    ]);
    expect(lastReadyStatus(output)).toBe("T");
    expect(lastReadyStatus(backendMessage("1"))).toBeUndefined();
  });

  it("waits for a whole message and refuses impossible lengths", () => {
    const message = backendMessage("Q", Buffer.from("SELECT 1\0"));
    expect(typedMessageLength(message.subarray(0, 7))).toBe(0);
    expect(typedMessageLength(Buffer.concat([message, Buffer.from("X")]))).toBe(message.length);
    expect(() => typedMessageLength(Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff]))).toThrow(/invalid/);
    expect(() => startupMessageLength(Buffer.from([0, 0, 0, 2, 0, 0, 0, 0]))).toThrow(/invalid/);
  });
});
