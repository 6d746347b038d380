import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensurePrivateDir, tightenTree } from "./private-files.js";

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;

describe("private directories", () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "omicslake-private-"));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("creates missing folders 0700, parents included, without a notice", async () => {
    const previous = process.umask(0);
    try {
      const notices: string[] = [];
      await ensurePrivateDir(join(base, "a", "b"), (m) => notices.push(m));
      expect(await modeOf(join(base, "a"))).toBe(0o700);
      expect(await modeOf(join(base, "a", "b"))).toBe(0o700);
      expect(notices).toEqual([]);
    } finally {
      process.umask(previous);
    }
  });

  it("tightens a looser existing folder and says so, but leaves a shared sticky one as it is", async () => {
    const loose = join(base, "loose");
    await mkdir(loose);
    await chmod(loose, 0o775);
    const shared = join(base, "shared");
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const notices: string[] = [];
    await ensurePrivateDir(loose, (m) => notices.push(m));
    await ensurePrivateDir(shared, (m) => notices.push(m));
    expect(await modeOf(loose)).toBe(0o700);
    expect(await modeOf(shared)).toBe(0o1777);
    expect(notices).toEqual([
      `tightened the permissions of ${loose} from 0775 to 0700`,
      `${shared} is usable by other users (mode 0777) and is not the lake's own, so it was left as it is`,
    ]);
  });

  it("removes group and other bits from a whole tree and counts what changed", async () => {
    await mkdir(join(base, "t", "sub"), { recursive: true });
    await writeFile(join(base, "t", "sub", "f"), "x");
    await chmod(join(base, "t", "sub", "f"), 0o666);
    await chmod(join(base, "t", "sub"), 0o755);
    await chmod(join(base, "t"), 0o700);
    expect(await tightenTree(join(base, "t"))).toBe(2);
    expect(await modeOf(join(base, "t", "sub", "f"))).toBe(0o600);
    expect(await modeOf(join(base, "t", "sub"))).toBe(0o700);
    expect(await tightenTree(join(base, "t"))).toBe(0);
  });
});
