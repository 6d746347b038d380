import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** The real NCBI fixtures live beside the repository, never in it; tests skip when the folder is absent. */
export const fixtures = join(repoRoot, "../shared/fixtures/ncbi");
export const haveFixtures = existsSync(fixtures);
export const fixture = (name: string): string => join(fixtures, name);
