import { CronExpressionParser } from "cron-parser";

/** The time zone a cron expression is read in when none is given. */
export const DEFAULT_CRON_TIMEZONE = "UTC";

const PREDEFINED = new Set([
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@hourly",
  "@weekdays",
  "@weekends",
]);

/**
 * Why `expression` (read in `timezone`) cannot schedule anything, or `undefined` when it can. cron-parser
 * reads some malformed text (`* * *`, a word) as a schedule of its own, so the field count is checked here.
 */
export function cronProblem(expression: string, timezone: string | undefined): string | undefined {
  if (timezone !== undefined && !isTimeZone(timezone))
    return `unknown time zone ${JSON.stringify(timezone)} (use an IANA name such as "Europe/Paris" or "UTC")`;
  const text = expression.trim();
  const fields = text.split(/\s+/);
  if (!(PREDEFINED.has(text) || fields.length === 5 || fields.length === 6))
    return `cron expression ${JSON.stringify(expression)} has ${fields.length} field(s); expected 5 (minute hour day-of-month month day-of-week), or 6 with seconds first`;
  try {
    // Both directions: an expression that parses but never fires (30 February) fails here, not in the daemon.
    const schedule = CronExpressionParser.parse(text, {
      tz: timezone ?? DEFAULT_CRON_TIMEZONE,
      currentDate: new Date(Date.UTC(2024, 0, 1)),
    });
    schedule.next();
    schedule.prev();
  } catch (error) {
    return `cron expression ${JSON.stringify(expression)} is not valid: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The key a cursor records an expression's handled tick under: `<tz>|<expr>`. */
export function cronCursorKey(expression: string, timezone: string | undefined): string {
  return `${timezone ?? DEFAULT_CRON_TIMEZONE}|${expression.trim()}`;
}

export interface CronTicks {
  readonly latest: Date | undefined;
  readonly next: Date | undefined;
}

/**
 * The last answer per expression. cron-parser takes milliseconds per search (more with a time zone), and
 * every evaluation asks again for the same few expressions: while `now` stays between the two ticks of the
 * last answer, the answer is the same.
 */
const recent = new Map<string, CronTicks>();
const RECENT_LIMIT = 512;

/** The latest tick at or before `now`, and the first one after it. */
export function cronTicksAround(expression: string, timezone: string | undefined, now: Date): CronTicks {
  const key = cronCursorKey(expression, timezone);
  const time = now.getTime();
  const hit = recent.get(key);
  if (
    hit?.latest !== undefined &&
    hit.next !== undefined &&
    hit.latest.getTime() <= time &&
    time < hit.next.getTime()
  )
    return hit;
  const options = { tz: timezone ?? DEFAULT_CRON_TIMEZONE };
  // `prev()` is strictly before its start, so a tick falling exactly on `now` needs the start a little later.
  const schedule = CronExpressionParser.parse(expression.trim(), {
    ...options,
    currentDate: new Date(time + 1),
  });
  const latest = attempt(() => schedule.prev().toDate());
  // A second search rather than `next()` after `prev()`: cron-parser's iterator skips ticks when it turns round.
  const next = attempt(() =>
    CronExpressionParser.parse(expression.trim(), { ...options, currentDate: now })
      .next()
      .toDate(),
  );
  const ticks = { latest, next };
  if (recent.size >= RECENT_LIMIT) recent.clear();
  recent.set(key, ticks);
  return ticks;
}

/** cron-parser throws when no tick is found within its search limit (a schedule out of range). */
function attempt(tick: () => Date): Date | undefined {
  try {
    return tick();
  } catch {
    return undefined;
  }
}
