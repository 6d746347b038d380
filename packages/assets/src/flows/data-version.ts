import { createHash } from "node:crypto";

/**
 * A data version from the facts that identify some data (object names and sha256s, row counts, the
 * versions read): the same facts in any order give the same version, so a rerun that leaves the data as
 * it was does not count as a change downstream.
 *
 * @example versionOfFacts(objects.map((o) => `${o.name} ${o.sha256}`))
 */
export function versionOfFacts(facts: Iterable<string>): string {
  const hash = createHash("sha256");
  for (const fact of [...facts].sort()) hash.update(`${fact}\n`);
  return hash.digest("hex").slice(0, 32);
}
