import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelledError } from "../src/steps/cancelled-error.js";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";

// An add of large files takes as long as the copy: Ctrl-C has to stop it, not only the steps after it.
for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined)(
    `cancelling addFiles on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ""}`,
    () => {
      let opened: OpenedLake;

      beforeAll(async () => {
        opened = await engine.open();
      });
      afterAll(async () => {
        await opened?.dispose();
      });

      it("stops before the next file, marks the run cancelled, and a rerun finishes the add", async () => {
        const { lake, root } = opened;
        const files = ["one.csv", "two.csv", "three.csv"].map((name) => join(root, name));
        for (const file of files) await writeFile(file, `${file}\n`);
        const controller = new AbortController();
        const failure = await lake
          .addFiles(files, {
            dataset: "cancelled-add",
            signal: controller.signal,
            onProgress: ({ file }) => {
              if (file === files[0]) controller.abort(new Error("interrupted"));
            },
          })
          .catch((error: unknown) => error);

        expect(failure).toBeInstanceOf(CancelledError);
        const runId = (failure as CancelledError).details["runId"] as number;
        expect((await lake.catalog.getRun(runId)).status).toBe("cancelled");
        const partial = await lake.listObjects("raw:cancelled-add");
        expect(partial.items.map((o) => o.name)).toEqual(["one.csv"]);

        const rerun = await lake.addFiles(files, { dataset: "cancelled-add" });
        expect(rerun.run.status).toBe("succeeded");
        expect(rerun.objects.map((o) => o.name)).toEqual(["one.csv", "two.csv", "three.csv"]);
      });

      it("records no run and creates no dataset when aborted before it starts", async () => {
        const { lake, root } = opened;
        const file = join(root, "early.bin");
        await writeFile(file, Buffer.alloc(1024, 7));
        const controller = new AbortController();
        controller.abort(new Error("interrupted"));
        await expect(
          lake.addFiles([file], { dataset: "cancelled-big", signal: controller.signal }),
        ).rejects.toBeInstanceOf(CancelledError);
        expect(await lake.catalog.findDataset("cancelled-big", "raw")).toBeUndefined();
      });
    },
  );
}
