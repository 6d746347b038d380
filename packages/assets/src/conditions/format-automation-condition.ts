import type { AutomationCondition, DepFilter } from "./automation-condition.js";

/**
 * The condition as text that `parseAutomationCondition` reads back into the same tree: operators get
 * parentheses only where precedence (not > and > or) or a nested group of the same operator needs them.
 */
export function formatAutomationCondition(condition: AutomationCondition): string {
  switch (condition.kind) {
    case "manual":
    case "missing":
    case "in_progress":
      return condition.kind;
    case "eager":
    case "on_missing":
    case "any_deps_updated":
    case "any_deps_missing":
    case "any_deps_in_progress":
      return call(condition.kind, [], condition.deps);
    case "on_cron":
    case "cron_tick_passed": {
      const args = [quote(condition.cron)];
      if (condition.timezone !== undefined) args.push(`tz = ${quote(condition.timezone)}`);
      return call(condition.kind, args, condition.kind === "on_cron" ? condition.deps : undefined);
    }
    case "not": {
      const inner = formatAutomationCondition(condition.operand);
      const group = condition.operand.kind === "and" || condition.operand.kind === "or";
      return `not ${group ? `(${inner})` : inner}`;
    }
    case "and":
      // An `or` binds looser, and a nested `and` was a group of its own when parsed: both keep parentheses.
      return condition.operands
        .map((o) =>
          o.kind === "or" || o.kind === "and"
            ? `(${formatAutomationCondition(o)})`
            : formatAutomationCondition(o),
        )
        .join(" and ");
    case "or":
      return condition.operands
        .map((o) => (o.kind === "or" ? `(${formatAutomationCondition(o)})` : formatAutomationCondition(o)))
        .join(" or ");
  }
}

function call(name: string, args: string[], deps: DepFilter | undefined): string {
  if (deps?.ignore !== undefined) args.push(`ignore = ${selections(deps.ignore)}`);
  if (deps?.allow !== undefined) args.push(`allow = ${selections(deps.allow)}`);
  return args.length === 0 ? name : `${name}(${args.join(", ")})`;
}

function selections(values: readonly string[]): string {
  return values.length === 1 ? quote(values[0] as string) : `[${values.map(quote).join(", ")}]`;
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
