import { AssetError } from "../asset-error.js";
import type { PartitionsDefinition } from "./partitions-definition.js";

/** More time partitions than this is a mistaken `start` (a year 0001, days instead of months), not a plan. */
export const MAX_TIME_PARTITIONS = 100_000;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_PATTERN = /^(\d{4})-(\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * The partition keys of `definition` now, oldest first: a static list as given; a dynamic one as its
 * `keys()` lists it; time partitions from `start` up to the day or month holding `now`, in UTC
 * (`2024-05-17`, `2024-05`), none when `start` is later than now.
 *
 * @example await resolvePartitionKeys({ kind: "time", name: "monthly", unit: "month", start: "2024-01" }, new Date("2024-03-09")) // ["2024-01", "2024-02", "2024-03"]
 */
export async function resolvePartitionKeys(definition: PartitionsDefinition, now: Date): Promise<string[]> {
  switch (definition.kind) {
    case "static":
      return [...definition.keys];
    case "dynamic":
      return [...(await definition.keys())];
    case "time":
      return timePartitionKeys(definition, now);
  }
}

/** Time partition keys, computed without listing: see resolvePartitionKeys. */
export function timePartitionKeys(
  definition: Extract<PartitionsDefinition, { kind: "time" }>,
  now: Date,
): string[] {
  const { unit, start, name } = definition;
  if (unit === "day") {
    const first = parseDay(start, name);
    const last = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const count = first > last ? 0 : Math.round((last - first) / DAY_MS) + 1;
    checkCount(count, definition);
    const keys: string[] = [];
    for (let i = 0; i < count; i++) keys.push(new Date(first + i * DAY_MS).toISOString().slice(0, 10));
    return keys;
  }
  const first = parseMonth(start, name);
  const last = now.getUTCFullYear() * 12 + now.getUTCMonth();
  const count = first > last ? 0 : last - first + 1;
  checkCount(count, definition);
  const keys: string[] = [];
  for (let m = first; m <= last; m++) {
    keys.push(`${String(Math.floor(m / 12)).padStart(4, "0")}-${String((m % 12) + 1).padStart(2, "0")}`);
  }
  return keys;
}

function parseDay(start: string, name: string): number {
  const match = DAY_PATTERN.exec(start);
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  // Date.UTC rolls 2024-02-30 over into March: a real date prints back as itself.
  if (!match || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== start) {
    throw startError(name, start, "YYYY-MM-DD");
  }
  return time;
}

/** Months since year 0, so that consecutive months differ by one. */
function parseMonth(start: string, name: string): number {
  const match = MONTH_PATTERN.exec(start);
  const month = match ? Number(match[2]) : 0;
  if (!match || month < 1 || month > 12) throw startError(name, start, "YYYY-MM");
  return Number(match[1]) * 12 + month - 1;
}

function startError(name: string, start: string, format: string): AssetError {
  return new AssetError(
    "config_error",
    `time partitions "${name}": start ${JSON.stringify(start)} is not a ${format} date`,
    { details: { partitions: name, start }, hint: `Write the first partition as ${format}, in UTC` },
  );
}

function checkCount(count: number, definition: Extract<PartitionsDefinition, { kind: "time" }>): void {
  if (count <= MAX_TIME_PARTITIONS) return;
  throw new AssetError(
    "config_error",
    `time partitions "${definition.name}" from ${definition.start} by ${definition.unit} make ${count} partitions, more than ${MAX_TIME_PARTITIONS}`,
    {
      details: { partitions: definition.name, start: definition.start, unit: definition.unit, count },
      hint: "Start later, or partition by month instead of by day",
    },
  );
}
