/** Why a command line cannot be run without a shell, or undefined when it can. */
export type CommandLineProblem = string;

const SHELL_OPERATORS = new Set(["|", "&", ";", "<", ">", "(", ")", "$", "`"]);

/**
 * Splits a command line into argv the way a POSIX shell would for plain words and quotes, so that it can be
 * spawned without a shell: whitespace separates words, `'…'` is literal, `"…"` keeps `\"`, `\\`, `\$` and
 * `` \` `` escapes, and a backslash outside quotes escapes the next character. Pipes, redirections,
 * `;`, `&`, `$` and backquotes outside quotes are refused (there is no shell to give them a meaning):
 * write `sh -c '…'` for those. Globs and `~` are not expanded.
 *
 * @example splitCommandLine(`fasterq-dump --split-files -O {output} {accession}`) // ["fasterq-dump", "--split-files", "-O", "{output}", "{accession}"]
 */
export function splitCommandLine(line: string): string[] | CommandLineProblem {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "\\") {
      if (i + 1 >= line.length) return "it ends with a lone backslash";
      word += line[++i];
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) return `the quote ' at character ${i + 1} is never closed`;
      word += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && '"\\$`'.includes(line[j + 1] ?? "")) j++;
        else if (line[j] === "$" || line[j] === "`") {
          return `"${line[j]}" inside double quotes at character ${j + 1} would need a shell; escape it or use single quotes`;
        }
        word += line[j];
      }
      if (j >= line.length) return `the quote " at character ${i + 1} is never closed`;
      i = j;
    } else if (SHELL_OPERATORS.has(c)) {
      return `"${c}" at character ${i + 1} needs a shell, and the command runs without one`;
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) return "it is empty";
  return words;
}

/**
 * Replaces `{name}` placeholders in one argument; `{{` and `}}` stand for literal braces. Substitution
 * happens after splitting, so a value with spaces or quotes stays one argument.
 */
export function fillPlaceholders(arg: string, values: Readonly<Record<string, string>>): string {
  return arg.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    const value = values[name!];
    if (value === undefined)
      throw new Error(`placeholder {${name}} has no value (the config check lets none through)`);
    return value;
  });
}

/** The placeholder names a command line uses, `{{`/`}}` excepted. */
export function placeholdersOf(line: string): string[] {
  return [
    ...line
      .replaceAll("{{", "")
      .replaceAll("}}", "")
      .matchAll(/\{([^{}]*)\}/g),
  ].map((m) => m[1]!);
}
