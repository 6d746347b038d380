#!/usr/bin/env node
// Checks the workspace's package graph: every `@omicslake/<name>` import in a package's sources is a
// declared dependency of that package and a TypeScript project reference, and the graph of declared
// dependencies has no cycle. A cycle would make `tsc -b` order arbitrary and let one flow reach back into
// another; an undeclared import works in the monorepo and breaks for anyone who installs the package.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const readJson = (p) => JSON.parse(readFileSync(p, "utf8"));
const workspaces = readJson(join(root, "package.json")).workspaces;
const packages = new Map(); // package name -> { dir, deps, refs }
for (const dir of workspaces) {
  const pkg = readJson(join(root, dir, "package.json"));
  const tsconfig = readJson(join(root, dir, "tsconfig.json"));
  const refs = (tsconfig.references ?? []).map((r) => relative(root, resolve(root, dir, r.path)));
  const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith("@omicslake/"));
  packages.set(pkg.name, { dir, deps, refs });
}
const dirOf = new Map([...packages].map(([name, p]) => [name, p.dir]));
const problems = [];

function sources(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx|mjs|js)$/.test(entry) && !/\.test\.tsx?$/.test(entry)) out.push(path);
  }
  return out;
}

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)["'](@omicslake\/[^/"']+)(?:\/[^"']*)?["']/g;
for (const [name, { dir, deps, refs }] of packages) {
  for (const file of sources(join(root, dir, "src"))) {
    for (const [, target] of readFileSync(file, "utf8").matchAll(IMPORT)) {
      if (target === name) continue;
      const where = relative(root, file);
      if (!packages.has(target))
        problems.push(`${where} imports ${target}, which is not a workspace package`);
      else if (!deps.includes(target))
        problems.push(`${where} imports ${target}, missing from ${dir}/package.json dependencies`);
      else if (!refs.includes(dirOf.get(target)))
        problems.push(`${where} imports ${target}, missing from ${dir}/tsconfig.json references`);
    }
  }
}

// The dashboard runs in browsers: it may reach the server only through the API's wire types, and those stay
// free of runtime dependencies, so no Node-only module can end up in the browser bundle.
const BROWSER_ONLY = { "@omicslake/web": ["@omicslake/contract"], "@omicslake/contract": [] };
for (const [name, allowed] of Object.entries(BROWSER_ONLY)) {
  const pkg = packages.get(name);
  if (!pkg) continue;
  for (const dep of pkg.deps)
    if (!allowed.includes(dep))
      problems.push(
        `${pkg.dir} depends on ${dep}; it may use only ${allowed.join(", ") || "no workspace package"}`,
      );
  const manifest = readJson(join(root, pkg.dir, "package.json"));
  if (name === "@omicslake/contract" && Object.keys(manifest.dependencies ?? {}).length > 0)
    problems.push(`${pkg.dir} has dependencies; the contract must stay types only`);
}

// Depth-first search for a cycle in the declared dependencies.
const state = new Map();
function visit(name, path) {
  if (state.get(name) === "done") return;
  if (state.get(name) === "active") {
    problems.push(`dependency cycle: ${[...path.slice(path.indexOf(name)), name].join(" -> ")}`);
    return;
  }
  state.set(name, "active");
  for (const dep of packages.get(name)?.deps ?? []) visit(dep, [...path, name]);
  state.set(name, "done");
}
for (const name of packages.keys()) visit(name, []);

if (problems.length > 0) {
  process.stderr.write(
    `package graph: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}\n`,
  );
  process.exit(1);
}
const edges = [...packages].map(([name, p]) => `  ${name} -> ${p.deps.join(", ") || "(none)"}`).join("\n");
process.stdout.write(`package graph: acyclic, every import declared\n${edges}\n`);
