import { describe, expect, it } from "vitest";
import { toPrefixTsQuery } from "./text-query.js";

describe("toPrefixTsQuery", () => {
  it("turns each term into a quoted prefix and requires them all", () => {
    expect(toPrefixTsQuery("breast  cancer")).toBe("'breast':* & 'cancer':*");
    expect(toPrefixTsQuery("GSE2034")).toBe("'GSE2034':*");
  });

  it("quotes operators and quotes typed by the user", () => {
    expect(toPrefixTsQuery("it's a|b")).toBe("'it''s':* & 'a|b':*");
    expect(toPrefixTsQuery("back\\slash")).toBe("'back\\\\slash':*");
  });

  it("drops terms with nothing searchable and returns undefined when none are left", () => {
    expect(toPrefixTsQuery("& | ! tumour")).toBe("'tumour':*");
    expect(toPrefixTsQuery("  & !! ")).toBeUndefined();
    expect(toPrefixTsQuery("")).toBeUndefined();
  });
});
