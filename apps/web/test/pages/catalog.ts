import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { CatalogObject, Dataset, Page as ApiPage, Promotion, SchemaVersion } from "@omicslake/contract";
import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import type { Attributed, Dashboard } from "../support/dashboard-harness.js";

/**
 * One attribute of every element a locator matches, in document order, read in one step: reading each match
 * separately could mix two renders (the rows counted on one page, their links read on the next).
 */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return locator.evaluateAll(
    (elements: readonly Attributed[], attribute: string) => elements.map((e) => e.getAttribute(attribute)),
    name,
  );
}

/** The dataset ids the catalog table shows, in order (from the links to their pages). */
async function tableIds(page: Page): Promise<number[]> {
  const hrefs = await attributes(page.getByTestId("catalog-table").locator("tbody a.dataset-link"), "href");
  return hrefs.map((href) => Number(/\/datasets\/(\d+)/.exec(href ?? "")?.[1]));
}

/** Waits for the catalog table to show something other than `previous` (a new page or filter), then reads it. */
async function nextTable(page: Page, previous: readonly number[]): Promise<number[]> {
  let ids: number[] = [];
  await expect
    .poll(async () => {
      ids = (await page.getByTestId("catalog-table").count()) > 0 ? await tableIds(page) : [];
      return ids.length > 0 && ids.join() !== previous.join();
    })
    .toBe(true);
  return ids;
}

/** The catalog, the dataset page with its tabs, and the layers page with promotion. */
export function catalogTests(dashboard: () => Dashboard): void {
  const list = async (query: string): Promise<Dataset[]> => {
    const answer = await dashboard().api<ApiPage<Dataset>>(`/v1/catalog?limit=500${query}`);
    expect(answer.status).toBe(200);
    return answer.body.data;
  };
  const find = async (layer: string, name: string): Promise<Dataset> => {
    const found = (await list(`&layer=${layer}&q=${encodeURIComponent(name)}`)).find((d) => d.name === name);
    if (!found) throw new Error(`the demo lake has no ${layer}:${name}`);
    return found;
  };

  it("lists the catalog as the API does: search, layer filter, and an empty result with a way out", async () => {
    const opened = await dashboard().open("/catalog");
    const { page } = opened;
    const all = await nextTable(page, []);
    expect(all).toEqual((await list("")).slice(0, 25).map((d) => d.id));
    await opened.screenshot("catalog");

    await page.locator('input[name="q"]').fill("pbmc");
    await page.locator('input[name="q"]').press("Enter");
    await page.waitForURL(/[?&]q=pbmc/);
    const searched = await nextTable(page, all);
    expect(searched).toEqual((await list("&q=pbmc")).map((d) => d.id));

    await page.locator('select[name="layer"]').selectOption("curated");
    await page.waitForURL(/layer=curated/);
    const curated = await nextTable(page, searched);
    expect(curated).toEqual((await list("&q=pbmc&layer=curated")).map((d) => d.id));
    expect(curated.length).toBeGreaterThan(0);

    await page.locator('input[name="q"]').fill("no-such-dataset-anywhere");
    await page.locator('input[name="q"]').press("Enter");
    await expect
      .poll(() => page.locator(".state-empty strong").textContent())
      .toContain("No dataset matches “no-such-dataset-anywhere”, in curated");
    await page.locator(".state-empty").getByRole("button", { name: "Clear filters" }).click();
    await page.waitForURL(/\/catalog$/);
    expect(await nextTable(page, [])).toEqual(all);
    opened.expectNoErrors();
    await opened.close();
  });

  it("pages through the whole catalog 5 at a time, in the API's order, and back", async () => {
    const everything = (await list("")).map((d) => d.id);
    const opened = await dashboard().open("/catalog?limit=5");
    const { page } = opened;
    const pages: number[][] = [await nextTable(page, [])];
    const next = page.getByRole("button", { name: "Next →" });
    while ((await next.count()) > 0) {
      await next.click();
      pages.push(await nextTable(page, pages[pages.length - 1]!));
    }
    expect(pages.every((p) => p.length <= 5)).toBe(true);
    expect(pages.flat()).toEqual(everything);
    expect(pages.length).toBe(Math.ceil(everything.length / 5));
    for (let i = pages.length - 2; i >= 0; i--) {
      await page
        .getByRole("button", { name: "← Previous" })
        .or(page.getByRole("button", { name: "⇤ First page" }))
        .click();
      expect(await nextTable(page, pages[i + 1]!)).toEqual(pages[i]);
    }
    expect(new URL(page.url()).searchParams.get("cursor")).toBeNull();
    opened.expectNoErrors();
    await opened.close();
  });

  it("shows a dataset's files as the API lists them, and a download hashes to the listed sha256", async () => {
    const dataset = await find("processed", "demo-pbmc-counts");
    const files = await dashboard().api<ApiPage<CatalogObject>>(`/v1/catalog/${dataset.id}/files?limit=50`);
    const opened = await dashboard().open(`/datasets/${dataset.id}`);
    const { page } = opened;
    await expect.poll(() => page.locator("h1").textContent()).toBe("demo-pbmc-counts");
    expect(await page.getByTestId("dataset-facts").textContent()).toContain(dataset.source);
    await opened.screenshot("dataset-overview");

    await page.getByRole("tab", { name: "Files" }).click();
    const rows = page.getByTestId("dataset-files").locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(files.body.data.length);
    const names = await rows.locator(".file-name").allTextContents();
    const sizes = await attributes(rows.locator("[data-size]"), "data-size");
    const hashes = await attributes(rows.locator("[data-sha256]"), "data-sha256");
    const shown = names.map((name, i) => ({ name, size: Number(sizes[i]), sha256: hashes[i] }));
    expect(shown).toEqual(files.body.data.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 })));
    const first = files.body.data[0]!;
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      rows.first().getByRole("link", { name: "Download" }).click(),
    ]);
    const bytes = await readFile(await download.path());
    expect(bytes.length).toBe(first.size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(first.sha256);
    await opened.screenshot("dataset-files");

    const schemas = await dashboard().api<{ data: SchemaVersion[] }>(`/v1/catalog/${dataset.id}/schemas`);
    await page.getByRole("tab", { name: "Schema" }).click();
    const tables = page.locator(".schema-table");
    await expect.poll(() => tables.count()).toBe(new Set(schemas.body.data.map((s) => s.table)).size);
    const firstTable = schemas.body.data[0]!;
    const fields = await page
      .locator(`.schema-table[data-table="${firstTable.table}"] .schema-fields tbody td:first-child`)
      .allTextContents();
    expect(fields).toEqual(
      schemas.body.data
        .filter((s) => s.table === firstTable.table)
        .at(-1)!
        .fields.map((f) => f.name),
    );
    await opened.screenshot("dataset-schema");

    await page.getByRole("tab", { name: "Versions" }).click();
    await expect
      .poll(() => page.getByTestId("dataset-versions").locator("tbody tr").count())
      .toBeGreaterThan(0);
    await opened.screenshot("dataset-versions");
    // The runs tab lists the runs that wrote the dataset, exactly as the API does.
    const wrote = await dashboard().api<ApiPage<{ id: number }>>(`/v1/runs?dataset=${dataset.id}&limit=50`);
    expect(wrote.body.data.length).toBeGreaterThan(0);
    await page.getByRole("tab", { name: "Runs" }).click();
    const runRows = page.getByTestId("dataset-runs").locator("tbody tr");
    await expect.poll(() => runRows.count()).toBe(wrote.body.data.length);
    expect(await runRows.locator("td:first-child").allTextContents()).toEqual(
      wrote.body.data.map((r) => `#${r.id}`),
    );
    expect(await page.getByTestId("dataset-runs").textContent()).toContain("succeeded");
    await opened.screenshot("dataset-runs");

    // A dataset without tables says so rather than showing an empty table.
    const raw = await find("raw", "demo-pbmc-counts");
    await page.goto(`${dashboard().baseUrl}/datasets/${raw.id}?tab=schema`);
    await expect
      .poll(() => page.locator(".state-empty strong").textContent())
      .toBe("This dataset has no tables");
    opened.expectNoErrors();
    await opened.close();
  });

  it("colours a schema version's changes and picks versions through the URL", async () => {
    // The demo records one version per table, so the changes are shown on a recorded answer of two versions.
    const dataset = await find("processed", "demo-samples");
    const field = (name: string, type: string) => ({ name, type, nullable: true });
    const version = (n: number, fields: ReturnType<typeof field>[], diff: SchemaVersion["diff"]) => ({
      id: n,
      dataset_id: dataset.id,
      table: "samples",
      version: n,
      fields,
      diff,
      run_id: null,
      created_at: `2026-12-0${n}T10:00:00.000Z`,
    });
    const versions: SchemaVersion[] = [
      version(1, [field("id", "INTEGER"), field("tissue", "VARCHAR")], {
        added: [],
        removed: [],
        retyped: [],
      }),
      version(2, [field("id", "BIGINT"), field("donor", "VARCHAR")], {
        added: [field("donor", "VARCHAR")],
        removed: [field("tissue", "VARCHAR")],
        retyped: [{ name: "id", from: "INTEGER", to: "BIGINT", nullable_from: true, nullable_to: true }],
      }),
    ];
    const opened = await dashboard().open("/");
    const { page } = opened;
    await page.route(`**/v1/catalog/${dataset.id}/schemas`, (route) =>
      route.fulfill({ json: { data: versions } }),
    );
    await page.goto(`${dashboard().baseUrl}/datasets/${dataset.id}?tab=schema`);
    const diff = page.getByTestId("schema-diff-samples");
    await expect.poll(() => diff.locator(".diff-added").textContent()).toContain("donor VARCHAR");
    expect(await diff.locator(".diff-removed").textContent()).toContain("tissue VARCHAR");
    expect(await diff.locator(".diff-retyped").textContent()).toContain("id INTEGER → BIGINT");
    expect(await page.locator(".schema-fields tr.added td").first().textContent()).toBe("donor");
    await page.locator('select[name="version-samples"]').selectOption("1");
    await page.waitForURL(/version=samples%401/);
    await expect.poll(() => diff.locator("h3").textContent()).toContain("first recorded version");
    expect(await page.locator(".schema-fields tbody td:first-child").allTextContents()).toEqual([
      "id",
      "tissue",
    ]);
    await page.reload();
    await expect.poll(() => diff.locator("h3").textContent()).toContain("first recorded version");
    opened.expectNoErrors();
    await opened.close();
  });

  it("draws the provenance graph, whose ancestors open their own provenance", async () => {
    const store = await find("curated", "demo-pbmc-counts.expression");
    const parent = await find("processed", "demo-pbmc-counts");
    const opened = await dashboard().open(`/datasets/${store.id}?tab=provenance`);
    const { page } = opened;
    const graph = page.getByTestId("provenance-graph");
    await graph.waitFor();
    expect(await graph.locator(`[data-node-id="${store.id}"]`).getAttribute("class")).toContain("current");
    expect(await page.getByTestId("provenance-edges").locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    await opened.screenshot("dataset-provenance");
    await graph.locator(`[data-node-id="${parent.id}"] a`).click();
    await page.waitForURL(new RegExp(`/datasets/${parent.id}\\?tab=provenance$`));
    await expect.poll(() => page.locator("h1").textContent()).toBe("demo-pbmc-counts");
    await expect
      .poll(() =>
        page.getByTestId("provenance-graph").locator(`[data-node-id="${parent.id}"]`).getAttribute("class"),
      )
      .toContain("current");
    opened.expectNoErrors();
    await opened.close();
  });

  it("promotes with a write key (history, catalog and a tombstone once deleted) and shows refusals", async () => {
    const source = await find("processed", "pubmed");
    const opened = await dashboard().open("/layers", { key: dashboard().writeKey });
    const { page } = opened;
    const panel = page.getByTestId("promote-panel");
    await panel.locator('input[name="dataset-search"]').fill("pubmed");
    await panel.locator('input[name="dataset-search"]').press("Enter");
    await panel.getByRole("button", { name: new RegExp(`processed pubmed #${source.id}`) }).click();
    await page.waitForURL(new RegExp(`dataset=${source.id}`));
    await expect.poll(() => panel.getByTestId("promote-target").textContent()).toContain("curated");
    await panel.getByRole("button", { name: "Promote…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Promote to curated" }).click();
    const success = page.getByTestId("promote-success");
    await success.waitFor();
    const href = await success.getByRole("link").getAttribute("href");
    const promotedId = Number(/\/datasets\/(\d+)/.exec(href ?? "")?.[1]);
    expect((await find("curated", "pubmed")).id).toBe(promotedId);
    await expect
      .poll(() => page.getByTestId("promotion-history").locator("tbody tr").first().textContent())
      .toContain("pubmed");
    const history = await dashboard().api<ApiPage<Promotion>>("/v1/layers/promotions");
    expect(history.body.data[0]).toMatchObject({ dataset_id: promotedId, input_dataset_id: source.id });
    await opened.screenshot("layers");

    // A refusal comes back in the dialog as the server worded it (already promoted: 409).
    const samples = await find("processed", "demo-samples");
    await page.goto(`${dashboard().baseUrl}/layers?dataset=${samples.id}`);
    await page.getByTestId("promote-chosen").waitFor();
    await panel.getByRole("button", { name: "Promote…" }).click();
    await dialog.getByRole("button", { name: "Promote to curated" }).click();
    await expect.poll(() => dialog.locator(".form-error").textContent()).toMatch(/already exists in curated/);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    // A link asking for a layer the lake would refuse (or the dataset's own) is named and blocked, never sent.
    for (const to of ["archive", "processed", "raw"]) {
      await page.goto(`${dashboard().baseUrl}/layers?dataset=${source.id}&to=${to}`);
      await page.getByTestId("promote-chosen").waitFor();
      // The key is checked with the server after the page is drawn, so the reason settles once it answers.
      await expect.poll(() => panel.getByTestId("promote-why").textContent()).toContain(`asks for ${to}`);
      expect(await panel.getByRole("button", { name: "Promote…" }).isDisabled()).toBe(true);
    }
    await panel.getByRole("button", { name: "Promote to curated instead" }).click();
    await expect.poll(() => page.url()).not.toContain("to=");
    expect(await panel.getByRole("button", { name: "Promote…" }).isDisabled()).toBe(false);
    opened.expectNoErrors([/status of 409/]);

    await page.goto(`${dashboard().baseUrl}/catalog?layer=curated&q=pubmed`);
    expect(await nextTable(page, [])).toContain(promotedId);
    const deleted = await dashboard().api(`/v1/catalog/${promotedId}`, {
      method: "DELETE",
      key: dashboard().writeKey,
    });
    expect(deleted.status).toBeLessThan(300);
    await page.goto(`${dashboard().baseUrl}/datasets/${source.id}?tab=provenance`);
    const tombstone = page.getByTestId("provenance-graph").locator(`[data-node-id="${promotedId}"]`);
    await tombstone.waitFor();
    expect(await tombstone.getAttribute("class")).toContain("dashed");
    expect(await tombstone.textContent()).toContain("deleted");
    expect(await tombstone.locator("a").count()).toBe(0);
    await opened.close();
  });

  it("never turns a crafted link into a request for another route, and leads a bad page cursor back to page one", async () => {
    const opened = await dashboard().open("/datasets/..%2F..%2Fhealth");
    const { page } = opened;
    const requested: string[] = [];
    page.on("request", (request) => requested.push(new URL(request.url()).pathname));
    await page.reload();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Dataset not found");
    expect(await page.locator(".state-empty").textContent()).toContain("is not a dataset id");
    await page.goto(`${dashboard().baseUrl}/datasets/2147483647?tab=nope`);
    await expect
      .poll(() => page.locator(".state-empty strong").textContent())
      .toBe("The lake has no dataset 2147483647");
    await page.goto(`${dashboard().baseUrl}/layers?dataset=..%2F..%2Fhealth`);
    await expect
      .poll(() => page.getByTestId("promote-panel").locator(".form-error").textContent())
      .toContain("is not a dataset id");
    expect(requested.filter((path) => path === "/health" || path.startsWith("/v1/catalog/.."))).toEqual([]);

    // A page cursor the server never handed out (edited, or one of another list) leads back to the first page.
    await page.goto(`${dashboard().baseUrl}/catalog?layer=raw&cursor=not-a-cursor`);
    await page.getByTestId("cursor-error").getByRole("button", { name: "Back to the first page" }).click();
    expect(await nextTable(page, [])).toEqual((await list("&layer=raw")).slice(0, 25).map((d) => d.id));
    expect(new URL(page.url()).search).toBe("?layer=raw");
    opened.expectNoErrors([/status of 400/, /status of 404/]);
    await opened.close();
  });

  it("keeps promotion disabled without a write key and says why", async () => {
    const source = await find("processed", "pubmed");
    for (const [key, why] of [
      [undefined, "The dashboard is read-only"],
      [dashboard().readKey, "The key “e2e-read” can only read"],
    ] as const) {
      const opened = await dashboard().open(`/layers?dataset=${source.id}`, key ? { key } : {});
      const { page } = opened;
      await page.getByTestId("promote-chosen").waitFor();
      await expect.poll(() => page.getByTestId("promote-readonly").textContent()).toContain(why);
      expect(await page.getByRole("button", { name: "Promote…" }).isDisabled()).toBe(true);
      expect(await page.getByTestId("promote-why").textContent()).toContain("write scope");
      await page.getByRole("button", { name: "Enter a write key" }).click();
      await page.locator('input[name="api-key"]').waitFor();
      opened.expectNoErrors();
      await opened.close();
    }

    // A write key the server could not check (here it answers 503) neither unlocks promotion nor is blamed.
    const opened = await dashboard().open("/", { key: dashboard().writeKey });
    const { page } = opened;
    await page.route("**/v1/me", (route) =>
      route.fulfill({
        status: 503,
        json: { error: { code: "unavailable", message: "the catalog is not answering", details: {} } },
      }),
    );
    await page.goto(`${dashboard().baseUrl}/layers?dataset=${source.id}`);
    await page.getByTestId("promote-chosen").waitFor();
    await expect
      .poll(() => page.getByTestId("promote-why").textContent())
      .toContain("The server did not say what the key may do (the catalog is not answering)");
    expect(await page.getByRole("button", { name: "Promote…" }).isDisabled()).toBe(true);
    expect(await page.getByTestId("promote-readonly").count()).toBe(0);
    expect(await page.getByTestId("key-status").textContent()).toBe("Key not checked · read-only");
    // An admin-only page names the failure rather than "for administrators"; once the server answers again,
    // "Try again" checks the same stored key, without entering it again.
    await page.goto(`${dashboard().baseUrl}/audit`);
    const failure = page.getByRole("alert");
    await expect.poll(() => failure.textContent()).toContain("the catalog is not answering");
    expect(await page.getByText("The audit log is for administrators").count()).toBe(0);
    await page.unroute("**/v1/me");
    await failure.getByRole("button", { name: "Try again" }).click();
    await expect.poll(() => page.getByTestId("key-status").textContent()).toBe("e2e-write · write");
    await page.getByText("The audit log is for administrators").waitFor();
    opened.expectNoErrors([/status of 503/]);
    await opened.close();
  });
}
