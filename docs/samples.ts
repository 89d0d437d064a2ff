/**
 * Sample outputs that cannot drift. A block of a guide (docs/*.md, README.md) that shows what a
 * command prints is preceded by a marker naming the command:
 *
 * ```text
 * <!-- sample: pnpm cascade run flash-crash -->
 * ```
 *
 * followed at once by a fenced block holding the command's output (stdout; add `2>&1` to the
 * command for stderr too). A marker may list several commands, one per line; a line written
 * `$ <command>` shows the command before its output, as a terminal transcript:
 *
 * ```text
 * <!-- sample:
 * $ pnpm cascade run flash-crash --worker 2 2>&1
 * $ pnpm cascade run flash-crash --set levrage=5 2>&1
 * -->
 * ```
 *
 * `pnpm docs:samples` (`samples.main.ts`) runs every command and rewrites the blocks whose output
 * changed;
 * `docs/samples.test.ts` (part of `pnpm test`) fails when a block differs from what its command
 * prints now. Commands run through `sh -c` with the repository's `node_modules/.bin` on the PATH,
 * `pnpm <script>` standing for the root package.json script (as `pnpm` runs it), in a scratch
 * directory that mirrors the repository root (symlinks to its entries), so that what a command
 * writes under `out/` lands there and is removed afterwards; the paths it prints are made to read
 * as from the repository root (see {@link asFromRoot}).
 *
 * Only what genuinely varies between machines and runs is normalised before comparing (and kept
 * as printed in the guide): wall-clock durations and worker counts of the run summary line
 * (`· 2 workers · 36.7 s`), rates (`1.3 runs/s`), other durations printed as `(37.4 s)`, and the
 * date-time of a default output folder (`out/flash-crash/2026-12-02T06-09-41-638Z`). Everything
 * else — every figure of the model — must match exactly.
 *
 * Outputs are cached in `node_modules/.cache/cascade-doc-samples/`, keyed by the command, the
 * Node.js version and a hash of every file of the repository that is not ignored by git (guides
 * and tests excepted): an unchanged tree does not run the flagship again, and any change to the
 * code does.
 *
 * @module
 */

import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What regenerates the samples; named by every failure. */
export const REGENERATE = "pnpm docs:samples";

/** One command of a marker. */
export interface SampleCommand {
  /** The command line, as `sh -c` runs it. */
  readonly command: string;
  /** Whether the block shows `$ <command>` before the output. */
  readonly echo: boolean;
}

/** A marked block of a guide. */
export interface SampleBlock {
  /** Guide path relative to the repository root, e.g. `docs/getting-started.md`. */
  readonly doc: string;
  /** 1-based line of the marker. */
  readonly line: number;
  readonly commands: readonly SampleCommand[];
  /** The block's text as the guide holds it (lines between the fences, joined with `\n`). */
  readonly body: string;
  /** 0-based line indexes of the first body line and of the closing fence. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
}

const MARKER_ONE = /^<!--\s*sample:\s*(.*?)\s*-->\s*$/;
const MARKER_OPEN = /^<!--\s*sample:\s*(.*)$/;
const FENCE = /^(`{3,}|~{3,})/;

/**
 * The marked blocks of one guide.
 * @throws Error naming the guide and line when a marker lists no command or is not followed by a fence.
 */
export function findSampleBlocks(doc: string, text: string): SampleBlock[] {
  const lines = text.split("\n");
  const out: SampleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const at = `${doc}:${i + 1}`;
    let raw: string[];
    let end = i;
    const one = MARKER_ONE.exec(lines[i]!);
    if (one !== null) raw = [one[1]!];
    else {
      const open = MARKER_OPEN.exec(lines[i]!);
      if (open === null) continue;
      raw = [open[1]!];
      while (++end < lines.length && !lines[end]!.includes("-->")) raw.push(lines[end]!);
      if (end === lines.length) throw new Error(`${at}: sample marker without its closing -->`);
      raw.push(lines[end]!.slice(0, lines[end]!.indexOf("-->")));
    }
    const commands = raw
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map((l) =>
        l.startsWith("$ ") ? { command: l.slice(2).trim(), echo: true } : { command: l, echo: false },
      );
    if (commands.length === 0) throw new Error(`${at}: sample marker names no command`);
    const fence = FENCE.exec(lines[end + 1] ?? "");
    if (fence === null) throw new Error(`${at}: a sample marker must be followed at once by a fenced block`);
    let close = end + 2;
    while (
      close < lines.length &&
      !(lines[close]!.startsWith(fence[1]!) && lines[close]!.trim() === fence[1])
    )
      close++;
    if (close === lines.length) throw new Error(`${at}: the sample's fenced block is not closed`);
    out.push({
      doc,
      line: i + 1,
      commands,
      body: lines.slice(end + 2, close).join("\n"),
      bodyStart: end + 2,
      bodyEnd: close,
    });
    i = close;
  }
  return out;
}

/** What varies between machines and runs, and what it is compared as (see the module comment). */
const VARIABLE: readonly (readonly [RegExp, string])[] = [
  [/· \d+ workers? · \d+(\.\d+)? s\b/g, "· <workers> workers · <seconds> s"],
  [/\b\d+(\.\d+)? runs\/s\b/g, "<rate> runs/s"],
  [/\(\d+(\.\d+)? s\)/g, "(<seconds> s)"],
  [/\b\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\b/g, "<date-time>"],
];

/** A block's text with what genuinely varies replaced by placeholders, trailing blanks trimmed. */
export function normalise(text: string): string {
  let t = text
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trim();
  for (const [re, by] of VARIABLE) t = t.replace(re, by);
  return t;
}

/** The block text of the commands' outputs: each output, after `$ command` when echoed. */
export function blockText(commands: readonly SampleCommand[], outputs: readonly string[]): string {
  const parts = commands.map((c, i) => {
    const o = outputs[i]!.replace(/\s+$/, "");
    return c.echo ? `$ ${c.command}${o === "" ? "" : `\n${o}`}` : o;
  });
  return parts
    .join("\n")
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");
}

/** `text` with each block's body replaced by `bodies` (same order as `blocks`). */
export function rewrite(text: string, blocks: readonly SampleBlock[], bodies: readonly string[]): string {
  const lines = text.split("\n");
  for (let b = blocks.length - 1; b >= 0; b--) {
    const block = blocks[b]!;
    lines.splice(block.bodyStart, block.bodyEnd - block.bodyStart, ...bodies[b]!.split("\n"));
  }
  return lines.join("\n");
}

/** The guides that may hold samples: README.md and docs/*.md. */
export function guides(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((n) => n.endsWith(".md"))
    .sort()
    .map((n) => `docs/${n}`);
  return ["README.md", ...docs];
}

/** Every marked block of every guide. */
export function allSampleBlocks(): SampleBlock[] {
  return guides().flatMap((doc) => findSampleBlocks(doc, fs.readFileSync(path.join(ROOT, doc), "utf8")));
}

/** `pnpm <script> …` as the script's own command line (what pnpm runs); other commands as they are. */
export function expandCommand(command: string, scripts: Readonly<Record<string, string>>): string {
  const m = /^pnpm\s+(?:run\s+)?([\w:.-]+)(.*)$/s.exec(command);
  if (m === null) return command;
  const script = scripts[m[1]!];
  if (script === undefined)
    throw new Error(`sample command "${command}": no script "${m[1]}" in package.json`);
  return `${script}${m[2]}`;
}

let treeKey: string | undefined;

/**
 * A hash of every file git does not ignore (tracked or not) — guides (`*.md`), tests (`*.test.ts`)
 * and generated validation pages excepted, since no command's output depends on them — or
 * `undefined` outside a git work tree (then nothing is cached).
 */
function sourceTreeKey(): string | undefined {
  if (treeKey !== undefined) return treeKey;
  const ls = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  });
  if (ls.status !== 0) return undefined;
  const files = ls.stdout
    .toString()
    .split("\0")
    .filter(
      (f) => f !== "" && !f.endsWith(".md") && !f.endsWith(".test.ts") && !f.startsWith("validation/latest"),
    )
    .sort();
  const h = createHash("sha256");
  for (const f of files) {
    const file = path.join(ROOT, f);
    if (!fs.existsSync(file)) continue; // deleted but still in the index
    h.update(`${f}\0`);
    h.update(fs.readFileSync(file));
    h.update("\0");
  }
  treeKey = h.digest("hex");
  return treeKey;
}

const CACHE = path.join(ROOT, "node_modules", ".cache", "cascade-doc-samples");

/** Options of {@link commandOutput}. */
export interface OutputOptions {
  /** Use and fill the cache (default true). */
  readonly cache?: boolean;
  /** Informational lines (default none). */
  readonly log?: (line: string) => void;
}

const running = new Map<string, Promise<string>>();

/** What `command` prints on stdout (run once per process and source tree; see the module comment). */
export function commandOutput(command: string, options: OutputOptions = {}): Promise<string> {
  let p = running.get(command);
  if (p === undefined) {
    p = produce(command, options);
    running.set(command, p);
  }
  return p;
}

async function produce(command: string, options: OutputOptions): Promise<string> {
  const tree = options.cache === false ? undefined : sourceTreeKey();
  const key =
    tree === undefined
      ? undefined
      : createHash("sha256").update(`${command}\0${process.version}\0${tree}`).digest("hex");
  const file = key === undefined ? undefined : path.join(CACHE, `${key}.json`);
  if (file !== undefined && fs.existsSync(file)) {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { output: string }).output;
  }
  options.log?.(`running: ${command}`);
  const t0 = performance.now();
  const output = await runInScratch(command);
  options.log?.(`  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (file !== undefined) {
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ command, output }));
  }
  return output;
}

/** Runs `command` with `sh -c` in a scratch mirror of the repository root; resolves with its stdout. */
function runInScratch(command: string): Promise<string> {
  const scripts = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const line = expandCommand(command, scripts);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cascade-doc-sample-"));
  for (const name of fs.readdirSync(ROOT)) {
    if (name !== "out") fs.symlinkSync(path.join(ROOT, name), path.join(scratch, name));
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  delete env.CASCADE_DEBUG;
  return new Promise<string>((resolve, reject) => {
    // A non-zero exit is an outcome to show (the error samples exit 2), not a failure to run.
    execFile("sh", ["-c", line], { cwd: scratch, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      // Only symlinks and what the command wrote: rm does not follow symlinks.
      fs.rmSync(scratch, { recursive: true, force: true });
      const signal = (error as { signal?: string | null } | null)?.signal ?? null;
      if (signal !== null) reject(new Error(`"${command}" was killed by ${signal}\n${stderr}`));
      else if (stdout === "" && error !== null)
        reject(new Error(`"${command}" printed nothing and failed: ${error.message}\n${stderr}`));
      else resolve(asFromRoot(stdout, scratch));
    });
  });
}

/**
 * What a command run in `scratch` prints as if run from the repository root: paths it printed
 * relative to the scratch directory that reach into the repository (the real paths behind the
 * symlinks, e.g. `../../work/cascade/experiments/x.ts`) lose that detour; absolute paths of the
 * repository or of the scratch directory, which differ from machine to machine, read `<repo>`.
 */
export function asFromRoot(text: string, scratch: string): string {
  const up = `${path.relative(scratch, ROOT)}${path.sep}`;
  return text.split(up).join("").split(scratch).join("<repo>").split(ROOT).join("<repo>");
}

/** The block a marker's commands produce now. */
export async function currentBody(block: SampleBlock, options: OutputOptions = {}): Promise<string> {
  const outputs: string[] = [];
  for (const c of block.commands) outputs.push(await commandOutput(c.command, options));
  return blockText(block.commands, outputs);
}
