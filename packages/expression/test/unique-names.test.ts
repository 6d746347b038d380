import { describe, expect, it } from "vitest";
import { makeUnique, renameRepeats } from "../src/names/make-unique.js";

describe("makeUnique follows R's make.unique", () => {
  it("gives the examples of R's documentation", () => {
    // ?make.unique: the outputs R 4 prints for these calls.
    expect(makeUnique(["a", "a", "a"])).toEqual(["a", "a.1", "a.2"]);
    expect(makeUnique([...makeUnique(["a", "a"]), "a"])).toEqual(["a", "a.1", "a.2"]);
    expect(makeUnique(["a", "a", "a.2", "a"])).toEqual(["a", "a.1", "a.2", "a.3"]);
    expect(makeUnique(["a", "a"], "_")).toEqual(["a", "a_1"]);
  });

  it("skips a suffix another gene already has, and keeps that gene's name", () => {
    expect(makeUnique(["LYZ", "LYZ", "LYZ.1", "CD3E"])).toEqual(["LYZ", "LYZ.2", "LYZ.1", "CD3E"]);
    // A renamed repeat of "LYZ.1" gets its own suffix; the LYZ repeats never take a name given before.
    expect(makeUnique(["LYZ.1", "LYZ", "LYZ", "LYZ.1"])).toEqual(["LYZ.1", "LYZ", "LYZ.2", "LYZ.1.1"]);
  });

  it("leaves unique names alone and is idempotent", () => {
    expect(makeUnique(["x", "y", "z"])).toEqual(["x", "y", "z"]);
    const once = makeUnique(["g", "g", "g.1", "g", "h", "g.1"]);
    expect(new Set(once).size).toBe(once.length);
    expect(makeUnique(once)).toEqual(once);
  });

  it("on random names: unique, first occurrences and names never repeated unchanged, idempotent", () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pool = ["A", "B", "A.1", "A.2", "B.1", "A.1.1"];
    for (let trial = 0; trial < 300; trial++) {
      const names = Array.from(
        { length: 1 + Math.floor(random() * 10) },
        () => pool[Math.floor(random() * pool.length)]!,
      );
      const unique = makeUnique(names);
      expect(new Set(unique).size).toBe(unique.length);
      names.forEach((name, i) => {
        if (names.indexOf(name) === i) expect(unique[i]).toBe(name);
        else expect(unique[i]!.startsWith(`${name}.`)).toBe(true);
      });
      expect(makeUnique(unique)).toEqual(unique);
    }
  });

  it("renames only from the repeats and the names asked about", () => {
    const asked: string[] = [];
    const renamed = renameRepeats(
      [
        { index: 3, name: "MT" },
        { index: 8, name: "MT" },
        { index: 9, name: "MT" },
      ],
      (candidate) => {
        asked.push(candidate);
        return candidate === "MT" || candidate === "MT.1";
      },
    );
    expect([...renamed.entries()]).toEqual([
      [8, "MT.2"],
      [9, "MT.3"],
    ]);
    expect(asked).toEqual(["MT.1", "MT.2", "MT.3"]);
  });
});
