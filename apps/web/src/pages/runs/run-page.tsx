import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function RunPage({ id }: { id: string }): JSX.Element {
  return <PageHeader title={`Run ${id}`} />;
}
