import type { Dashboard } from "../support/dashboard-harness.js";

export function operationsTests(_dashboard: () => Dashboard): void {}
