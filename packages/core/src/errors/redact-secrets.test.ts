import { describe, expect, it } from "vitest";
import {
  REDACTED,
  SECRET_PARAMETER_NAMES,
  redactSecrets,
  redactSecretsDeep,
  redactUrl,
} from "./redact-secrets.js";

describe("redactSecrets", () => {
  it("replaces the value of every secret query parameter, in any case, and keeps its name", () => {
    for (const name of SECRET_PARAMETER_NAMES) {
      for (const spelled of [name, name.toUpperCase()]) {
        const url = `https://h.example/p?db=gds&${spelled}=s3cr3t-value&retmax=5`;
        expect(redactSecrets(url)).toBe(`https://h.example/p?db=gds&${spelled}=${REDACTED}&retmax=5`);
      }
    }
  });

  it("hides the operator's email that E-utilities URLs carry", () => {
    expect(
      redactSecrets(
        "GET https://eutils.example/esearch.fcgi?db=gds&email=alice%40lab.example&tool=omicslake failed",
      ),
    ).toBe(`GET https://eutils.example/esearch.fcgi?db=gds&email=${REDACTED}&tool=omicslake failed`);
    expect(redactSecretsDeep({ email: "alice@lab.example" })).toEqual({ email: REDACTED });
  });

  it("redacts a secret as the first parameter, after &amp;, before a fragment and percent-encoded inside another URL", () => {
    expect(redactUrl("https://h/p?api_key=abc")).toBe(`https://h/p?api_key=${REDACTED}`);
    expect(redactSecrets("<a href='https://h/p?x=1&amp;token=abc'>")).toBe(
      `<a href='https://h/p?x=1&amp;token=${REDACTED}'>`,
    );
    expect(redactSecrets("https://h/p?sig=abc#part")).toBe(`https://h/p?sig=${REDACTED}#part`);
    expect(redactSecrets("https://h/login?next=https%3A%2F%2Fo%2Fq%3Fapi_key%3Dabc%26a%3D1")).toBe(
      `https://h/login?next=https%3A%2F%2Fo%2Fq%3Fapi_key%3D${REDACTED}%26a%3D1`,
    );
    expect(redactUrl(new URL("https://h/p?X-Amz-Signature=ff00&X-Amz-Credential=AK%2F2025"))).toBe(
      `https://h/p?X-Amz-Signature=${REDACTED}&X-Amz-Credential=${REDACTED}`,
    );
  });

  it("keeps the punctuation of the message around a redacted URL", () => {
    expect(redactSecrets("GET https://h/e.fcgi?api_key=sekrit123: no answer within 60000 ms")).toBe(
      `GET https://h/e.fcgi?api_key=${REDACTED}: no answer within 60000 ms`,
    );
    expect(redactSecrets('failed (url "https://h/?token=t0k").')).toBe(
      `failed (url "https://h/?token=${REDACTED}").`,
    );
    expect(redactSecrets("a\nhttps://h/?key=k1\nb")).toBe(`a\nhttps://h/?key=${REDACTED}\nb`);
  });

  it("leaves parameters that only end like a secret name, and text without secrets, alone", () => {
    for (const text of [
      "https://h/p?monkey=1&keys=2&tokens=3&retmax=5",
      "fetched accessions/GSE1.soft → raw/geo/accessions/GSE1.soft (12 bytes)",
      "key = value",
      "",
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it("redacts userinfo passwords in any URL, PostgreSQL connection strings included, and keeps the user", () => {
    expect(redactSecrets("https://alice:pa55@h.example/x")).toBe(`https://alice:${REDACTED}@h.example/x`);
    expect(redactSecrets("cannot connect to postgres://lake:p@ss:w0rd@db:5432/lake?sslmode=require")).toBe(
      `cannot connect to postgres://lake:${REDACTED}@db:5432/lake?sslmode=require`,
    );
    expect(redactSecrets("postgresql://:only@db/lake")).toBe(`postgresql://:${REDACTED}@db/lake`);
    expect(redactSecrets("host=db user=lake password='a b' dbname=x")).toBe(
      `host=db user=lake password=${REDACTED} dbname=x`,
    );
    // A port is not a password, and a user without a password has nothing to hide.
    for (const text of ["http://127.0.0.1:8080/x@y", "postgres://lake@db/lake", "ftp://h:21/"]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});

describe("redactSecretsDeep", () => {
  it("redacts strings at any depth and properties named like secrets, keeping object keys and other values", () => {
    const when = new Date(0);
    const input = {
      url: "https://h/e?api_key=sekrit123",
      api_key: "sekrit123",
      password: "hunter2",
      key: "raw/geo/x.soft",
      nested: [{ reason: "GET https://u:sekrit123@h/ answered 500" }, 3, null, true],
      when,
    };
    const output = redactSecretsDeep(input);
    expect(JSON.stringify(output)).not.toContain("sekrit123");
    expect(JSON.stringify(output)).not.toContain("hunter2");
    expect(output).toEqual({
      url: `https://h/e?api_key=${REDACTED}`,
      api_key: REDACTED,
      password: REDACTED,
      key: "raw/geo/x.soft",
      nested: [{ reason: `GET https://u:${REDACTED}@h/ answered 500` }, 3, null, true],
      when,
    });
    expect(input.api_key).toBe("sekrit123");
  });

  it("applies a rewrite to every string before redacting", () => {
    expect(redactSecretsDeep({ a: ["x"] }, (s) => s.toUpperCase())).toEqual({ a: ["X"] });
  });
});
