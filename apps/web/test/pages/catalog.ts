import type { Dashboard } from "../support/dashboard-harness.js";

export function catalogTests(_dashboard: () => Dashboard): void {}
