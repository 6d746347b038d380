#!/usr/bin/env node
// Writes packages/contract/src/openapi.ts, the API's wire types, from the OpenAPI document the built
// server itself produces: `npm run contract` after changing a route, `npm run contract -- --check` (in
// `npm test`) to fail when the file no longer matches the server. The server is built over a throwaway
// embedded lake with every optional part switched on (published tree, assets, expression), so every
// route is in the document; nothing is served and the expression engine is never opened.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { COMMENT_HEADER, astToString } from "openapi-typescript";
import * as prettier from "prettier";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = join(root, "packages", "contract", "src", "openapi.ts");
const HEADER =
  "// Generated from the server's OpenAPI document by `npm run contract`; do not edit. `npm test` fails when it is stale.\n";
const check = process.argv.includes("--check");

async function importBuilt(path) {
  const file = join(root, path);
  if (!existsSync(file)) {
    console.error(`${path} is not built: run \`npm run build\` first`);
    process.exit(1);
  }
  return import(pathToFileURL(file).href);
}

async function serverDocument() {
  const { buildServer } = await importBuilt("apps/server/dist/index.js");
  // By package name, so these are the very modules the built server imports.
  const { openLake } = await import("@omicslake/core");
  const { FakeAssetService } = await import("@omicslake/assets/testing");
  const { lazyExpressionService } = await import("@omicslake/expression");
  const scratch = await mkdtemp(join(tmpdir(), "omicslake-contract-"));
  const lake = await openLake({
    root: scratch,
    storage: { url: pathToFileURL(join(scratch, "objects")).href },
    database: { pgliteDir: "memory://" },
  });
  try {
    const app = await buildServer({
      lake,
      rateLimit: 0,
      publishedDir: join(scratch, "published"),
      assets: new FakeAssetService(lake),
      // Only the routes are needed: the engine opens on a route's first request, and none is made.
      expression: lazyExpressionService(() =>
        Promise.reject(new Error("the contract generator never queries expression data")),
      ),
    });
    try {
      await app.ready();
      return app.swagger();
    } finally {
      await app.close();
    }
  } finally {
    await lake.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

const document = await serverDocument();
const types = astToString(await openapiTS(structuredClone(document)));
const options = (await prettier.resolveConfig(TARGET)) ?? {};
const generated = await prettier.format(`${HEADER}${COMMENT_HEADER}${types}`, {
  ...options,
  filepath: TARGET,
});
const name = relative(root, TARGET);
const current = existsSync(TARGET) ? await readFile(TARGET, "utf8") : undefined;

if (check) {
  if (current !== generated) {
    console.error(
      `${name} does not match the server's OpenAPI document: run \`npm run contract\` and commit it`,
    );
    process.exit(1);
  }
  console.log(`${name} is up to date`);
} else if (current === generated) {
  console.log(`${name} is up to date`);
} else {
  await writeFile(TARGET, generated);
  console.log(`wrote ${name}`);
}
