import type { Lake, LakeConfig, StepOptions } from "@omicslake/core";
import type { Command } from "commander";
import { cancelOnSigint } from "./cancel-on-sigint.js";
import { withLake, type GlobalOptions } from "./context.js";
import type { Output } from "./output/output.js";
import { ProgressRenderer } from "./output/progress-renderer.js";

/**
 * Runs a long command (ingest, reprocess, consolidate, snapshot, load) on an open lake: Ctrl-C aborts
 * the signal handed to the flow (its run ends `cancelled`, the CLI exits 130), and the flow's progress
 * events are drawn as bars on a terminal. The renderer is passed too, so status lines go above the bars.
 */
export function withLongCommand<T>(
  command: Command,
  fn: (
    lake: Lake,
    out: Output,
    config: LakeConfig,
    step: StepOptions,
    progress: ProgressRenderer,
  ) => Promise<T>,
): Promise<T> {
  return cancelOnSigint((signal) =>
    withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out, config) => {
      const progress = ProgressRenderer.forStderr(out.json);
      try {
        return await fn(lake, out, config, { signal, onProgress: progress.listener }, progress);
      } finally {
        progress.stop();
      }
    }),
  );
}
