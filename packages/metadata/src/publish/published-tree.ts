import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError, ValidationError } from "@omicslake/core";
import {
  MANIFEST_NAME,
  parseManifest,
  publishedPathProblem,
  type PublishedFile,
} from "./publish-manifest.js";

/** A file of a local published tree: what its manifest says it is, and where it lies on disk. */
export interface LocalPublishedFile extends PublishedFile {
  readonly file: string;
  readonly mediaType: string;
  /** The manifest's own bytes, as read for this lookup (it is small, and may be replaced any moment). */
  readonly content?: Buffer;
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  json: "application/json",
  parquet: "application/vnd.apache.parquet",
  duckdb: "application/vnd.duckdb",
};

/**
 * Looks `path` up in the manifest of the published tree in `dir`. Only files the manifest lists are
 * found, so nothing else in the directory (temp files of a running publish, files it is about to
 * delete) is reachable, and a path that tries to leave the tree is refused before any lookup. The
 * manifest itself is found too, with the sha256 of its bytes as read.
 */
export async function findPublishedFile(dir: string, path: string): Promise<LocalPublishedFile> {
  const problem = publishedPathProblem(path);
  if (problem !== undefined) {
    throw new ValidationError(`published path ${JSON.stringify(path.slice(0, 200))} ${problem}`, {
      details: { path: path.slice(0, 1024), reason: problem },
      hint: "Ask for a path the published manifest.json lists",
    });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, MANIFEST_NAME));
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    throw new NotFoundError("published file", path, {
      hint: 'Nothing is published yet: run "omicslake publish"',
      cause: error,
    });
  }
  const manifest = parseManifest(bytes.toString("utf8"), MANIFEST_NAME);
  if (path === MANIFEST_NAME) {
    return {
      path,
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      file: join(dir, MANIFEST_NAME),
      mediaType: "application/json",
      content: bytes,
    };
  }
  const entry = manifest.files.find((f) => f.path === path);
  if (entry === undefined) {
    throw new NotFoundError("published file", path, {
      hint: "GET /v1/published/manifest.json lists the published files",
    });
  }
  const extension = path.slice(path.lastIndexOf(".") + 1);
  return {
    ...entry,
    file: join(dir, ...path.split("/")),
    mediaType: MEDIA_TYPES[extension] ?? "application/octet-stream",
  };
}
