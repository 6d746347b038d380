import { expect, it } from "vitest";
import type { Page as BrowserPage } from "playwright-core";
import type { Dashboard } from "../support/dashboard-harness.js";

interface ListPage<T> {
  data: T[];
  meta: { count: number; next_cursor: string | null };
}
type Row = Record<string, unknown>;

const DATASET = "demo-pbmc-counts";
const EXPR = `/v1/expression/${DATASET}`;

/** The first column's texts of a DataTable (accessions, genes). */
function firstColumn(page: BrowserPage, testId: string): Promise<string[]> {
  return page.getByTestId(testId).locator("tbody tr td:first-child").allTextContents();
}

/** What Plotly drew in the chart with this test id (the element keeps it as its `data` property). */
async function drawn<T>(page: BrowserPage, testId: string): Promise<T[] | null> {
  // A string runs in the page as it is (the test files are not compiled against the DOM's types).
  const script = `(() => {
    const element = document.querySelector('[data-testid="${testId}"]');
    return element && element.getAttribute("data-ready") === "true" ? JSON.parse(JSON.stringify(element.data)) : null;
  })()`;
  return page.evaluate<T[] | null>(script);
}

async function waitForChart<T>(page: BrowserPage, testId: string): Promise<T[]> {
  let traces: T[] | null = null;
  await expect.poll(async () => (traces = await drawn<T>(page, testId)), { timeout: 120_000 }).not.toBeNull();
  return traces!;
}

/** The metadata browser, record pages and the expression explorer, checked against the API's own answers. */
export function exploreTests(dashboard: () => Dashboard): void {
  it("browses an entity, searches and filters it as the API does, pages through it and shows a refused filter in place", async () => {
    const d = dashboard();
    const opened = await d.open("/metadata");
    const { page } = opened;
    await page.locator('[data-entity="sra/samples"]').click();
    await page.waitForURL(/entity=sra%2Fsamples|entity=sra\/samples/);
    const samples = await d.api<ListPage<Row>>("/v1/sra/samples?limit=25");
    expect(samples.body.data.length).toBe(25);
    await expect
      .poll(() => firstColumn(page, "metadata-results"))
      .toEqual(samples.body.data.map((r) => r["accession"]));
    expect(await page.locator('[data-entity="sra/samples"] .count').textContent()).toBe("96");

    await page.getByRole("button", { name: "Next →" }).click();
    const next = await d.api<ListPage<Row>>(
      `/v1/sra/samples?limit=25&cursor=${samples.body.meta.next_cursor}`,
    );
    await expect
      .poll(() => firstColumn(page, "metadata-results"))
      .toEqual(next.body.data.map((r) => r["accession"]));
    // The browser's back, then Next again, is page 2 again, not a page 3.
    await page.goBack();
    await expect.poll(() => page.locator("nav.pager").textContent()).toContain("page 1");
    await page.getByRole("button", { name: "Next →" }).click();
    await expect.poll(() => page.locator("nav.pager").textContent()).toContain("page 2");

    await page.locator('[data-entity="sra/studies"]').click();
    await page.locator('input[name="q"]').fill("zebrafish");
    await page.getByRole("button", { name: "Search" }).click();
    const found = await d.api<ListPage<Row>>("/v1/sra/studies?q=zebrafish&limit=25");
    expect(found.body.data.length).toBeGreaterThan(1);
    await expect
      .poll(() => firstColumn(page, "metadata-results"))
      .toEqual(found.body.data.map((r) => r["accession"]));
    // A filter the API's own description offers, combined with the search.
    const project = String(found.body.data[1]!["bioproject"]);
    await page.locator('input[name="bioproject"]').fill(project);
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(new RegExp(`bioproject=${project}`));
    const filtered = await d.api<ListPage<Row>>(`/v1/sra/studies?q=zebrafish&bioproject=${project}&limit=25`);
    expect(filtered.body.data.length).toBe(1);
    await expect
      .poll(() => firstColumn(page, "metadata-results"))
      .toEqual(filtered.body.data.map((r) => r["accession"]));
    opened.expectNoErrors();
    await opened.screenshot("metadata-browser");
    await opened.close();

    const refused = await d.open("/metadata?entity=sra/studies&pubmed_id=-1");
    await expect
      .poll(() => refused.page.getByRole("alert").textContent())
      .toContain("The API refused these filters");
    refused.expectNoErrors([/status of 400/]);
    await refused.close();
  });

  it("shows a record's fields, its child list with links that open the child, and its NCBI page", async () => {
    const d = dashboard();
    const study = await d.api<Row>("/v1/sra/studies/SRP900001");
    const opened = await d.open("/metadata/sra/studies/SRP900001");
    const { page } = opened;
    const fields = page.getByTestId("record-fields");
    await expect.poll(() => fields.textContent()).toContain(String(study.body["title"]));
    expect(await page.getByTestId("ncbi-link").getAttribute("href")).toBe(
      "https://www.ncbi.nlm.nih.gov/sra/SRP900001",
    );
    const project = String(study.body["bioproject"]);
    expect(await fields.getByRole("link", { name: project }).first().getAttribute("href")).toBe(
      `/metadata/bioprojects/${project}`,
    );
    await opened.screenshot("metadata-record");

    await page.getByRole("tab", { name: "Samples" }).click();
    const samples = await d.api<ListPage<Row>>("/v1/sra/studies/SRP900001/samples?limit=25");
    expect(samples.body.data.length).toBeGreaterThan(0);
    await expect
      .poll(() => firstColumn(page, "child-list"))
      .toEqual(samples.body.data.map((r) => r["accession"]));
    const child = String(samples.body.data[0]!["accession"]);
    await page.getByTestId("child-list").getByRole("link", { name: child }).click();
    await page.waitForURL(new RegExp(`/metadata/sra/samples/${child}$`));
    await expect.poll(() => page.locator("h1").textContent()).toBe(child);
    await expect.poll(() => page.getByTestId("record-fields").textContent()).toContain(child);

    // Accession links: the API's list, or (a lake that has not loaded them, as the demo) a page that says so.
    await page.getByRole("tab", { name: "Linked accessions" }).click();
    const links = await d.api<{ data?: { links: { accession: string }[] }; error?: { code: string } }>(
      `/v1/links/${child}`,
    );
    if (links.status === 200)
      await expect
        .poll(() => firstColumn(page, "linked-accessions"))
        .toEqual(links.body.data!.links.map((l) => l.accession));
    else
      await expect
        .poll(() => page.locator(".state-empty").textContent())
        .toContain(
          links.body.error?.code === "not_loaded" ? "Accession links are not loaded" : "No accession link",
        );
    opened.expectNoErrors([/status of (503|404)/]);
    await opened.close();
  });

  it("draws the dot plot and the violins and boxes with exactly the API's values, and names an unknown gene", async () => {
    const d = dashboard();
    const opened = await d.open(`/expression?dataset=${DATASET}&genes=CD3E,LYZ,NOPE&tab=dotplot`);
    const { page } = opened;
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("NOPE");

    const aggregates = await d.api<{
      data: { group: string; gene: string; mean: number; fraction: number }[];
    }>(`${EXPR}/aggregates?genes=CD3E,LYZ&by=cell_type`);
    const [dots] = await waitForChart<{
      x: string[];
      y: string[];
      customdata: number[];
      marker: { color: number[] };
    }>(page, "dot-plot");
    expect(dots!.x).toEqual(aggregates.body.data.map((r) => r.gene));
    expect(dots!.y).toEqual(aggregates.body.data.map((r) => r.group));
    expect(dots!.customdata).toEqual(aggregates.body.data.map((r) => r.fraction));
    expect(dots!.marker.color).toEqual(aggregates.body.data.map((r) => r.mean));
    await opened.screenshot("expression-dot-plot");

    // Every cell's value, zeros included, joined with the cell's group: what each violin must hold.
    const matrix = await d.api<{ data: { gene: string; cell: string; value: number }[] }>(
      `${EXPR}/matrix?genes=CD3E&zeros=true`,
    );
    const cells = await d.api<ListPage<{ cell: string; cell_type: string }>>(`${EXPR}/cells?limit=500`);
    expect(cells.body.meta.next_cursor).toBeNull();
    const groupOf = new Map(cells.body.data.map((c) => [c.cell, c.cell_type]));
    const expected = new Map<string, number[]>();
    for (const row of matrix.body.data) {
      const group = groupOf.get(row.cell)!;
      expected.set(group, [...(expected.get(group) ?? []), row.value]);
    }
    const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);

    await page.getByRole("tab", { name: "Violin / box" }).click();
    const violins = await waitForChart<{ type: string; name: string; y: number[] }>(
      page,
      "distribution-CD3E",
    );
    expect(violins.map((t) => t.type)).toEqual(violins.map(() => "violin"));
    expect(violins.map((t) => t.name).sort()).toEqual([...expected.keys()].sort());
    for (const trace of violins) expect(sorted(trace.y)).toEqual(sorted(expected.get(trace.name)!));
    await opened.screenshot("expression-violin");

    await page.getByRole("button", { name: "Box", exact: true }).click();
    await page.waitForURL(/plot=box/);
    await expect
      .poll(async () => (await drawn<{ type: string }>(page, "distribution-CD3E"))?.map((t) => t.type)[0])
      .toBe("box");
    const boxes = (await drawn<{ name: string; y: number[] }>(page, "distribution-CD3E"))!;
    for (const trace of boxes) expect(sorted(trace.y)).toEqual(sorted(expected.get(trace.name)!));
    opened.expectNoErrors();
    await opened.close();
  });

  it("shows the API's correlation for two genes and its most variable genes, one of which can be plotted", async () => {
    const d = dashboard();
    const opened = await d.open(`/expression?dataset=${DATASET}&genes=CD3E,LYZ&tab=scatter`);
    const { page } = opened;
    const text = (r: number): string => r.toLocaleString("en-US", { maximumFractionDigits: 4 });
    const pearson = await d.api<{ r: number; n: number }>(`${EXPR}/correlation?gene_a=CD3E&gene_b=LYZ`);
    await expect.poll(() => page.getByTestId("correlation-r").textContent()).toBe(text(pearson.body.r));
    const points = await waitForChart<{ x: number[]; y: number[] }>(page, "scatter");
    expect(points.reduce((n, t) => n + t.x.length, 0)).toBe(pearson.body.n);
    await opened.screenshot("expression-scatter");
    await page.locator('select[name="method"]').selectOption("spearman");
    const spearman = await d.api<{ r: number }>(`${EXPR}/correlation?gene_a=CD3E&gene_b=LYZ&method=spearman`);
    expect(spearman.body.r).not.toBe(pearson.body.r);
    await expect.poll(() => page.getByTestId("correlation-r").textContent()).toBe(text(spearman.body.r));

    await page.getByRole("tab", { name: "Variable genes" }).click();
    const variable = await d.api<{ data: { gene: string; cv: number }[] }>(`${EXPR}/variability?limit=25`);
    await expect.poll(() => firstColumn(page, "variability")).toEqual(variable.body.data.map((r) => r.gene));
    await opened.screenshot("expression-variable-genes");
    const top = variable.body.data[0]!.gene;
    await page
      .getByTestId("variability")
      .locator("tbody tr")
      .first()
      .getByRole("button", { name: "+ Plot" })
      .click();
    await page.waitForURL(new RegExp(`genes=CD3E%2CLYZ%2C${top}|genes=CD3E,LYZ,${top}`));
    opened.expectNoErrors();
    await opened.close();
  });
}
