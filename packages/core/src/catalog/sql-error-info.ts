/** The SQLSTATE and constraint of a database error from either engine (both expose them the same way). */
export function sqlErrorInfo(error: unknown): { code: string; constraint: string | undefined } | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  return { code, constraint: typeof constraint === "string" ? constraint : undefined };
}

export const UNIQUE_VIOLATION = "23505";
export const FOREIGN_KEY_VIOLATION = "23503";

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const info = sqlErrorInfo(error);
  return info?.code === UNIQUE_VIOLATION && info.constraint === constraint;
}
