import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function AuditPage(): JSX.Element {
  return <PageHeader title="Audit" />;
}
