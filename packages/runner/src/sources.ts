/**
 * The source files an experiment is made of: its file and every file it imports from the
 * repository — relative imports (helpers and agents in `experiments/lib/`) and the workspace
 * packages (`@cascade/*`, resolved to their `src/`) — found by a static scan of the import
 * statements, with a content hash of each. Third-party packages (`node_modules` outside the
 * workspace) are recorded by version in the manifest instead.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One source file and the SHA-256 of its content. */
export interface SourceFile {
  /** Absolute real path. */
  readonly file: string;
  /** SHA-256 (hex) of the file's bytes. */
  readonly sha256: string;
  /**
   * Whether it is the experiment's own code: reached from the experiment file through relative
   * imports only, within the experiment file's directory tree (e.g. `experiments/lib/`).
   */
  readonly local: boolean;
}

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`; comments are not stripped,
// so a commented-out import may add a file (harmless: it is hashed, never run).
const IMPORT_RE =
  /(?:^|[\s;})])(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,$]+?\s*from\s*)?["']([^"'\n]+)["']|\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)/g;
const EXTS = [".ts", ".mts", ".tsx", ".js", ".mjs"];

/** The module specifiers a source text imports (static and literal dynamic imports). */
export function importSpecifiers(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(IMPORT_RE)) out.add((m[1] ?? m[2])!);
  return [...out];
}

/**
 * Every repository file `entry` imports, transitively, with `entry` first and the rest sorted by
 * path. Workspace packages are followed when `repoRoot` is given: `@scope/name` resolves to
 * `<repoRoot>/packages/<name>/package.json`'s `exports["."]` (or `src/index.ts`) when that
 * package's name matches; imports that resolve to no file are skipped.
 */
export function experimentSources(entry: string, repoRoot?: string): SourceFile[] {
  const start = realpathSync(entry);
  const home = path.dirname(start) + path.sep;
  const seen = new Map<string, boolean>();
  const queue: [string, boolean][] = [[start, true]];
  const packages = repoRoot === undefined ? new Map<string, string>() : workspacePackages(repoRoot);
  while (queue.length > 0) {
    const [file, local] = queue.shift()!;
    const before = seen.get(file);
    if (before !== undefined && (before || !local)) continue;
    seen.set(file, local);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const spec of importSpecifiers(text)) {
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const target = resolveFile(path.resolve(path.dirname(file), spec));
        if (target !== undefined && !target.includes(`${path.sep}node_modules${path.sep}`)) {
          queue.push([target, local && target.startsWith(home)]);
        }
      } else {
        const pkg = /^(@[^/]+\/[^/]+|[^@/][^/]*)/.exec(spec)?.[1];
        const target = pkg === undefined || pkg !== spec ? undefined : packages.get(pkg);
        if (target !== undefined) queue.push([target, false]);
      }
    }
  }
  const files = [...seen.keys()];
  const rest = files.filter((f) => f !== start).sort();
  return [start, ...rest].map((file) => ({
    file,
    sha256: createHash("sha256").update(readFileSync(file)).digest("hex"),
    local: seen.get(file)!,
  }));
}

/** The repository this runner belongs to (its workspace packages are followed). */
export const RUNNER_REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The manifest's `sources` record of an experiment file: the content hash of it and of every
 * repository file it imports (relative imports, and the workspace packages of
 * {@link RUNNER_REPO_ROOT}), paths relative to that root, and one hash over them all.
 */
export function sourcesRecord(file: string): {
  sha256: string;
  files: Record<string, string>;
  root: string;
} {
  const root = RUNNER_REPO_ROOT;
  const sources = experimentSources(file, root);
  return {
    sha256: sourcesHash(sources, root),
    files: Object.fromEntries(sources.map((s) => [path.relative(root, s.file), s.sha256])),
    root,
  };
}

/** Paths whose hashes differ between two `files` records (or are in one only), sorted. */
export function differingSources(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]).sort();
}

/** SHA-256 over the sorted `path:sha256` lines of `sources`, paths relative to `root`. */
export function sourcesHash(sources: readonly SourceFile[], root: string): string {
  const lines = sources.map((s) => `${path.relative(root, s.file)}:${s.sha256}`).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/** `path` itself or with a TypeScript/JavaScript extension (or `/index.ts`), if such a file exists. */
function resolveFile(p: string): string | undefined {
  const candidates = [p, ...EXTS.map((e) => p + e), ...EXTS.map((e) => path.join(p, `index${e}`))];
  // `./x.js` written for a `.ts` file (NodeNext style).
  if (/\.m?js$/.test(p)) candidates.push(p.replace(/\.(m?)js$/, ".$1ts"));
  for (const c of candidates) {
    try {
      if (existsSync(c) && statSync(c).isFile()) return realpathSync(c);
    } catch {
      /* unreadable: skipped */
    }
  }
  return undefined;
}

/** Workspace packages under `<root>/packages`: name → entry source file. */
function workspacePackages(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = path.join(root, "packages");
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  for (const n of names) {
    const pj = path.join(dir, n, "package.json");
    if (!existsSync(pj)) continue;
    try {
      const pkg = JSON.parse(readFileSync(pj, "utf8")) as {
        name?: string;
        exports?: { ".": { default?: string } | string };
      };
      const dot = pkg.exports?.["."];
      const rel = typeof dot === "string" ? dot : (dot?.default ?? "./src/index.ts");
      const entry = resolveFile(path.join(dir, n, rel));
      if (pkg.name !== undefined && entry !== undefined) out.set(pkg.name, entry);
    } catch {
      /* not a package */
    }
  }
  return out;
}
