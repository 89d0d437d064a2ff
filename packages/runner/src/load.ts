/**
 * Loading experiment files: a light module (no simulation, no Arrow) so the CLI can check its
 * arguments quickly.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { ConfigError } from "@cascade/core";
import { type AnyExperiment, isExperiment } from "./experiment.ts";

/**
 * Imports an experiment file and returns its default export.
 * @throws {@link @cascade/core!ConfigError} when the file does not default-export `defineExperiment(...)`.
 */
export async function importExperiment(file: string): Promise<AnyExperiment> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (!isExperiment(mod.default)) {
    throw new ConfigError("experiment file", file, "must default-export defineExperiment({...})");
  }
  return mod.default;
}
