import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function ExpressionPage(): JSX.Element {
  return <PageHeader title="Expression" />;
}
