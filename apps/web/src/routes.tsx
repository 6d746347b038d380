import type { JSX } from "preact";
import { AssetPage } from "./pages/assets/asset-page.js";
import { AssetsPage } from "./pages/assets/assets-page.js";
import { AuditPage } from "./pages/audit/audit-page.js";
import { BackupsPage } from "./pages/backups/backups-page.js";
import { CatalogPage } from "./pages/catalog/catalog-page.js";
import { DatasetPage } from "./pages/dataset/dataset-page.js";
import { ExpressionPage } from "./pages/expression/expression-page.js";
import { LayersPage } from "./pages/layers/layers-page.js";
import { EntityPage } from "./pages/metadata/entity-page.js";
import { MetadataPage } from "./pages/metadata/metadata-page.js";
import { OverviewPage } from "./pages/overview/overview-page.js";
import { RunPage } from "./pages/runs/run-page.js";
import { RunsPage } from "./pages/runs/runs-page.js";

export interface RouteDefinition {
  /** `/datasets/:id`; `*name` takes the rest of the path, slashes included. */
  readonly pattern: string;
  readonly render: (params: Record<string, string>) => JSX.Element;
  /** The navigation entry this page belongs to. */
  readonly section: string;
}

/** Every page of the dashboard, in match order; each is reachable by its URL alone. */
export const ROUTES: readonly RouteDefinition[] = [
  { pattern: "/", section: "overview", render: () => <OverviewPage /> },
  { pattern: "/catalog", section: "catalog", render: () => <CatalogPage /> },
  { pattern: "/datasets/:id", section: "catalog", render: (p) => <DatasetPage id={p["id"]!} /> },
  { pattern: "/layers", section: "layers", render: () => <LayersPage /> },
  { pattern: "/metadata", section: "metadata", render: () => <MetadataPage /> },
  { pattern: "/metadata/*path", section: "metadata", render: (p) => <EntityPage path={p["path"]!} /> },
  { pattern: "/expression", section: "expression", render: () => <ExpressionPage /> },
  { pattern: "/assets", section: "assets", render: () => <AssetsPage /> },
  { pattern: "/assets/*key", section: "assets", render: (p) => <AssetPage assetKey={p["key"]!} /> },
  { pattern: "/runs", section: "runs", render: () => <RunsPage /> },
  { pattern: "/runs/:id", section: "runs", render: (p) => <RunPage id={p["id"]!} /> },
  { pattern: "/backups", section: "backups", render: () => <BackupsPage /> },
  { pattern: "/audit", section: "audit", render: () => <AuditPage /> },
];

export const NAVIGATION: readonly { section: string; href: string; label: string }[] = [
  { section: "overview", href: "/", label: "Overview" },
  { section: "catalog", href: "/catalog", label: "Catalog" },
  { section: "layers", href: "/layers", label: "Layers" },
  { section: "metadata", href: "/metadata", label: "Metadata" },
  { section: "expression", href: "/expression", label: "Expression" },
  { section: "assets", href: "/assets", label: "Assets" },
  { section: "runs", href: "/runs", label: "Runs" },
  { section: "backups", href: "/backups", label: "Backups" },
  { section: "audit", href: "/audit", label: "Audit" },
];
