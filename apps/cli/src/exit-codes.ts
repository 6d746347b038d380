/** Exit codes scripts can rely on. Kept free of imports: the launcher needs them before any command loads. */
export const EXIT_OK = 0;
/** The command failed for a reason the user can act on: bad input, a missing file, a refused operation. */
export const EXIT_FAILURE = 1;
/** The command was called wrongly: unknown option, bad argument. */
export const EXIT_USAGE = 2;
/** A bug in omicslake (sysexits' EX_SOFTWARE): the message asks for a report. */
export const EXIT_BUG = 70;
/** Stopped by Ctrl-C: 128 + SIGINT, as shells report a command the signal ended. */
export const EXIT_CANCELLED = 130;
