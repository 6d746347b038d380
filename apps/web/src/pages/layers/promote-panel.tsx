import type { Dataset, Layer } from "@omicslake/contract";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { apiSend } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { useSession } from "../../auth/session.js";
import { Link } from "../../router/link.js";
import { pathOf, setQuery, useLocation } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { ConfirmDialog } from "../../ui/confirm-dialog.js";
import { useConfirmAction } from "../../ui/use-confirm-action.js";
import { useKeyDialog } from "../../ui/key-dialog-context.js";
import { ErrorState } from "../../ui/states.js";
import { LAYERS } from "../catalog/catalog-query.js";
import { datasetApiPath, invalidRefMessage } from "../dataset/dataset-ref.js";
import { DatasetPicker } from "./dataset-picker.js";

function nextLayer(layer: Layer): Layer | null {
  const index = LAYERS.indexOf(layer);
  return LAYERS[index + 1] ?? null;
}

/**
 * Promotion of one dataset into the next layer (the only move the lake allows). The chosen dataset is in the URL
 * (`?dataset=`, with an optional `?to=` naming the expected target), so a prepared promotion can be shared;
 * nothing is sent before the confirmation.
 */
export function PromotePanel({ onPromoted }: { onPromoted: () => void }): JSX.Element {
  const { query } = useLocation();
  const session = useSession();
  const keyDialog = useKeyDialog();
  const chosenId = query.get("dataset");
  const chosenPath = chosenId ? datasetApiPath(chosenId) : null;
  const chosen = useApi<Dataset>(chosenPath);
  // A cleared choice keeps the last answer in useApi, so the URL decides whether there is one.
  const dataset = chosenPath && chosen.status === "ok" ? chosen.data : null;
  const target = dataset ? nextLayer(dataset.layer) : null;
  // A shared link may ask for another target (`?to=raw`): the lake would refuse it, so it is named, not sent.
  const askedTo = query.get("to");
  const wrongTarget = dataset && askedTo !== null && askedTo !== "" && askedTo !== target ? askedTo : null;
  const [confirming, setConfirming] = useState(false);
  const [promoted, setPromoted] = useState<Dataset | null>(null);

  // Until the server has said who the key is, the button waits without blaming the key.
  const blocked = session.checking
    ? "Checking the key…"
    : session.checkError
      ? `The server did not say what the key may do (${session.checkError.message}). Check it again from the key button above.`
      : !session.canWrite
        ? "Promotion needs a key with the write scope."
        : !dataset
          ? "Choose a dataset to promote."
          : !target
            ? `${dataset.layer} is the last layer.`
            : wrongTarget !== null
              ? `The link asks for ${wrongTarget}, but a ${dataset.layer} dataset can only go to ${target}, one layer at a time.`
              : null;

  const action = useConfirmAction(async () => {
    if (!dataset || !target || blocked !== null) return;
    const created = await apiSend<Dataset>("POST", "/v1/layers/promote", { dataset: dataset.id, to: target });
    setPromoted(created);
    setConfirming(false);
    setQuery({ dataset: null, to: null, cursor: null });
    onPromoted();
  });

  return (
    <section class="panel promote-panel" aria-labelledby="promote-title" data-testid="promote-panel">
      <h2 id="promote-title">Promote a dataset</h2>
      <p class="muted">
        A promotion copies every object of a dataset into the next layer as a new dataset of the same name;
        the original stays where it is.
      </p>
      {/* Only once the server has said who the key is: a note shown and then withdrawn would shift the
          controls under the pointer. */}
      {session.me !== null && !session.checking && !session.canWrite && (
        <p class="readonly-note" data-testid="promote-readonly">
          {session.me?.key
            ? `The key “${session.me.key.name}” can only read. `
            : "The dashboard is read-only. "}
          Promotion needs an API key with the write scope.{" "}
          <button type="button" class="button small" onClick={keyDialog.open}>
            Enter a write key
          </button>
        </p>
      )}
      {promoted && (
        <p class="notice ok" role="status" data-testid="promote-success">
          Promoted to{" "}
          <Link href={pathOf("datasets", promoted.id)}>
            {promoted.layer}:{promoted.name}
          </Link>{" "}
          ({promoted.object_count} objects).
        </p>
      )}
      <div class="promote-form">
        {chosenId && !chosenPath && (
          <p class="form-error" role="alert">
            {invalidRefMessage(chosenId)}
          </p>
        )}
        {chosenPath && chosen.status === "error" && <ErrorState error={chosen.error} />}
        {chosenPath && chosen.status === "loading" ? (
          // The same row the chosen dataset takes, so the controls below stay where they are.
          <div class="promote-chosen">
            <span class="field-label muted">Dataset</span>
            <span class="muted">Loading dataset {chosenId}…</span>
          </div>
        ) : dataset ? (
          <div class="promote-chosen" data-testid="promote-chosen">
            <span class="field-label muted">Dataset</span>
            <span>
              <Badge value={dataset.layer} />{" "}
              <Link href={pathOf("datasets", dataset.id)}>{dataset.name}</Link>{" "}
              <span class="muted">
                #{dataset.id} · {dataset.object_count} objects
              </span>
            </span>
            <button type="button" class="button small" onClick={() => setQuery({ dataset: null, to: null })}>
              Change
            </button>
          </div>
        ) : (
          <DatasetPicker
            onPick={(d) => {
              setPromoted(null);
              action.clearError();
              setQuery({ dataset: d.id, to: null });
            }}
          />
        )}
        <div class="promote-actions">
          <div class="field">
            Target layer
            <span class="promote-target" data-testid="promote-target">
              {target ? (
                <>
                  <Badge value={target} /> <span class="muted">next after {dataset?.layer}</span>
                </>
              ) : (
                <span class="muted">—</span>
              )}
            </span>
          </div>
          <button
            type="button"
            class="button primary"
            disabled={blocked !== null}
            title={blocked ?? undefined}
            onClick={() => {
              action.clearError();
              setConfirming(true);
            }}
          >
            Promote…
          </button>
          {blocked && (
            <span class="muted promote-why" data-testid="promote-why">
              {blocked}
            </span>
          )}
          {action.error && !confirming && (
            <span class="form-error" role="alert">
              {action.error}
            </span>
          )}
          {wrongTarget !== null && (
            <button type="button" class="button small" onClick={() => setQuery({ to: null })}>
              Promote to {target} instead
            </button>
          )}
        </div>
      </div>
      {dataset && target && (
        <ConfirmDialog
          open={confirming}
          title="Promote this dataset?"
          confirmLabel={`Promote to ${target}`}
          busy={action.busy}
          error={action.error}
          onConfirm={action.run}
          // Escape closes the dialog even while the request runs; the state must follow, or the dialog could not
          // be opened again. The answer still arrives: success below the title, a refusal next to the button.
          onCancel={() => setConfirming(false)}
        >
          <p>
            Copy <strong>{dataset.name}</strong> ({dataset.object_count} objects) from{" "}
            <Badge value={dataset.layer} /> to <Badge value={target} />?
          </p>
          <p class="muted">A run records the copy, and the new dataset’s lineage points back to this one.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
