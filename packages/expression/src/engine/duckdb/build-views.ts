import { createHash } from "node:crypto";
import { sqlIdentifier } from "@omicslake/core";
import type { StoreFileRole } from "../../store/store-layout.js";
import type { StoreBuild } from "../expression-engine.js";

/** The quoted view names of one build's files, as queries write them. */
export type BuildViews = { readonly [K in StoreFileRole]: string };

export const VIEW_ROLES: readonly StoreFileRole[] = [
  "genes",
  "cells",
  "valuesByGene",
  "valuesByCell",
  "groupStats",
];

/**
 * Views are named after the dataset, the build and a hash of the files' local paths: a build copied to another
 * cache directory gets views of its own instead of reading through views of a removed copy.
 */
export function viewPrefix(build: StoreBuild): string {
  const paths = VIEW_ROLES.map((role) => build.files[role] ?? "").join("\n");
  const hash = createHash("sha256").update(paths).digest("hex").slice(0, 12);
  return `${build.manifest.dataset}/b${build.manifest.build}/${hash}`;
}

export function buildViews(build: StoreBuild): BuildViews {
  const prefix = viewPrefix(build);
  const name = (role: StoreFileRole): string => sqlIdentifier(`${prefix}/${role}`);
  return {
    genes: name("genes"),
    cells: name("cells"),
    valuesByGene: name("valuesByGene"),
    valuesByCell: name("valuesByCell"),
    groupStats: name("groupStats"),
  };
}
