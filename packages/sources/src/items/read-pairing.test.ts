import { describe, expect, it } from "vitest";
import { pairReadFiles, stripMateToken } from "./read-pairing.js";

const pairsOf = (names: string[]) => pairReadFiles(names).pairs.map((p) => [p.mate1, p.mate2, p.stem]);

describe("pairReadFiles", () => {
  it("pairs _1/_2, _R1/_R2 and .1/.2 mates and names the pair without the token", () => {
    expect(pairsOf(["SRR1_1.fastq.gz", "SRR1_2.fastq.gz"])).toEqual([
      ["SRR1_1.fastq.gz", "SRR1_2.fastq.gz", "SRR1.fastq.gz"],
    ]);
    expect(pairsOf(["x_R2.fq", "x_R1.fq"])).toEqual([["x_R1.fq", "x_R2.fq", "x.fq"]]);
    expect(pairsOf(["ACC.1.fq", "ACC.2.fq"])).toEqual([["ACC.1.fq", "ACC.2.fq", "ACC.fq"]]);
    expect(pairsOf(["reads1.fq", "reads2.fq"])).toEqual([["reads1.fq", "reads2.fq", "reads.fq"]]);
  });

  it("leaves near-pairs differing in two characters single", () => {
    const result = pairReadFiles(["a_R1.fq", "b_R2.fq", "x_1.fq.gz", "x_2.fq.bz", "s_13.fq", "s_24.fq"]);
    expect(result.pairs).toEqual([]);
    expect(result.singles).toEqual(["a_R1.fq", "b_R2.fq", "s_13.fq", "s_24.fq", "x_1.fq.gz", "x_2.fq.bz"]);
    expect(result.ambiguous).toEqual([]);
  });

  it("never pairs different extensions, other digits, or different case", () => {
    const result = pairReadFiles(["a_1.fastq.gz", "a_2.fq.gz", "b_1.fq", "b_3.fq", "c_R1.fq", "c_r2.fq"]);
    expect(result.pairs).toEqual([]);
    expect(result.singles).toHaveLength(6);
  });

  it("pairs lowercase r1/r2", () => {
    expect(pairsOf(["c_r1.fq", "c_r2.fq"])).toEqual([["c_r1.fq", "c_r2.fq", "c.fq"]]);
  });

  it("prefers the R mate over a sample number: sample1_R1 pairs with sample1_R2, not sample2_R1", () => {
    const result = pairReadFiles(["sample1_R1.fq", "sample2_R1.fq", "sample1_R2.fq", "sample2_R2.fq"]);
    expect(result.pairs.map((p) => [p.mate1, p.mate2])).toEqual([
      ["sample1_R1.fq", "sample1_R2.fq"],
      ["sample2_R1.fq", "sample2_R2.fq"],
    ]);
    expect(result.singles).toEqual([]);
  });

  it("does not pair two first mates of different samples when their own mates are missing", () => {
    // Both names say R1: they are the first reads of two samples, not one pair.
    const result = pairReadFiles(["sample1_R1.fq", "sample2_R1.fq"]);
    expect(result.pairs).toEqual([]);
    expect(result.singles).toEqual(["sample1_R1.fq", "sample2_R1.fq"]);
  });

  it("pairs lane-split sets of four by their R number, lane by lane", () => {
    const names = [
      "S1_L001_R1_001.fastq.gz",
      "S1_L001_R1_002.fastq.gz",
      "S1_L001_R2_001.fastq.gz",
      "S1_L001_R2_002.fastq.gz",
    ];
    expect(pairsOf(names)).toEqual([
      ["S1_L001_R1_001.fastq.gz", "S1_L001_R2_001.fastq.gz", "S1_L001_001.fastq.gz"],
      ["S1_L001_R1_002.fastq.gz", "S1_L001_R2_002.fastq.gz", "S1_L001_002.fastq.gz"],
    ]);
  });

  it("leaves a lane whose second mate is missing single instead of pairing it with the other lane", () => {
    const result = pairReadFiles(["a_R1_001.fq", "a_R1_002.fq", "a_R2_001.fq"]);
    expect(result.pairs.map((p) => [p.mate1, p.mate2])).toEqual([["a_R1_001.fq", "a_R2_001.fq"]]);
    expect(result.singles).toEqual(["a_R1_002.fq"]);
  });

  it("reports a file with two equally good candidates, and the candidates, instead of guessing", () => {
    const result = pairReadFiles(["x_1_1.fq", "x_1_2.fq", "x_2_1.fq", "other.fq"]);
    expect(result.pairs).toEqual([]);
    expect(result.singles).toEqual(["other.fq"]);
    expect(result.ambiguous.map((a) => a.name)).toEqual(["x_1_1.fq", "x_1_2.fq", "x_2_1.fq"]);
    expect(result.ambiguous[0]!.message).toContain("x_1_2.fq, x_2_1.fq");
  });

  it("reports a square of four candidates as ambiguous", () => {
    const result = pairReadFiles(["x_1_1.fq", "x_1_2.fq", "x_2_1.fq", "x_2_2.fq"]);
    expect(result.ambiguous).toHaveLength(4);
    expect(result.pairs).toEqual([]);
  });

  it("reports a three-way weak ambiguity (a1b1 / a2b1 / a1b2)", () => {
    const result = pairReadFiles(["a1b1", "a2b1", "a1b2"]);
    expect(result.ambiguous.map((a) => a.name)).toEqual(["a1b1", "a1b2", "a2b1"]);
  });

  it("pairs names with spaces and with -- inside", () => {
    expect(pairsOf(["Homo sapiens--SRR9_1.fq", "Homo sapiens--SRR9_2.fq"])).toEqual([
      ["Homo sapiens--SRR9_1.fq", "Homo sapiens--SRR9_2.fq", "Homo sapiens--SRR9.fq"],
    ]);
  });

  it("never takes a digit of a longer number as a mate (_10 / _20, _11 / _12, consecutive runs)", () => {
    const result = pairReadFiles(["s_10.fq", "s_20.fq", "s_11.fq", "s_12.fq", "s_1.fq", "s_2.fq"]);
    expect(result.pairs.map((p) => [p.mate1, p.mate2])).toEqual([["s_1.fq", "s_2.fq"]]);
    expect(result.singles).toEqual(["s_10.fq", "s_11.fq", "s_12.fq", "s_20.fq"]);
    // Single-end runs with neighbouring accessions are two runs, not a pair, and nothing is ambiguous.
    const runs = pairReadFiles(["SRR100001.fastq.gz", "SRR100002.fastq.gz", "SRR100012.fastq.gz"]);
    expect(runs.pairs).toEqual([]);
    expect(runs.ambiguous).toEqual([]);
    expect(runs.singles).toHaveLength(3);
  });

  it("is deterministic whatever the input order", () => {
    const names = ["b_2.fq", "a_1.fq", "c.fq", "b_1.fq", "a_2.fq"];
    const one = pairReadFiles(names);
    const two = pairReadFiles([...names].reverse());
    expect(two).toEqual(one);
    expect(one.pairs.map((p) => p.mate1)).toEqual(["a_1.fq", "b_1.fq"]);
  });
});

describe("stripMateToken", () => {
  it("removes the digit with its R and separator", () => {
    expect(stripMateToken("x_R1_001.fq", 3)).toBe("x_001.fq");
    expect(stripMateToken("SRR1_2.fastq", 5)).toBe("SRR1.fastq");
    expect(stripMateToken("ACC.1.fq", 4)).toBe("ACC.fq");
    expect(stripMateToken("R1.fq", 1)).toBe("R1.fq");
  });
});
