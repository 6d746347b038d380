import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function MetadataPage(): JSX.Element {
  return <PageHeader title="Metadata" />;
}
