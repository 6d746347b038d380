import { ParseError } from "../../src/errors/parse-error.js";

/** Runs `run` and returns the ParseError it rejects with; anything else (or no error) fails the test. */
export async function parseError(run: () => Promise<unknown>): Promise<ParseError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error("expected a ParseError");
}
