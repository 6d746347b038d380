import type { Dashboard } from "../support/dashboard-harness.js";

export function exploreTests(_dashboard: () => Dashboard): void {}
