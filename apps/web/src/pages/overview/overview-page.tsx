import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function OverviewPage(): JSX.Element {
  return <PageHeader title="Overview" />;
}
