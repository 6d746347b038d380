import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function AssetsPage(): JSX.Element {
  return <PageHeader title="Assets" />;
}
