import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  readTaxidsFile,
  taxonSubtree,
  taxonSubtreeFromTaxdump,
  writeTaxidsFile,
} from "../src/kinds/genbank/taxon-subtree.js";
import { SourceConfigError, UpstreamListingError } from "../src/upstream-error.js";
import { NODES_DMP, POACEAE, taxdumpTarGz } from "./helpers/taxdump.js";

/** The text in chunks of `size` bytes: a reader must not depend on where chunks end. */
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe("taxonSubtree", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-taxa-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds a taxon's subtree whatever the chunk size", async () => {
    for (const size of [1, 2, 3, 7, 64, 100_000]) {
      expect([...(await taxonSubtree(chunked(NODES_DMP, size), 4479))]).toEqual(POACEAE);
    }
    expect([...(await taxonSubtree(chunked(NODES_DMP, 5), 3702))]).toEqual([3702]);
    expect((await taxonSubtree(chunked(NODES_DMP, 64), 1)).length).toBe(14);
    // Windows line ends, and a last line without one.
    const crlf = NODES_DMP.replaceAll("\n", "\r\n").replace(/\r\n$/, "");
    for (const size of [1, 4, 1000]) {
      expect([...(await taxonSubtree(chunked(crlf, size), 4479))]).toEqual(POACEAE);
    }
  });

  it("refuses a taxid the dump does not have, a damaged line and a cycle", async () => {
    await expect(taxonSubtree(chunked(NODES_DMP, 64), 4480)).rejects.toBeInstanceOf(SourceConfigError);
    const damaged = await taxonSubtree(chunked(`${NODES_DMP}12\t|\tx\t|\n`, 8), 4479).catch(
      (e: unknown) => e,
    );
    expect(damaged).toBeInstanceOf(UpstreamListingError);
    expect((damaged as Error).message).toContain("line 15");
    expect((damaged as UpstreamListingError).details).toMatchObject({
      line: 15,
      byteOffset: Buffer.byteLength(NODES_DMP),
    });
    const noParent = await taxonSubtree(chunked(`${NODES_DMP}12\t|\t\t|\tspecies\t|\n`, 3), 4479).catch(
      (e: unknown) => e,
    );
    expect((noParent as UpstreamListingError).details).toMatchObject({ line: 15 });
    const cycle = await taxonSubtree(chunked(`${NODES_DMP}70\t|\t71\t|\n71\t|\t70\t|\n`, 8), 4479).catch(
      (e: unknown) => e,
    );
    expect(cycle).toBeInstanceOf(UpstreamListingError);
    expect((cycle as Error).message).toContain("its own ancestor");
  });

  it("reads nodes.dmp out of a taxdump.tar.gz, and saves and reads back the taxids file", async () => {
    const archive = join(dir, "taxdump.tar.gz");
    await writeFile(archive, await taxdumpTarGz({ "names.dmp": "1\t|\troot\t|\n", "nodes.dmp": NODES_DMP }));
    const ids = await taxonSubtreeFromTaxdump(archive, 4479);
    expect([...ids]).toEqual(POACEAE);
    const file = join(dir, "taxids-4479.txt");
    await writeTaxidsFile(file, ids);
    expect(await readFile(file, "utf8")).toBe(`${POACEAE.join("\n")}\n`);
    const set = await readTaxidsFile(file);
    expect(set.size).toBe(6);
    expect(POACEAE.every((id) => set.has(id))).toBe(true);
    expect([1, 3702, 9606, 4478, 4480, 40000].some((id) => set.has(id))).toBe(false);

    await writeFile(archive, await taxdumpTarGz({ "names.dmp": "x" }));
    await expect(taxonSubtreeFromTaxdump(archive, 4479)).rejects.toThrow(/holds no nodes\.dmp/);
    await writeFile(archive, "not gzip at all");
    await expect(taxonSubtreeFromTaxdump(archive, 4479)).rejects.toBeInstanceOf(UpstreamListingError);
  });
});
