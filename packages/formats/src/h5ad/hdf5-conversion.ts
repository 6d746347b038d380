import { version as nodeVersion } from "node:process";
import type { ConversionOutput, ConversionResult } from "../convert/conversion-result.js";
import { parquetEngineVersion } from "../parquet/parquet-sink.js";
import { h5wasmVersion, openHdf5, type H5File } from "./h5-reader.js";

/** What a conversion of an HDF5 file staged: its files and the manifest it wrote among them. */
export interface Hdf5Staged {
  readonly outputs: readonly ConversionOutput[];
  readonly result: Record<string, unknown>;
}

/**
 * Runs a conversion over an open HDF5 file and reports it. The file is closed however the conversion
 * ends, since h5wasm keeps it in memory until then; `convert` pushes onto `warnings` what the user
 * should know without the conversion failing.
 */
export async function convertHdf5File(
  path: string,
  format: string,
  convert: (h5: H5File, warnings: string[]) => Promise<Hdf5Staged>,
): Promise<ConversionResult> {
  const h5 = await openHdf5(path);
  const warnings: string[] = [];
  try {
    const { outputs, result } = await convert(h5, warnings);
    return {
      format,
      input: path,
      outputs,
      manifest: result,
      warnings,
      toolVersions: { duckdb: parquetEngineVersion(), h5wasm: h5wasmVersion(), node: nodeVersion },
    };
  } finally {
    h5.close();
  }
}
