import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// The files that take longest on a loaded two-core machine (minutes each: they build lakes with the CLI, kill
// processes at every write point or drive a browser). Vitest orders files by the durations it cached on the last
// run; a fresh clone (CI) has no cache, and its fallback (larger files first) would start the browser file last,
// stretching the whole run by its length. Starting these first lets the short files fill in around them.
const slowFiles = [
  "apps/web/test/dashboard.e2e.test.ts",
  "apps/cli/test/fault-kill.test.ts",
  "apps/cli/test/process-command.test.ts",
  "apps/cli/test/assets-cli.test.ts",
  "apps/cli/test/starter-config.test.ts",
  "packages/core/test/promotion-kill.test.ts",
  "packages/expression/test/build-rebuild.test.ts",
  "apps/cli/test/assets-e2e.test.ts",
];

// A renamed or removed file would silently drop out of the list: refuse to start instead.
for (const file of slowFiles) {
  if (!existsSync(src(`./${file}`)))
    throw new Error(`vitest.config.ts lists ${file} as slow, but it does not exist`);
}

class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const failedLastTime = (spec: TestSpecification): boolean =>
      this.ctx.cache.getFileTestResults(
        `${spec.project.name}:${posix.relative(this.ctx.config.root, spec.moduleId)}`,
      )?.failed === true;
    const rank = (spec: TestSpecification): number => {
      // Files that failed on the last run still come first, as Vitest's own order has them.
      if (failedLastTime(spec)) return -1;
      const at = slowFiles.findIndex((file) => spec.moduleId.endsWith(file));
      return at === -1 ? slowFiles.length : at;
    };
    // Array.prototype.sort is stable: the other files keep Vitest's own order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

// Tests import workspace packages by name; point those names at the sources so tests
// never run against a stale build.
export default defineConfig({
  resolve: {
    alias: {
      "@omicslake/metadata/testing": src("./packages/metadata/src/testing/index.ts"),
      "@omicslake/core/testing": src("./packages/core/src/testing/index.ts"),
      "@omicslake/core/errors": src("./packages/core/src/errors/index.ts"),
      "@omicslake/parsers/streaming": src("./packages/parsers/src/parse/streaming.ts"),
      "@omicslake/assets/testing": src("./packages/assets/src/testing/index.ts"),
      "@omicslake/assets": src("./packages/assets/src/index.ts"),
      "@omicslake/core": src("./packages/core/src/index.ts"),
      "@omicslake/parsers": src("./packages/parsers/src/index.ts"),
      "@omicslake/formats": src("./packages/formats/src/index.ts"),
      "@omicslake/ducklake": src("./packages/ducklake/src/index.ts"),
      "@omicslake/sources": src("./packages/sources/src/index.ts"),
      "@omicslake/metadata": src("./packages/metadata/src/index.ts"),
      "@omicslake/expression": src("./packages/expression/src/index.ts"),
      "@omicslake/server": src("./apps/server/src/index.ts"),
    },
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
    ],
    // The AWS SDK warns on every S3 client that its future releases need Node 22; our lockfile pins a release that supports Node 20.
    env: { TZ: "UTC", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    // Safety nets against a hung test, not speed checks: a loaded two-core machine runs the CLI and demo
    // tests several times slower than a quiet one, and no test's outcome may depend on that.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Likewise for expect.poll (the browser tests wait for pages with it): a poll succeeds as soon as its
    // condition holds, so a long limit only matters on a loaded machine.
    expect: { poll: { timeout: 120_000, interval: 100 } },
    allowOnly: false,
    // Vitest picks its own random order for --sequence.shuffle only when no sequencer is set.
    sequence: process.argv.some((arg) => arg.startsWith("--sequence.shuffle"))
      ? {}
      : { sequencer: SlowFilesFirst },
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: one worker on a two-core machine. Most test files
    // wait on child processes, PostgreSQL and sockets rather than compute, so two files at a time finish the
    // suite much sooner there; every test file uses its own directories, schemas and ports.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
