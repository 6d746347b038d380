import { ValidationError } from "../errors/omicslake-error.js";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads an instant as a user writes it: an ISO date (`2027-01-31`, meaning the start of that day, UTC)
 * or date-time (`2027-01-31T18:00`, UTC unless it carries an offset such as `+02:00` or `Z`). Refuses
 * impossible dates (`2027-02-30`, which `new Date` would quietly roll over to March 2) and other text,
 * naming `what` and the value. Offset-less date-times are UTC on purpose: `new Date` reads them in the
 * process's local time zone, so a CLI and a server in different zones would read one value two ways.
 * @example parseInstant("2027-01-31", "since") // 2027-01-31T00:00:00.000Z
 */
export function parseInstant(text: string, what: string): Date {
  const value = text.trim();
  const date = DATE.exec(value);
  const dateTime = date ? null : DATE_TIME.exec(value);
  const parts = date ?? dateTime;
  if (!parts) {
    throw new ValidationError(`${what} "${text}" is not an ISO date or date-time`, {
      details: { [what]: text },
      hint: 'Write a date like "2027-01-31" or a date-time like "2027-01-31T18:00Z"',
    });
  }
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const parsed = date
    ? calendar
    : new Date(value.replace(" ", "T") + (dateTime?.[7] === undefined ? "Z" : ""));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    !Number.isFinite(parsed.getTime())
  ) {
    throw new ValidationError(`${what} "${text}" is not a real date`, { details: { [what]: text } });
  }
  return parsed;
}

/**
 * Reads a key's expiry as parseInstant does, and refuses instants not after `now`, naming the value.
 * @example parseKeyExpiry("2027-01-31", new Date()) // 2027-01-31T00:00:00.000Z
 */
export function parseKeyExpiry(text: string, now: Date): Date {
  const parsed = parseInstant(text, "expiry");
  if (parsed.getTime() <= now.getTime()) {
    throw new ValidationError(`expiry "${text}" is not in the future (now is ${now.toISOString()})`, {
      details: { expires: text, now: now.toISOString() },
      hint: "Give a later date, or leave the expiry out for a key that does not expire",
    });
  }
  return parsed;
}
