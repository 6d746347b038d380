import { nameFilter } from "../name-filter.js";

/**
 * A dataset's `include` / `exclude` globs as one predicate over an item: it is kept when some include matches
 * its key or one of its files' names or base names (or there are no includes), and no exclude matches any.
 */
export function itemFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = [],
): (key: string, fileNames: readonly string[]) => boolean {
  const included = nameFilter(include);
  const excluded = nameFilter(exclude);
  return (key, fileNames) => {
    const names = [key, ...fileNames.flatMap((name) => [name, name.slice(name.lastIndexOf("/") + 1)])];
    return (include.length === 0 || names.some(included)) && !(exclude.length > 0 && names.some(excluded));
  };
}
