// An ESLint rule that keeps the package graph honest: a file may import another workspace package
// only through its entry point (`@omicslake/<name>` or a declared subpath such as
// `@omicslake/core/testing`), never by a relative path that walks into that package's folder, nor by
// a deep `@omicslake/<name>/src/...` path. Without it, a test or module can reach around a
// package's index and the "one package per flow" boundaries erode silently.
import { dirname, relative, resolve, sep } from "node:path";

/** The workspace folder (`packages/x` or `apps/x`) holding an absolute path, or undefined. */
function packageRoot(root, file) {
  const parts = relative(root, file).split(sep);
  if ((parts[0] === "packages" || parts[0] === "apps") && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return undefined;
}

export default {
  meta: {
    type: "problem",
    docs: { description: "import other workspace packages only through their entry points" },
    messages: {
      relative:
        "'{{spec}}' reaches into {{target}} by a relative path; import it from its package entry point instead",
      deep: "'{{spec}}' imports a package's internals; import from '@omicslake/{{name}}' (or a declared subpath) instead",
    },
    schema: [{ type: "object", properties: { root: { type: "string" } }, additionalProperties: false }],
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const file = context.filename;
    const own = packageRoot(root, file);
    function check(node, spec) {
      if (typeof spec !== "string") return;
      const deep = /^@omicslake\/([^/]+)\/(src|dist|test)(\/|$)/.exec(spec);
      if (deep) {
        context.report({ node, messageId: "deep", data: { spec, name: deep[1] } });
        return;
      }
      if (!spec.startsWith(".")) return;
      const target = packageRoot(root, resolve(dirname(file), spec));
      if (target !== undefined && target !== own)
        context.report({ node, messageId: "relative", data: { spec, target } });
    }
    const fromSource = (node) => check(node.source, node.source?.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: (node) => node.source && fromSource(node),
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === "Literal" && check(node.source, node.source.value),
    };
  },
};
