/**
 * Loading experiment files: a light module (no simulation, no Arrow) so the CLI can check its
 * arguments quickly.
 *
 * @module
 */

import path from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "@cascade/core";
import { type AnyExperiment, isExperiment } from "./experiment.ts";

/**
 * Imports an experiment file and returns its default export.
 * @throws {@link @cascade/core!ConfigError} when the file (or a file it imports) does not compile
 * (naming `file:line:column` of the first syntax error), imports a module that does not exist,
 * or does not default-export `defineExperiment(...)`.
 */
export async function importExperiment(file: string): Promise<AnyExperiment> {
  return experimentOf(file, import(pathToFileURL(file).href));
}

/**
 * The experiment that the module being imported by `module` (the import of `file`, e.g. from a
 * compiled worker) default-exports.
 * @throws {@link @cascade/core!ConfigError} as {@link importExperiment} does.
 */
export async function experimentOf(file: string, module: Promise<unknown>): Promise<AnyExperiment> {
  let mod: { default?: unknown };
  try {
    mod = (await module) as { default?: unknown };
  } catch (e) {
    throw loadError(file, e) ?? e;
  }
  if (!isExperiment(mod.default)) {
    throw new ConfigError("experiment file", file, "must default-export defineExperiment({...})");
  }
  return mod.default;
}

/**
 * The bad-input error for an experiment file that fails to load because of its text: a syntax
 * error (esbuild's `TransformError` under tsx, or a JavaScript `SyntaxError`) or a missing
 * module. `undefined` for errors thrown by the file's own top-level code.
 */
export function loadError(file: string, e: unknown): ConfigError | undefined {
  if (e instanceof ConfigError) return e;
  const err = e as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown } | null;
  const message = typeof err?.message === "string" ? err.message : "";
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  if (err?.name === "TransformError" || /^Transform failed with \d+ error/.test(message)) {
    // "Transform failed with 1 error:\n/abs/x.ts:48:41: ERROR: Expected "}" but found ")""
    const m = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
    const where = m === null ? rel(file) : `${rel(m[1]!)}:${m[2]}:${m[3]}`;
    return new ConfigError("experiment file", rel(file), `does not compile: ${where}: ${m?.[4] ?? message}`);
  }
  if (e instanceof SyntaxError) {
    const at = /(?:file:\/\/)?(\/[^\s:)]+):(\d+)(?::(\d+))?/.exec(String(err?.stack ?? ""));
    const where =
      at === null ? rel(file) : `${rel(at[1]!)}:${at[2]}${at[3] === undefined ? "" : `:${at[3]}`}`;
    return new ConfigError("experiment file", rel(file), `does not compile: ${where}: ${message}`);
  }
  if (err?.code === "ERR_MODULE_NOT_FOUND" || err?.code === "MODULE_NOT_FOUND") {
    return new ConfigError(
      "experiment file",
      rel(file),
      `imports a missing module: ${message.split("\n")[0]}`,
    );
  }
  return undefined;
}
