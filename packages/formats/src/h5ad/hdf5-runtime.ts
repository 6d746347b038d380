import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import h5wasm from "h5wasm/node";

/** The h5wasm namespace (File, Dataset, Group, Module) once `loadHdf5` has prepared it. */
export type Hdf5Library = typeof h5wasm;

/** HDF5 filters from the `h5wasm-plugins` package: registered id → what h5py and HDF5 call it. */
export const PLUGIN_FILTERS: Readonly<Record<number, string>> = {
  307: "bzip2",
  32000: "lzf",
  32001: "blosc",
  32004: "lz4",
  32008: "bitshuffle",
  32013: "zfp",
  32015: "zstd",
  32019: "jpeg",
  32022: "bitgroom",
  32023: "bitround",
  32026: "blosc2",
};

/**
 * The plugin file (`libH5Z<name>.so`) of each filter above. Blosc2 is left out: its build imports the C library's
 * `__errno_location`, which h5wasm does not export, so the first call that needs it aborts the whole WebAssembly
 * instance (see `lzfNeedsErrno` for the same trap in LZF).
 */
const PLUGIN_FILES: Readonly<Record<number, string>> = {
  307: "bz2",
  32000: "lzf",
  32001: "blosc",
  32004: "lz4",
  32008: "bshuf",
  32013: "zfp",
  32015: "zstd",
  32019: "jpeg",
  32022: "bitgroom",
  32023: "bitround",
};

/** Filters compiled into h5wasm's HDF5 itself. */
export const BUILT_IN_FILTERS: Readonly<Record<number, string>> = {
  1: "deflate",
  2: "shuffle",
  3: "fletcher32",
  4: "szip",
  5: "nbit",
  6: "scaleoffset",
};

let prepared: Promise<Hdf5Library> | undefined;
let available: ReadonlyMap<number, string> = new Map(
  Object.entries(BUILT_IN_FILTERS).map(([k, v]) => [Number(k), v]),
);

/**
 * h5wasm, ready to read: HDF5 errors are thrown as JavaScript errors instead of being printed (HDF5's default
 * handler writes dozens of `HDF5-DIAG` lines to stderr and lets the call return garbage, which for a failed
 * string read ends in a WebAssembly abort), and the compression plugins of `h5wasm-plugins` are on HDF5's
 * plugin search path, so LZF (h5py's and scanpy's `compression="lzf"`), Blosc, Zstandard and the others decode.
 */
export function loadHdf5(): Promise<Hdf5Library> {
  prepared ??= (async () => {
    const module = await h5wasm.ready;
    module.activate_throwing_error_handler();
    const dir = pluginDirectory();
    if (dir !== undefined) {
      module.insert_plugin_search_path(dir, 0);
      const found = new Map(available);
      for (const [id, file] of Object.entries(PLUGIN_FILES)) {
        if (existsSync(join(dir, `libH5Z${file}.so`))) found.set(Number(id), PLUGIN_FILTERS[Number(id)]!);
      }
      available = found;
    }
    return h5wasm;
  })();
  return prepared;
}

/** The filters HDF5 can decode here (id → name); complete once `loadHdf5` has resolved. */
export function availableFilters(): ReadonlyMap<number, string> {
  return available;
}

/** Where `h5wasm-plugins` keeps its WebAssembly side modules; undefined if the package is not installed. */
function pluginDirectory(): string | undefined {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve("h5wasm-plugins")), "plugins");
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** HDF5's registered id of the LZF filter (h5py's `compression="lzf"`). */
export const LZF_FILTER = 32000;

/**
 * Whether the LZF plugin would have to guess the size of a decompressed chunk. h5py records the chunk's byte size
 * in the third filter parameter for fixed-size types, and the plugin decompresses into exactly that; without it
 * (variable-length strings: no parameters) the plugin guesses the compressed chunk's size, and when that is too
 * small it reads `errno` through a symbol h5wasm does not export, which aborts the WebAssembly instance and every
 * later read in the process (and with `errno` provided it would only fail: this build does not retry). Such
 * datasets never reach HDF5's read: 1-D variable-length strings are read by `readLzfVlenStrings`, others refused.
 */
export function lzfNeedsErrno(cdValues: readonly number[]): boolean {
  return cdValues.length < 3 || cdValues[2] === 0;
}

/**
 * The one line of an HDF5 error stack that says what went wrong: the innermost frame, skipping the plugin
 * search frames that follow a missing filter (they only list directories). Other errors pass unchanged.
 *
 * @example hdf5Reason(e) // "required filter 'lzf' is not registered"
 */
export function hdf5Reason(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (!message.includes("HDF5-DIAG")) return message;
  const frames = [...message.matchAll(/#\d+: (\S+) line \d+ in [^:]+\(\): ([^\n]*)/g)].map((m) => ({
    source: m[1]!,
    text: m[2]!.trim(),
  }));
  const useful = frames.filter((f) => !/\/H5PL[^/]*\.c$/.test(f.source));
  return (useful.at(-1) ?? frames.at(-1))?.text ?? "HDF5 error";
}
