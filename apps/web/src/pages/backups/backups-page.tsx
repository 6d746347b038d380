import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function BackupsPage(): JSX.Element {
  return <PageHeader title="Backups" />;
}
