import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function RunsPage(): JSX.Element {
  return <PageHeader title="Runs" />;
}
