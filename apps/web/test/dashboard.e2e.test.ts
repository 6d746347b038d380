import { afterAll, beforeAll, describe } from "vitest";
import {
  HAVE_CHROMIUM,
  CHROMIUM,
  startDashboard,
  type Dashboard,
  type RunningDashboard,
} from "./support/dashboard-harness.js";
import { catalogTests } from "./pages/catalog.js";
import { exploreTests } from "./pages/explore.js";
import { operationsTests } from "./pages/operations.js";
import { shellTests } from "./pages/shell.js";

// The dashboard in a real Chromium against `omicslake demo` (a generated lake): each page's tests are in
// ./pages and share this one lake, server and browser.
if (!HAVE_CHROMIUM)
  console.warn(
    `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );

describe.skipIf(!HAVE_CHROMIUM)("the dashboard in Chromium", () => {
  let running: RunningDashboard | undefined;
  const dashboard = (): Dashboard => {
    if (!running) throw new Error("the dashboard did not start");
    return running;
  };
  beforeAll(async () => {
    running = await startDashboard();
  });
  afterAll(async () => {
    await running?.stop();
  });

  shellTests(dashboard);
  catalogTests(dashboard);
  exploreTests(dashboard);
  operationsTests(dashboard);
});
