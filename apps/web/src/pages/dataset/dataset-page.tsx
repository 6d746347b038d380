import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function DatasetPage({ id }: { id: string }): JSX.Element {
  return <PageHeader title={`Dataset ${id}`} />;
}
