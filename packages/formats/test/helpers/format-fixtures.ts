import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));

/** The real format fixtures live beside the repository, never in it; tests skip when the folder is absent. */
export const formatFixtures = resolve(repoRoot, "../shared/fixtures/formats");
export const ncbiFixtures = resolve(repoRoot, "../shared/fixtures/ncbi");
export const haveFormatFixtures = existsSync(formatFixtures);
export const formatFixture = (...parts: string[]): string => resolve(formatFixtures, ...parts);
