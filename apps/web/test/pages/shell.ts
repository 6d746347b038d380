import { expect, it } from "vitest";
import type { Dashboard } from "../support/dashboard-harness.js";

/** The app shell: deep links, navigation, the key button, not-found pages, phone layout. */
export function shellTests(dashboard: () => Dashboard): void {
  it("serves the app at deep links and says it is read-only without a key", async () => {
    const opened = await dashboard().open("/catalog?layer=raw");
    const { page } = opened;
    await page.getByTestId("key-status").waitFor();
    expect(await page.getByTestId("key-status").textContent()).toContain("Read-only");
    await page
      .getByRole("navigation", { name: "sections" })
      .getByRole("link", { name: "Layers", exact: true })
      .click();
    await page.waitForURL(/\/layers$/);
    expect(await page.locator("h1").first().textContent()).toContain("Layers");
    opened.expectNoErrors();
    await opened.close();
  });

  it("keeps an entered key, shows its scope, refuses a bad one and forgets it on request", async () => {
    const opened = await dashboard().open("/");
    const { page } = opened;
    await page.getByTestId("key-status").click();
    await page.locator('input[name="api-key"]').fill("olk_000000000000_not-a-real-key");
    await page.getByRole("button", { name: "Use key" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("refused");
    await page.locator('input[name="api-key"]').fill(dashboard().writeKey);
    await page.getByRole("button", { name: "Use key" }).click();
    await expect.poll(() => page.getByTestId("key-status").textContent()).toContain("e2e-write · write");
    await page.reload();
    await expect.poll(() => page.getByTestId("key-status").textContent()).toContain("e2e-write");
    await page.getByTestId("key-status").click();
    await page.getByRole("button", { name: "Forget key" }).click();
    await expect.poll(() => page.getByTestId("key-status").textContent()).toContain("Read-only");
    // The refused key's 401 is the only error the browser may log.
    opened.expectNoErrors([/status of 401/]);
    await opened.close();
  });

  it("reads without a stored key the server refuses, says why, and lets it be forgotten", async () => {
    const dead = "olk_000000000000_revoked-or-never-known";
    const opened = await dashboard().open("/catalog", { key: dead });
    const { page } = opened;
    await expect.poll(() => page.getByTestId("key-status").textContent()).toContain("Stored key refused");
    await page.getByRole("link", { name: "demo-samples" }).first().waitFor();
    // Once refused, the key is not sent again, not even after a reload.
    const sent: string[] = [];
    page.on("request", (r) => {
      if (r.headers()["authorization"]?.includes(dead)) sent.push(r.url());
    });
    await page.reload();
    await page.getByRole("link", { name: "demo-samples" }).first().waitFor();
    expect(await page.getByTestId("key-status").textContent()).toContain("Stored key refused");
    expect(sent).toEqual([]);
    await page.getByTestId("key-status").click();
    await page.getByRole("button", { name: "Forget key" }).click();
    await expect.poll(() => page.getByTestId("key-status").textContent()).toContain("Read-only");
    // Only the first answer to the dead key is an error.
    opened.expectNoErrors([/status of 401/]);
    await opened.close();
  });

  it("answers an unknown path with a page that says so, and works on a phone-sized screen", async () => {
    const opened = await dashboard().open("/no/such/page", { width: 390, height: 844 });
    const { page } = opened;
    await expect.poll(() => page.locator("h1").textContent()).toBe("Page not found");
    await page.getByRole("button", { name: "menu" }).click();
    await page
      .getByRole("navigation", { name: "sections" })
      .getByRole("link", { name: "Catalog", exact: true })
      .click();
    await page.waitForURL(/\/catalog$/);
    // A path the server cannot even decode (a bad percent-escape) is the same page, not the API's JSON 400.
    await page.goto(`${dashboard().baseUrl}/assets/%E0%A4%A`);
    await expect.poll(() => page.locator("h1").textContent()).toBe("Page not found");
    opened.expectNoErrors();
    await opened.screenshot("not-found-phone");
    await opened.close();
  });
}
