import { describe, expect, it } from "vitest";
import { fillPlaceholders, placeholdersOf, splitCommandLine } from "./command-line.js";

describe("splitCommandLine", () => {
  it("splits words and honours quotes and escapes", () => {
    expect(splitCommandLine("fasterq-dump --split-files  -O {output} {accession}")).toEqual([
      "fasterq-dump",
      "--split-files",
      "-O",
      "{output}",
      "{accession}",
    ]);
    expect(splitCommandLine(`sh -c 'printf x > {output}/a' "two words" a\\ b "q\\"x"`)).toEqual([
      "sh",
      "-c",
      "printf x > {output}/a",
      "two words",
      "a b",
      'q"x',
    ]);
    expect(splitCommandLine(`'' x`)).toEqual(["", "x"]);
  });

  it("refuses what needs a shell, and broken quoting", () => {
    expect(splitCommandLine("prefetch {accession} | tee log")).toMatch(/"\|" at character 22 needs a shell/);
    expect(splitCommandLine("prefetch {accession} > log")).toMatch(/">"/);
    expect(splitCommandLine("prefetch $HOME")).toMatch(/"\$"/);
    expect(splitCommandLine(`echo "$HOME"`)).toMatch(/inside double quotes/);
    expect(splitCommandLine("echo 'open")).toMatch(/never closed/);
    expect(splitCommandLine('echo "open')).toMatch(/never closed/);
    expect(splitCommandLine("   ")).toBe("it is empty");
    expect(splitCommandLine("echo \\")).toMatch(/lone backslash/);
  });
});

describe("fillPlaceholders", () => {
  it("fills placeholders inside one argument and keeps literal braces", () => {
    expect(fillPlaceholders("{output}/{accession}_1.fq", { output: "/t d", accession: "SRR1" })).toBe(
      "/t d/SRR1_1.fq",
    );
    expect(fillPlaceholders("{{x}}", {})).toBe("{x}");
    expect(placeholdersOf("a {accession} {{lit}} {output}")).toEqual(["accession", "output"]);
  });
});
