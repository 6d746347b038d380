import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function CatalogPage(): JSX.Element {
  return <PageHeader title="Catalog" />;
}
