/**
 * The guides' code samples are code. Every ```ts block of docs/*.md is written to docs/.samples/
 * (gitignored) and type-checked with the compiler options of tsconfig.base.json; `@cascade/*` and
 * other packages resolve through the workspace (docs/.samples/node_modules links to the packages
 * and to the workspace's installed dependencies). The example agent of writing-an-agent.md is then
 * run in a small world, and the example experiment of writing-an-experiment.md replays one run.
 *
 * Fence info strings: ```ts                  a complete module, type-checked
 *                     ```ts file=<name>.ts   the same, written as <name>.ts so that other blocks
 *                                            of the same guide can import "./<name>.ts"
 *                     ```ts fragment         not a module on its own: skipped (keep these rare)
 */

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BackgroundTraders } from "@cascade/agents";
import { minutes, seconds } from "@cascade/core";
import { createWorld, type WorldConfig } from "@cascade/sim";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const DOCS = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(DOCS, "..");
const SAMPLES = path.join(DOCS, ".samples");

/** One ```ts block of a guide. */
interface Sample {
  /** Guide file name, e.g. `writing-an-agent.md`. */
  readonly doc: string;
  /** 1-based number of the block among the guide's ts blocks. */
  readonly block: number;
  /** Line of the block's first code line in the guide (1-based). */
  readonly line: number;
  readonly fragment: boolean;
  /** Absolute path of the extracted file. */
  readonly file: string;
  readonly code: string;
}

const FENCE_OPEN = /^( *)(`{3,}|~{3,})[ \t]*([^\s`]*)[ \t]*(.*)$/;

/** The ```ts blocks of one guide. */
function extractSamples(doc: string, text: string): Sample[] {
  const lines = text.split(/\r?\n/);
  const out: Sample[] = [];
  const dir = path.join(SAMPLES, doc.replace(/\.md$/, ""));
  let block = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]!);
    if (open === null) continue;
    const [, indent, fence, lang, info] = open as unknown as [string, string, string, string, string];
    const close = new RegExp(`^ *${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!)) j++;
    if (lang === "ts" || lang === "typescript") {
      block++;
      const tokens = info.split(/\s+/).filter((t) => t !== "");
      const unknown = tokens.filter((t) => t !== "fragment" && !/^file=[\w.-]+\.ts$/.test(t));
      if (unknown.length > 0) {
        throw new Error(
          `${doc} block ${block} (line ${i + 1}): unknown fence option(s) ${unknown.join(" ")}`,
        );
      }
      const name = tokens.find((t) => t.startsWith("file="))?.slice(5);
      const code = lines
        .slice(i + 1, j)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join("\n");
      out.push({
        doc,
        block,
        line: i + 2,
        fragment: tokens.includes("fragment"),
        file: path.join(dir, name ?? `block-${String(block).padStart(2, "0")}.ts`),
        code,
      });
    }
    i = j;
  }
  return out;
}

const GUIDES = readdirSync(DOCS)
  .filter((n) => n.endsWith(".md"))
  .sort();
const SAMPLE_LIST: Sample[] = GUIDES.flatMap((doc) =>
  extractSamples(doc, readFileSync(path.join(DOCS, doc), "utf8")),
);

/** Package name of a bare module specifier (`@scope/name/sub` → `@scope/name`), or null. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return null;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Where the workspace has package `name`: a workspace package, or an installed dependency of one. */
function workspaceLocation(name: string): string | undefined {
  if (name.startsWith("@cascade/")) {
    const dir = path.join(ROOT, "packages", name.slice("@cascade/".length));
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  const roots = [
    ROOT,
    path.join(ROOT, "experiments"),
    ...readdirSync(path.join(ROOT, "packages")).map((p) => path.join(ROOT, "packages", p)),
  ];
  for (const r of roots) {
    const dir = path.join(r, "node_modules", name);
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  return undefined;
}

/** Writes every sample to docs/.samples/<guide>/ and links the packages they import. */
function writeSamples(samples: readonly Sample[]): void {
  rmSync(SAMPLES, { recursive: true, force: true });
  const seen = new Set<string>();
  const packages = new Set<string>();
  for (const s of samples) {
    if (seen.has(s.file))
      throw new Error(`${s.doc} block ${s.block}: ${path.basename(s.file)} is written twice`);
    seen.add(s.file);
    mkdirSync(path.dirname(s.file), { recursive: true });
    // `export {}` makes every block a module, so blocks never share top-level names.
    writeFileSync(s.file, `${s.code}\nexport {};\n`);
    for (const f of ts.preProcessFile(s.code, true, true).importedFiles) {
      const p = packageOf(f.fileName);
      if (p !== null) packages.add(p);
    }
  }
  for (const name of packages) {
    const target = workspaceLocation(name);
    if (target === undefined) continue; // left unresolved: the type check reports it
    const link = path.join(SAMPLES, "node_modules", name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
}

/** Compiler options of tsconfig.base.json, for a program that only checks. */
function compilerOptions(): ts.CompilerOptions {
  const file = path.join(ROOT, "tsconfig.base.json");
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error !== undefined)
    throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, file);
  return {
    ...parsed.options,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    incremental: false,
    typeRoots: [path.join(ROOT, "node_modules", "@types")],
  };
}

/** `<guide> block <n> (line <l>): TS<code>: <message>` for each diagnostic of a sample. */
function describeDiagnostics(s: Sample, diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.file === undefined || d.start === undefined)
      return `${s.doc} block ${s.block}: TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${s.doc} block ${s.block} (line ${s.line + line}, column ${character + 1}): TS${d.code}: ${text}`;
  });
}

beforeAll(() => {
  writeSamples(SAMPLE_LIST);
});

describe("code samples of docs/*.md", () => {
  let program: ts.Program;

  beforeAll(() => {
    const roots = SAMPLE_LIST.filter((s) => !s.fragment).map((s) => s.file);
    program = ts.createProgram({ rootNames: roots, options: compilerOptions() });
  }, 300_000);

  it("finds the guides and their samples", () => {
    expect(GUIDES).toContain("README.md");
    expect(SAMPLE_LIST.length).toBeGreaterThan(10);
    const fragments = SAMPLE_LIST.filter((s) => s.fragment).length;
    expect(fragments, "fragments are meant to be rare").toBeLessThanOrEqual(SAMPLE_LIST.length / 5);
  });

  it("has valid compiler options", () => {
    const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    expect(global.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  });

  for (const s of SAMPLE_LIST) {
    const name = `${s.doc} block ${s.block} (line ${s.line})${s.fragment ? ": fragment" : ""}`;
    (s.fragment ? it.skip : it)(`${name} type-checks`, () => {
      const sf = program.getSourceFile(s.file);
      expect(sf, `${s.file} is not part of the program`).toBeDefined();
      const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
      expect(describeDiagnostics(s, diagnostics)).toEqual([]);
    });
  }
});

describe("links between the guides", () => {
  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
  const slug = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
  const anchors = (doc: string) => {
    const text = readFileSync(path.join(DOCS, doc), "utf8").replace(/^```[\s\S]*?^```/gm, "");
    return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
  };

  for (const doc of GUIDES) {
    it(`${doc}: relative links point to existing files and headings`, () => {
      const text = readFileSync(path.join(DOCS, doc), "utf8").replace(/^```[\s\S]*?^```/gm, "");
      const broken: string[] = [];
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const href = m[1]!;
        if (/^[a-z]+:/.test(href)) continue; // http:, https:, mailto:
        const [file, anchor] = href.split("#") as [string, string | undefined];
        const target = file === "" ? path.join(DOCS, doc) : path.resolve(DOCS, file);
        if (!existsSync(target)) broken.push(`${href}: no such file`);
        else if (
          anchor !== undefined &&
          target.endsWith(".md") &&
          !anchors(path.relative(DOCS, target)).has(anchor)
        )
          broken.push(`${href}: no such heading`);
      }
      expect(broken).toEqual([]);
    });
  }
});

/** What the test uses of the example agent (the guide's file is imported untyped). */
interface DipBuyerLike {
  readonly boughtLots: number;
  readonly rejects: number;
}

/** The settings of the guide's "Run it for ten simulated minutes" block. */
const WHALE = {
  name: "whale",
  venue: "perp",
  dipFraction: 0.003,
  lookbackNs: seconds(60),
  clip: "0.5",
  maxPosition: "5",
  takeProfitFraction: 0.002,
  capital: "500000",
  leverage: 5,
  checkPeriodNs: seconds(2),
};

describe("writing-an-agent.md: the example agent", () => {
  it("buys dips in a small world, deterministically", async () => {
    const dir = path.join(SAMPLES, "writing-an-agent");
    const agentModule = await import(pathToFileURL(path.join(dir, "dip-buyer.ts")).href);
    const worldModule = await import(pathToFileURL(path.join(dir, "dip-buyer-world.ts")).href);
    const dipBuyerWorld = worldModule.dipBuyerWorld as (seed: number, buyer: unknown) => WorldConfig;
    const make = (): DipBuyerLike => new agentModule.DipBuyer(WHALE);
    const whale = make();
    const result = createWorld(dipBuyerWorld(42, whale)).run(minutes(10));
    expect(whale.boughtLots).toBeGreaterThan(0);
    expect(whale.rejects).toBe(0);
    expect(result.timeseries.dip_buyer_bought?.at(-1)).toBeGreaterThan(0);
    expect(result.summary.conservation_error).toBe(0);
    const again = make();
    expect(createWorld(dipBuyerWorld(42, again)).run(minutes(10)).traceHash).toBe(result.traceHash);
  });
});

describe("writing-an-agent.md: the toolkit example", () => {
  it("quotes a grid through the toolkit, gets filled and keeps its position within its limit", async () => {
    const dir = path.join(SAMPLES, "writing-an-agent");
    const agentModule = await import(pathToFileURL(path.join(dir, "dip-buyer.ts")).href);
    const worldModule = await import(pathToFileURL(path.join(dir, "dip-buyer-world.ts")).href);
    const gridModule = await import(pathToFileURL(path.join(dir, "grid-maker.ts")).href);
    const dipBuyerWorld = worldModule.dipBuyerWorld as (seed: number, buyer: unknown) => WorldConfig;
    const whale = new agentModule.DipBuyer(WHALE);
    const grid = new gridModule.GridMaker("grid", 3, 5, 200, 1_000);
    const config = dipBuyerWorld(7, whale);
    const noise = new BackgroundTraders({ name: "noise", venue: "perp", count: 50, fundamental: "index" });
    const result = createWorld({ ...config, agents: [...config.agents, noise, grid] }).run(minutes(10));
    expect(grid.mirror.filledLots).toBeGreaterThan(0);
    expect(grid.orders.rejects).toBe(0);
    const position = result.timeseries.grid_position!;
    expect(position.length).toBeGreaterThan(0);
    for (const p of position) expect(Math.abs(p)).toBeLessThanOrEqual(1_000);
    expect(result.summary.conservation_error).toBe(0);
  });
});

describe("writing-an-experiment.md: the example experiment", () => {
  it("plans its sweep and replays a run in-process", async () => {
    const file = path.join(SAMPLES, "writing-an-experiment", "index-drop.ts");
    const experiment = (await import(pathToFileURL(file).href)).default;
    const runner = await import(pathToFileURL(path.join(ROOT, "packages", "runner", "src", "index.ts")).href);
    const plan = await runner.planExperiment(experiment, {
      overrides: ["retailAccounts=500", "minutesRun=2"],
      replications: 1,
    });
    expect(plan.totalRuns).toBe(4);
    const { row } = runner.reproduceRun(plan, 2); // leverageMix = high, liquidations on
    expect(row.error).toBeNull();
    expect(row.status).toBe("ok");
    expect(row.extras.max_discount).toBeGreaterThanOrEqual(0);
  });
});
