import type { AssetDetail, PlannedMaterializations } from "@omicslake/contract";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { apiSend } from "../../api/client.js";
import { ConfirmDialog } from "../../ui/confirm-dialog.js";
import { useConfirmAction } from "../../ui/use-confirm-action.js";

export type PlannedRequest = PlannedMaterializations["data"]["requests"][number];

/**
 * Confirms `POST /v1/assets/{key}/materialize`: every partition or a chosen few, and optionally everything
 * downstream. The server's refusal (409 asset_busy, 400) stays in the dialog; success hands the plan back.
 */
export function MaterializeDialog({
  asset,
  open,
  onClose,
  onPlanned,
}: {
  asset: AssetDetail;
  open: boolean;
  onClose: () => void;
  onPlanned: (requests: readonly PlannedRequest[]) => void;
}): JSX.Element {
  const partitions = asset.partition_statuses.map((p) => p.partition).filter((p): p is string => p !== null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [downstream, setDownstream] = useState(false);
  const close = (): void => {
    action.clearError();
    onClose();
  };
  const action = useConfirmAction(async () => {
    const answer = await apiSend<PlannedMaterializations>(
      "POST",
      `/v1/assets/${asset.key.split("/").map(encodeURIComponent).join("/")}/materialize`,
      { ...(chosen.size > 0 ? { partitions: [...chosen] } : {}), downstream },
    );
    setChosen(new Set());
    setDownstream(false);
    onPlanned(answer.data.requests);
    close();
  });
  return (
    <ConfirmDialog
      open={open}
      title={`Materialize ${asset.key}`}
      confirmLabel="Materialize"
      busy={action.busy}
      error={action.error}
      onConfirm={action.run}
      onCancel={close}
    >
      <p>
        This runs the asset in the server's background
        {asset.partitions ? "" : " (it has no partitions)"}; its runs appear on this page as they start.
      </p>
      {partitions.length > 0 && (
        <fieldset class="partition-choice">
          <legend>Partitions ({chosen.size === 0 ? "all" : `${chosen.size} chosen`})</legend>
          <p class="muted">Leave all unticked to run every partition.</p>
          {partitions.map((p) => (
            <label key={p} class="check">
              <input
                type="checkbox"
                name="partition"
                value={p}
                checked={chosen.has(p)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.currentTarget.checked) next.add(p);
                  else next.delete(p);
                  setChosen(next);
                }}
              />
              <code>{p}</code>
            </label>
          ))}
        </fieldset>
      )}
      <label class="check">
        <input
          type="checkbox"
          name="downstream"
          checked={downstream}
          onChange={(e) => setDownstream(e.currentTarget.checked)}
        />
        Also materialize everything downstream
        {asset.downstream.length > 0 ? ` (${asset.downstream.join(", ")})` : " (nothing depends on it)"}
      </label>
    </ConfirmDialog>
  );
}
