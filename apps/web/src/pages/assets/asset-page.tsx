import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function AssetPage({ assetKey }: { assetKey: string }): JSX.Element {
  return <PageHeader title={assetKey} />;
}
