import { chmod, lstat, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLake } from "../src/lake/open-lake.js";
import { ingestDataset } from "@omicslake/sources";
import { FakeUpstream } from "@omicslake/core/testing";

/** Every file and directory under `dir` with its permission bits, as `relative path → mode`. */
async function modesUnder(dir: string): Promise<Map<string, { mode: number; directory: boolean }>> {
  const out = new Map<string, { mode: number; directory: boolean }>();
  const visit = async (path: string): Promise<void> => {
    const stats = await lstat(path);
    out.set(relative(dir, path) || ".", { mode: stats.mode & 0o777, directory: stats.isDirectory() });
    if (stats.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(dir);
  return out;
}

const octal = (mode: number): string => `0${mode.toString(8)}`;
// A safety net only: an embedded catalog on disk opens slowly on a loaded machine.
const DISK_CATALOG_TIMEOUT_MS = 240_000;

describe("the lake's local files are private to their owner", () => {
  let base: string;
  let fake: FakeUpstream;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "omicslake-modes-"));
    fake = await FakeUpstream.start();
  });
  afterAll(async () => {
    await fake?.close();
    await rm(base, { recursive: true, force: true });
  });

  for (const umask of [0o000, 0o022]) {
    it(
      `creates directories 0700 and files 0600 (raw objects 0400) under umask ${octal(umask)}`,
      async () => {
        const root = join(base, `umask-${octal(umask)}`, "lake");
        const previous = process.umask(umask);
        try {
          const notices: string[] = [];
          const lake = await openLake(
            {
              root,
              storage: { url: `file://${join(root, "objects")}` },
              database: { pgliteDir: join(root, "catalog") },
            },
            { onNotice: (message) => notices.push(message) },
          );
          try {
            // While the catalog is open its lock file exists: it is private too.
            expect(octal((await stat(`${join(root, "catalog")}.lock`)).mode & 0o777)).toBe("0600");
            const input = join(base, `input-${octal(umask)}.csv`);
            await writeFile(input, "id,x\n1,2\n");
            await lake.addFiles([input], { dataset: "tables" });
            await lake.promote("raw:tables", "processed");
            await lake.putObject("processed:tables", {
              name: "notes/readme.txt",
              body: Readable.from([Buffer.from("hello")]),
            });
            // A download that fails for good leaves its partial file and sidecar for the next ingest to resume.
            fake.setFile(`m${umask}/bioproject.xml`, Buffer.alloc(50_000, 7));
            fake.fault(`m${umask}/bioproject.xml`, { kind: "truncate", afterBytes: 20_000 });
            await expect(
              ingestDataset(
                lake,
                {
                  name: `partial-${umask}`,
                  data: { source: "bioproject", role: "metadata" },
                  source: {
                    kind: "bioproject",
                    url: fake.url(`m${umask}/`),
                    options: { file: "bioproject.xml" },
                  },
                  root,
                },
                { retry: { attempts: 1 } },
              ),
            ).rejects.toMatchObject({ code: "upstream_failed" });
          } finally {
            await lake.close();
          }
          // Nothing was looser before, so there was nothing to report.
          expect(notices).toEqual([]);

          const modes = await modesUnder(root);
          const partials = [...modes.keys()].filter((path) => path.startsWith("downloads/partial/"));
          expect(partials.some((path) => path.endsWith(".json"))).toBe(true);
          expect([...modes.keys()]).toContain("catalog/PG_VERSION");
          expect([...modes.keys()]).toContain("objects/raw/tables/" + `input-${octal(umask)}.csv`);
          const wrong: string[] = [];
          for (const [path, { mode, directory }] of modes) {
            const expected = directory ? 0o700 : path.startsWith("objects/raw/") ? 0o400 : 0o600;
            if (mode !== expected) wrong.push(`${path} is ${octal(mode)}, expected ${octal(expected)}`);
          }
          expect(wrong).toEqual([]);
        } finally {
          process.umask(previous);
        }
      },
      DISK_CATALOG_TIMEOUT_MS,
    );
  }

  it(
    "tightens an existing lake root and catalog that others could read, and says so",
    async () => {
      const root = join(base, "loose", "lake");
      const config = {
        root,
        storage: { url: `file://${join(root, "objects")}` },
        database: { pgliteDir: join(root, "catalog") },
      };
      const first = await openLake(config);
      await first.close();
      // As a release that relied on the umask left it.
      await chmod(root, 0o755);
      await chmod(join(root, "objects"), 0o777);
      await chmod(join(root, "catalog"), 0o755);
      await chmod(join(root, "catalog", "PG_VERSION"), 0o666);
      await chmod(join(root, "catalog", "global"), 0o755);

      const notices: string[] = [];
      const lake = await openLake(config, { onNotice: (message) => notices.push(message) });
      await lake.close();
      expect(notices).toEqual([
        `tightened the permissions of ${root} from 0755 to 0700`,
        `tightened the permissions of ${join(root, "objects")} from 0777 to 0700`,
        `tightened the permissions of ${join(root, "catalog")} from 0755 to 0700`,
        `made 2 files and folders of the catalog in ${join(root, "catalog")} private to their owner`,
      ]);
      const modes = await modesUnder(root);
      expect(octal(modes.get(".")!.mode)).toBe("0700");
      expect(octal(modes.get("catalog/PG_VERSION")!.mode)).toBe("0600");
      expect(octal(modes.get("catalog/global")!.mode)).toBe("0700");
    },
    DISK_CATALOG_TIMEOUT_MS,
  );
});
