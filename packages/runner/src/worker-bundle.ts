/**
 * The compiled worker of an experiment: `worker.ts` and the experiment file, with everything they
 * import from this repository or from other TypeScript, bundled by esbuild into one ES module.
 * Workers load it directly: no TypeScript loader, one file instead of hundreds, and only what a
 * run uses: the `@cascade/*` packages declare `"sideEffects": false`, so esbuild leaves out the
 * parts of `@cascade/runner` and `@cascade/analysis` an experiment imports but a run never calls
 * (the CLI, the pool, the report with vega and vega-lite, the type checker, mathjs).
 *
 * JavaScript packages from `node_modules` stay outside the bundle and are imported by their
 * absolute path as Node would resolve them from the importing file. `import.meta.url`,
 * `import.meta.dirname` and `import.meta.filename` keep naming each bundled file, and an inline
 * source map makes stack traces point at the TypeScript lines.
 *
 * Compiled once, then cached in `node_modules/.cache/cascade-workers` (or `$CASCADE_CACHE_DIR`)
 * under a key of the experiment's path, and reused while every file that went into it (sources,
 * their `package.json` and `tsconfig.json`, the entry files of the external packages) hashes the
 * same. Safe with concurrent invocations: files appear by atomic rename under names that depend
 * on their content, so a reader sees a whole bundle or none.
 *
 * @module
 */

import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";
import { ConfigError } from "@cascade/core";
import type { BuildResult, Message, Plugin } from "esbuild";

/** Changes whenever the way bundles are made changes, so older cached bundles are not reused. */
const BUNDLE_FORMAT = 1;
/** Cached bundles that no index names any more are removed once they are this old, ms. */
const STALE_BUNDLE_MS = 3_600_000;

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** This package's root: its files are always bundled, so a worker holds one copy of the runner. */
const RUNNER_ROOT = path.resolve(HERE, "..");
/** The worker module beside this one (`worker.ts` in the repository, `worker.js` once compiled). */

const EXT = path.extname(fileURLToPath(import.meta.url));
/** pluginData of the resolutions the plugin asks esbuild for itself. */
const RESOLVING = "cascade-worker:resolving";
/** The worker module beside this one (`worker.ts` in the repository, `worker.js` once compiled). */
const WORKER_MODULE = path.join(HERE, `worker${EXT}`);
const require = createRequire(import.meta.url);
const ESBUILD_VERSION = (require("esbuild/package.json") as { version: string }).version;

/** A compiled worker. */
export interface WorkerBundle {
  /** Absolute path of the bundle (an ES module whose default export is the piscina task function). */
  readonly file: string;
  /** Whether this call compiled it (`false`: found in the cache). */
  readonly compiled: boolean;
  /** Time spent finding or compiling it, ms. */
  readonly ms: number;
  /** Files that went into it (sources, manifests, external entry files). */
  readonly inputs: number;
  /** Size of the bundle, bytes. */
  readonly bytes: number;
  /** The packages the bundle imports at run time from `node_modules` (`node:` modules aside). */
  readonly external: readonly string[];
}

/** What the cache keeps beside a bundle: what went into it. */
interface BundleIndex {
  readonly format: number;
  readonly bundle: string;
  /** [absolute path, sha-256 of its bytes]. */
  readonly inputs: readonly (readonly [string, string])[];
  readonly external: readonly string[];
}

/**
 * The directory compiled workers are cached in: `$CASCADE_CACHE_DIR`, else `.cache/cascade-workers`
 * in the `node_modules` directory nearest to this package, else (none, or read-only) one under the
 * system's temp dir.
 */
export function workerCacheDir(): string {
  const env = process.env.CASCADE_CACHE_DIR;
  if (env !== undefined && env !== "") return path.resolve(env);
  for (let dir = RUNNER_ROOT; ; dir = path.dirname(dir)) {
    const nm = path.join(dir, "node_modules");
    if (existsSync(nm)) {
      if (writable(nm)) return path.join(nm, ".cache", "cascade-workers");
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return path.join(os.tmpdir(), `cascade-workers-${os.userInfo().uid}`);
}

/**
 * The compiled worker of `experimentFile`: from the cache when none of its inputs changed,
 * otherwise compiled now (about half a second) and cached.
 * @throws {@link @cascade/core!ConfigError} when the experiment does not compile, naming
 * `file:line:column` of the first error.
 */
export async function workerBundle(
  experimentFile: string,
  cacheDir = workerCacheDir(),
): Promise<WorkerBundle> {
  const t0 = performance.now();
  const file = path.resolve(experimentFile);
  const key = sha256(
    JSON.stringify([BUNDLE_FORMAT, ESBUILD_VERSION, process.versions.node, WORKER_MODULE, file]),
  ).slice(0, 24);
  const indexFile = path.join(cacheDir, `${key}.json`);
  const cached = readIndex(indexFile, cacheDir);
  if (cached !== null) {
    const bundle = path.join(cacheDir, cached.bundle);
    return {
      file: bundle,
      compiled: false,
      ms: performance.now() - t0,
      inputs: cached.inputs.length,
      bytes: statSync(bundle).size,
      external: cached.external,
    };
  }
  const { code, inputs, external } = await compile(file, cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  const name = `${sha256(code).slice(0, 24)}.mjs`;
  writeAtomic(path.join(cacheDir, name), code);
  const index: BundleIndex = { format: BUNDLE_FORMAT, bundle: name, inputs, external };
  writeAtomic(indexFile, `${JSON.stringify(index)}\n`);
  pruneBundles(cacheDir);
  return {
    file: path.join(cacheDir, name),
    compiled: true,
    ms: performance.now() - t0,
    inputs: inputs.length,
    bytes: Buffer.byteLength(code),
    external,
  };
}

/** The index at `indexFile` when its bundle exists and every input still hashes the same, else `null`. */
function readIndex(indexFile: string, cacheDir: string): BundleIndex | null {
  let index: BundleIndex;
  try {
    index = JSON.parse(readFileSync(indexFile, "utf8")) as BundleIndex;
  } catch {
    return null;
  }
  if (index.format !== BUNDLE_FORMAT || !existsSync(path.join(cacheDir, index.bundle))) return null;
  for (const [f, hash] of index.inputs) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch {
      return null;
    }
    if (sha256(bytes) !== hash) return null;
  }
  return index;
}

/** Compiles the worker of `file` in memory (for a file in `outDir`: the source map's paths are relative to it). */
async function compile(
  file: string,
  outDir: string,
): Promise<{ code: string; inputs: [string, string][]; external: string[] }> {
  const esbuild = await import("esbuild");
  const inputs = new Map<string, string>();
  // External imports by URL: the package, and the directory of its entry file.
  const externals = new Map<string, { name: string; dir: string }>();
  const manifests = new Manifests((f) => hashInput(inputs, f));
  const entry = [
    `import { serveRuns } from ${JSON.stringify(WORKER_MODULE)};`,
    `export default serveRuns(${JSON.stringify(file)}, import(${JSON.stringify(file)}));`,
  ].join("\n");
  const plugin: Plugin = {
    name: "cascade-worker",
    setup(build) {
      // Bare imports: JavaScript packages in node_modules stay external, imported by the absolute
      // URL Node would resolve from the importer; TypeScript and this package are bundled.
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === RESOLVING || args.path.startsWith("node:")) return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: RESOLVING,
        });
        if (r.errors.length > 0 || r.external || !path.isAbsolute(r.path)) return r;
        const typescript = /\.[cm]?tsx?$/.test(r.path);
        if (!inNodeModules(r.path) || typescript || isInside(r.path, RUNNER_ROOT)) return r;
        const url = pathToFileURL(r.path).href;
        externals.set(url, { name: packageName(args.path), dir: path.dirname(r.path) });
        // With "sideEffects": false the import is dropped when nothing of the package is used.
        return { path: url, external: true, sideEffects: r.sideEffects };
      });
      build.onLoad({ filter: /.*/, namespace: "file" }, (args) => {
        const bytes = readFileSync(args.path);
        inputs.set(args.path, sha256(bytes));
        manifests.add(path.dirname(args.path));
        if (!/\.[cm]?[jt]sx?$/.test(args.path)) return { contents: bytes, loader: "default" };
        return {
          contents: keepImportMeta(bytes.toString("utf8"), args.path),
          loader: /\.[cm]?tsx?$/.test(args.path) ? (args.path.endsWith("x") ? "tsx" : "ts") : "js",
        };
      });
    },
  };
  let result: BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      stdin: { contents: entry, resolveDir: path.dirname(file), sourcefile: "cascade-worker-entry.js" },
      bundle: true,
      platform: "node",
      format: "esm",
      // As tsx compiles the main thread's copy: same target, same names.
      target: `node${process.versions.node}`,
      keepNames: true,
      // Resolve as Node does (no bundler-only `module` condition or field).
      conditions: [],
      mainFields: ["main"],
      sourcemap: "inline",
      sourcesContent: false,
      write: false,
      outfile: path.join(outDir, "worker.mjs"),
      metafile: true,
      logLevel: "silent",
      plugins: [plugin],
    });
  } catch (e) {
    throw compileError(file, (e as { errors?: Message[] }).errors ?? [], e);
  }
  const code = result.outputFiles[0]!.text;
  const external = new Set<string>();
  for (const out of Object.values(result.metafile.outputs)) {
    for (const i of out.imports) {
      const ext = externals.get(i.path);
      if (ext === undefined) continue;
      external.add(ext.name);
      // Its package.json stands for it (another version or install changes it, or the path).
      manifests.add(ext.dir);
    }
  }
  return {
    code,
    inputs: [...inputs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    external: [...external].sort(),
  };
}

/**
 * The nearest `package.json` and `tsconfig.json` above each bundled file (and above each external
 * package's entry), hashed once per directory as inputs: they decide how imports resolve, what
 * esbuild may leave out (`"sideEffects"`) and how files compile; an installed package's
 * package.json stands for its files (another version or install changes it, or its path).
 */
class Manifests {
  private readonly seen = new Map<string, readonly string[]>();
  constructor(private readonly onFile: (file: string) => void) {}

  add(dir: string): void {
    for (const f of this.nearest(dir)) this.onFile(f);
  }

  /** The nearest package.json and tsconfig.json of `dir`, those that exist. */
  private nearest(dir: string): readonly string[] {
    const known = this.seen.get(dir);
    if (known !== undefined) return known;
    const parent = path.dirname(dir);
    const above = parent === dir ? [] : this.nearest(parent);
    const found = ["package.json", "tsconfig.json"].flatMap((name) => {
      const own = path.join(dir, name);
      return existsSync(own) ? [own] : above.filter((f) => path.basename(f) === name);
    });
    this.seen.set(dir, found);
    return found;
  }
}

/** Replaces `import.meta.url`, `.dirname` and `.filename` by what they are in `file` itself. */
function keepImportMeta(source: string, file: string): string {
  if (!source.includes("import.meta")) return source;
  return source
    .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(file).href))
    .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(file)))
    .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(file));
}

/** The bad-input error of a compilation that failed. */
function compileError(file: string, errors: readonly Message[], cause: unknown): Error {
  const first = errors[0];
  if (first === undefined) return cause instanceof Error ? cause : new Error(String(cause));
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  const loc = first.location;
  const where = loc === null ? rel(file) : `${rel(loc.file)}:${loc.line}:${loc.column + 1}`;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new ConfigError(
    "experiment file",
    rel(file),
    `does not compile for the workers: ${where}: ${first.text}${more}`,
  );
}

function hashInput(inputs: Map<string, string>, file: string): void {
  if (!inputs.has(file)) inputs.set(file, sha256(readFileSync(file)));
}

/** `name` or `@scope/name` of a bare import. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function inNodeModules(file: string): boolean {
  return file.split(path.sep).includes("node_modules");
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes `data` to `file` through a temp file of this process and thread, renamed into place. */
function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}-${threadId}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Removes bundles no index names that are older than {@link STALE_BUNDLE_MS} (a process may still be starting one). */
function pruneBundles(cacheDir: string): void {
  try {
    const names = readdirSync(cacheDir);
    const named = new Set<string>();
    for (const n of names) {
      if (!n.endsWith(".json")) continue;
      try {
        named.add((JSON.parse(readFileSync(path.join(cacheDir, n), "utf8")) as BundleIndex).bundle);
      } catch {
        // Another process is replacing it; its bundle is young.
      }
    }
    const now = Date.now();
    for (const n of names) {
      const f = path.join(cacheDir, n);
      if (!(n.endsWith(".mjs") || n.endsWith(".tmp")) || named.has(n)) continue;
      if (now - statSync(f).mtimeMs > STALE_BUNDLE_MS) unlinkSync(f);
    }
  } catch {
    // Pruning is housekeeping: a file removed meanwhile by another process is no error.
  }
}
