import { safeTableName } from "./frame-output.js";

/** A member path as a safe relative output folder: each segment cleaned, `/` kept. */
export function memberKey(path: string): string {
  return (
    path
      .split("/")
      .filter((p) => p !== "" && p !== "." && p !== "..")
      .map(safeTableName)
      .join("/") || "member"
  );
}

/** `key`, or `key_2`, `key_3`… when an earlier member already took it; the key returned is marked used. */
export function uniqueKey(key: string, used: Set<string>): string {
  let k = key;
  for (let i = 2; used.has(k); i++) k = `${key}_${i}`;
  used.add(k);
  return k;
}
