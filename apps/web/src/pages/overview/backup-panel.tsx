import type { BackupStatus } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { Async } from "../../ui/states.js";
import { BackupStatusView } from "../backups/backup-status-view.js";

/** The age of the last backup, readable with any key (the list itself is admin-only). */
export function BackupPanel(): JSX.Element {
  const status = useApi<BackupStatus>("/v1/backups/latest");
  return (
    <section class="panel">
      <div class="panel-head">
        <h2>Backups</h2>
        <Link href="/backups">Backups →</Link>
      </div>
      <Async value={status} loading="Loading backup status…">
        {(s) => <BackupStatusView status={s} />}
      </Async>
    </section>
  );
}
