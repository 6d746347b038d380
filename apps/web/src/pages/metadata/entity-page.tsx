import type { JSX } from "preact";
import { PageHeader } from "../../ui/page-header.js";

export function EntityPage({ path }: { path: string }): JSX.Element {
  return <PageHeader title={path} />;
}
