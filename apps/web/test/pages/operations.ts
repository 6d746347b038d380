import type { Asset, BackupStatus, CatalogStats, Page, Run } from "@omicslake/contract";
import { expect, it } from "vitest";
import type { Attributed, Dashboard, OpenedPage } from "../support/dashboard-harness.js";

// Materializing it reloads the serving tables from the curated metadata the demo already has: cheap, and
// it changes no data other pages' tests read.
const CHEAP_ASSET = "metadata/serving";
// Background work (a materialization, a backup) ends within seconds; this only bounds a hung one.
const JOB = { timeout: 600_000, interval: 250 };

/** Waits until Plotly has drawn the chart with this test id. */
async function drawn(page: OpenedPage["page"], testId: string): Promise<void> {
  await page.locator(`[data-testid="${testId}"][data-ready="true"]`).waitFor({ state: "attached" });
}

/** Overview, assets, runs, backups and audit. */
export function operationsTests(dashboard: () => Dashboard): void {
  it("shows the overview with the API's numbers and no console errors", async () => {
    const d = dashboard();
    const opened = await d.open("/");
    const { page } = opened;
    const chart = page.getByTestId("chart-datasets-per-layer");
    await drawn(page, "chart-datasets-per-layer");
    const stats = (await d.api<CatalogStats>("/v1/catalog/stats")).body;
    const layers = await chart.evaluate((el) => {
      const trace = (el as unknown as { data: { x: string[]; y: number[] }[] }).data[0]!;
      return { x: [...trace.x], y: [...trace.y] };
    });
    expect(layers).toEqual({
      x: stats.by_layer.map((l) => l.layer),
      y: stats.by_layer.map((l) => l.datasets),
    });
    expect(await page.getByTestId("card-datasets").textContent()).toContain(String(stats.datasets));
    await drawn(page, "chart-bytes-per-source");

    // The recent runs are a request of their own, which may answer after the charts are drawn.
    await page.getByTestId("recent-runs").waitFor();
    const shownRuns = await page
      .getByTestId("recent-runs")
      .locator("tbody tr td:first-child")
      .allTextContents();
    const runs = (await d.api<Page<Run>>("/v1/runs?limit=10")).body.data;
    // A run another test started after the page loaded may have been added since: compare from the page's newest.
    const newestShown = Number(shownRuns[0]!.slice(1));
    const expected = runs.filter((r) => r.id <= newestShown).map((r) => `#${r.id}`);
    expect(shownRuns.slice(0, expected.length)).toEqual(expected);
    expect(shownRuns.length).toBe(10);

    const backups = (await d.api<BackupStatus>("/v1/backups/latest")).body;
    const age = await page.getByTestId("backup-age").textContent();
    if (backups.last_succeeded === null) expect(age).toBe("never");
    else expect(age).not.toBe("never");
    const entities = page.getByTestId("serving-entities").locator("tbody tr a").first();
    expect(await entities.getAttribute("href")).toMatch(/^\/metadata\?entity=sra%2Fstudies$/);
    opened.expectNoErrors();
    await opened.screenshot("overview");
    await opened.close();
  });

  it("draws the asset graph and table, opens an asset from its node, and needs a write key to materialize", async () => {
    const d = dashboard();
    const assets = (await d.api<{ data: Asset[] }>("/v1/assets")).body.data;
    const opened = await d.open("/assets");
    const { page } = opened;
    const nodes = page.getByTestId("asset-graph").locator("[data-node-id]");
    await nodes.first().waitFor();
    expect(
      (
        await nodes.evaluateAll((elements: readonly Attributed[]) =>
          elements.map((e) => e.getAttribute("data-node-id")),
        )
      ).sort(),
    ).toEqual(assets.map((a) => a.key).sort());
    expect(await page.getByTestId("asset-table").locator("tbody tr").count()).toBe(assets.length);
    await opened.screenshot("assets");

    await page.locator("select[name=group]").selectOption("metadata");
    await page.waitForURL(/\/assets\?group=metadata$/);
    expect(await nodes.count()).toBe(assets.filter((a) => a.group === "metadata").length);

    await page.locator(`[data-node-id="${CHEAP_ASSET}"] a`).click();
    await page.waitForURL(new RegExp(`/assets/${CHEAP_ASSET}$`));
    expect(await page.locator("h1").textContent()).toBe(CHEAP_ASSET);
    await page.getByTestId("asset-why").waitFor();
    // The page shows the server's own explanation of what automation would do.
    const detail = (await dashboard().api<{ why: string }>(`/v1/assets/${CHEAP_ASSET}`)).body;
    expect((await page.getByTestId("asset-why").textContent())?.trim()).toBe(detail.why.trim());
    expect(await page.getByTestId("materialize-button").isDisabled()).toBe(true);
    expect(await page.getByTestId("materialize-needs-key").textContent()).toContain("write scope");
    opened.expectNoErrors();
    await opened.close();
  });

  it("materializes an asset with the write key: the plan is shown and its run appears", async () => {
    const d = dashboard();
    const before = (await d.api<Page<Run>>(`/v1/runs?asset=${CHEAP_ASSET}&limit=1`)).body.data[0]?.id ?? 0;
    const opened = await d.open(`/assets/${CHEAP_ASSET}`, { key: d.writeKey });
    const { page } = opened;
    const button = page.getByTestId("materialize-button");
    await expect.poll(() => button.isEnabled()).toBe(true);
    await button.click();
    await page.getByRole("dialog").getByRole("button", { name: "Materialize", exact: true }).click();
    const planned = page.getByTestId("materialize-planned");
    await planned.waitFor();
    expect(await planned.textContent()).toContain(CHEAP_ASSET);
    // The page polls while the materialization runs: its run shows up, then shows as finished.
    const newest = page.getByTestId("asset-runs").locator("tbody tr").first();
    await expect
      .poll(async () => Number((await newest.locator("td").first().textContent())!.slice(1)), JOB)
      .toBeGreaterThan(before);
    await expect.poll(() => newest.locator(".badge").textContent(), JOB).toBe("succeeded");
    await opened.screenshot("asset-materialized");
    opened.expectNoErrors();
    await opened.close();
  });

  it("filters runs and shows a run's parameters and log as the API has them", async () => {
    const d = dashboard();
    const opened = await d.open("/runs?step=asset");
    const { page } = opened;
    const table = page.getByTestId("runs-table");
    await table.waitFor();
    const steps = await table.locator("tbody tr td:nth-child(2)").allTextContents();
    expect(steps.length).toBeGreaterThan(0);
    expect(new Set(steps)).toEqual(new Set(["asset"]));
    await page.locator("select[name=status]").selectOption("failed");
    await page.waitForURL(/status=failed/);
    await page.getByText("No run matches these filters").waitFor();
    await opened.screenshot("runs");

    const all = (await d.api<Page<Run>>("/v1/runs?limit=100")).body.data;
    const run = all.find(
      (r) => r.log !== "" && Object.keys(r.parameters).length > 0 && r.status !== "running",
    )!;
    await page.goto(`${d.baseUrl}/runs/${run.id}`);
    const log = page.getByTestId("run-log");
    await log.waitFor();
    expect(await log.textContent()).toBe(run.log);
    for (const [name, value] of Object.entries(run.parameters))
      expect(await page.getByTestId("run-parameters").locator(`dd[data-name="${name}"]`).textContent()).toBe(
        typeof value === "string" ? value : JSON.stringify(value),
      );
    expect(await page.getByTestId("run-summary").textContent()).toContain(run.step);
    await opened.screenshot("run");

    // A running run is re-read until it ends: the server answers "running" twice, then the real run.
    let answers = 0;
    await page.route(`**/v1/runs/${run.id}`, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Run;
      if (++answers <= 2) Object.assign(body, { status: "running", finished_at: null, log: "" });
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    await expect
      .poll(() => page.getByTestId("run-summary").locator(".badge").textContent(), JOB)
      .toBe("running");
    await expect.poll(() => log.textContent(), JOB).toBe(run.log);
    expect(await page.getByTestId("run-summary").locator(".badge").textContent()).toBe(run.status);
    expect(answers).toBeGreaterThanOrEqual(3);
    opened.expectNoErrors();
    await opened.close();
  });

  it("shows the latest backup and no audit log without an admin key, and requests neither list", async () => {
    const d = dashboard();
    const status = (await d.api<BackupStatus>("/v1/backups/latest")).body;
    const opened = await d.open("/backups", { key: d.writeKey });
    const { page } = opened;
    const requested: string[] = [];
    page.on("request", (r) => requested.push(new URL(r.url()).pathname));
    // Loaded again with the listener on, so the first load's requests are counted too.
    await page.reload();
    await page.getByTestId("backup-status").waitFor();
    if (status.last_succeeded === null)
      expect(await page.getByTestId("backup-age").textContent()).toBe("never");
    await expect.poll(() => page.getByTestId("backup-needs-key").textContent()).toContain("admin scope");
    expect(await page.getByTestId("backup-now").isDisabled()).toBe(true);
    await opened.screenshot("backups-read-only");
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByTestId("audit-needs-key").waitFor();
    expect(requested).toContain("/v1/backups/latest");
    expect(requested.filter((p) => p.startsWith("/v1/audit") || /^\/v1\/backups(\/\d+)?$/.test(p))).toEqual(
      [],
    );
    opened.expectNoErrors();
    await opened.close();
  });

  it("backs up now with the admin key, lists the backup, and audits the request", async () => {
    const d = dashboard();
    const opened = await d.open("/backups", { key: d.adminKey });
    const { page } = opened;
    const button = page.getByTestId("backup-now");
    await expect.poll(() => button.isEnabled()).toBe(true);
    await button.click();
    // A double click on the confirmation starts one backup.
    const posts: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname === "/v1/backups")
        posts.push(request.url());
    });
    await page.getByRole("dialog").getByRole("button", { name: "Start backup" }).dblclick();
    const started = page.getByTestId("backup-started");
    await expect.poll(() => started.locator(".badge").textContent(), JOB).toBe("succeeded");
    expect(posts).toHaveLength(1);
    const id = /Backup #(\d+)/.exec((await started.textContent())!)![1]!;
    await expect
      .poll(() => page.getByTestId("backup-list").locator("tbody tr td:first-child").allTextContents())
      .toContain(`#${id}`);
    await expect.poll(() => page.getByTestId("backup-age").textContent()).not.toBe("never");
    await opened.screenshot("backups");
    // The list is keyset-paged like the others: a cursor the server refuses leads back to the first page.
    await page.goto(`${d.baseUrl}/backups?cursor=not-a-cursor`);
    await page.getByTestId("cursor-error").getByRole("button", { name: "Back to the first page" }).click();
    await expect
      .poll(() => page.getByTestId("backup-list").locator("tbody tr td:first-child").allTextContents())
      .toContain(`#${id}`);
    expect(new URL(page.url()).searchParams.get("cursor")).toBeNull();

    await page.getByRole("link", { name: "Audit" }).click();
    const table = page.getByTestId("audit-table");
    await table.waitFor();
    expect(await table.textContent()).toContain("POST /v1/backups");
    await page.locator("input[name=action]").fill("POST /v1/backups");
    await page.locator("input[name=action]").press("Enter");
    await page.waitForURL(/action=POST/);
    await expect
      .poll(async () => new Set(await table.locator("tbody tr td:nth-child(3)").allTextContents()))
      .toEqual(new Set(["POST /v1/backups"]));
    await opened.screenshot("audit");
    opened.expectNoErrors([/status of 400/]);
    await opened.close();
  });
}
