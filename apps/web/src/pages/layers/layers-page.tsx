import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function LayersPage(): JSX.Element {
  return <PageHeader title="Layers" />;
}
