import { gzipSync } from "node:zlib";
import tar from "tar-stream";

/** A small taxonomy: Poaceae (4479) with rice and maize, beside Arabidopsis and human; children before parents in places. */
export const NODES_DMP = [
  [39947, 4530, "subspecies"],
  [1, 1, "no rank"],
  [131567, 1, "no rank"],
  [2, 131567, "superkingdom"],
  [2759, 131567, "superkingdom"],
  [33090, 2759, "kingdom"],
  [4530, 4527, "species"],
  [4479, 33090, "family"],
  [4527, 4479, "genus"],
  [4575, 4479, "genus"],
  [4577, 4575, "species"],
  [3700, 33090, "family"],
  [3702, 3700, "species"],
  [9606, 2759, "species"],
]
  .map(([id, parent, rank]) => `${id}\t|\t${parent}\t|\t${rank}\t|\t\t|\t0\t|\n`)
  .join("");
export const POACEAE = [4479, 4527, 4530, 4575, 4577, 39947];

/** A gzipped tar with the given members, as NCBI's taxdump.tar.gz is laid out. */
export async function taxdumpTarGz(members: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(members)) pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}
