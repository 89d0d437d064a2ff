/**
 * Every sample output of the guides is what its command prints now (see `samples.ts`): a block
 * that differs fails with the guide, the line and the command to regenerate it. Commands run one
 * after another (the flagship uses every core) and their outputs are cached by source tree, so an
 * unchanged tree checks in seconds.
 */

import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  allSampleBlocks,
  asFromRoot,
  blockText,
  currentBody,
  expandCommand,
  findSampleBlocks,
  normalise,
  REGENERATE,
  ROOT,
  rewrite,
} from "./samples.ts";

const GUIDE = [
  "Text.",
  "<!-- sample: pnpm cascade run flash-crash -->",
  "```text",
  "flash-crash: 8 ok, 0 failed of 8 runs · 2 workers · 36.7 s",
  "  max_drawdown         1.249",
  "```",
  "<!--   sample:",
  "$ pnpm cascade run x --worker 2 2>&1",
  "$ echo hi",
  "-->",
  "```text",
  "old",
  "```",
  "End.",
].join("\n");

describe("the sample-output tool", () => {
  it("finds each marker, its commands and the fenced block after it", () => {
    const [one, two] = findSampleBlocks("g.md", GUIDE);
    expect(one).toMatchObject({
      line: 2,
      commands: [{ command: "pnpm cascade run flash-crash", echo: false }],
      body: "flash-crash: 8 ok, 0 failed of 8 runs · 2 workers · 36.7 s\n  max_drawdown         1.249",
    });
    expect(two).toMatchObject({
      line: 7,
      commands: [
        { command: "pnpm cascade run x --worker 2 2>&1", echo: true },
        { command: "echo hi", echo: true },
      ],
      body: "old",
    });
  });

  it("refuses a marker that is not followed at once by a fenced block", () => {
    expect(() => findSampleBlocks("g.md", "<!-- sample: ls -->\n\n```text\n```")).toThrowError(
      /g\.md:1: a sample marker must be followed at once by a fenced block/,
    );
    expect(() => findSampleBlocks("g.md", "<!-- sample:  -->\n```\n```")).toThrowError(/names no command/);
  });

  it("normalises timings, worker counts and dates, and nothing else", () => {
    const a = "x: 8 ok · 2 workers · 36.7 s\n0.6 runs/s (37.4 s)\nout/x/2026-12-02T06-09-41-638Z/  \n";
    const b = "x: 8 ok · 8 workers · 140.2 s\n12 runs/s (3 s)\nout/x/2027-01-01T00-00-00-000Z/";
    expect(normalise(a)).toBe(normalise(b));
    expect(normalise("mean 0.18761 · 2 workers · 1 s")).not.toBe(normalise("mean 0.18762 · 2 workers · 1 s"));
    expect(normalise("2685 liquidations")).not.toBe(normalise("2686 liquidations"));
  });

  it("writes transcripts, rewrites only the blocks' bodies, and expands pnpm scripts", () => {
    const blocks = findSampleBlocks("g.md", GUIDE);
    const body = blockText(blocks[1]!.commands, ["cascade: bad\n", "hi\n"]);
    expect(body).toBe("$ pnpm cascade run x --worker 2 2>&1\ncascade: bad\n$ echo hi\nhi");
    const text = rewrite(GUIDE, blocks, [blocks[0]!.body, body]);
    expect(text).toBe(GUIDE.replace("\nold\n", `\n${body}\n`));
    expect(expandCommand("pnpm cascade run x", { cascade: "tsx main.ts" })).toBe("tsx main.ts run x");
    expect(expandCommand("ls -l", {})).toBe("ls -l");
    expect(() => expandCommand("pnpm nope", {})).toThrowError(/no script "nope"/);
  });

  it("prints paths as from the repository root", () => {
    // A scratch directory outside the repository, whatever path the clone has (a clone under
    // /tmp shares the /tmp prefix with it, so the relative path is not always ../../<root>).
    const scratch = "/tmp/scratch-1";
    const up = `${path.relative(scratch, ROOT)}/`;
    expect(asFromRoot(`${up}experiments/x.ts:3:4: error`, scratch)).toBe("experiments/x.ts:3:4: error");
    expect(asFromRoot(`wrote ${scratch}/out/a and ${ROOT}/b`, scratch)).toBe(
      "wrote <repo>/out/a and <repo>/b",
    );
  });
});

describe("every sample output of the guides", () => {
  const blocks = allSampleBlocks();

  it("the guides mark their sample outputs", () => {
    expect(blocks.map((b) => b.doc)).toEqual(
      expect.arrayContaining(["docs/getting-started.md", "docs/calibration.md"]),
    );
  });

  for (const b of blocks) {
    const what = b.commands.map((c) => `\`${c.command}\``).join(", ");
    it(
      `${b.doc}:${b.line} is what ${what} prints`,
      async () => {
        const now = await currentBody(b);
        expect(
          normalise(b.body),
          `${b.doc}:${b.line}: the sample output of ${what} is out of date; run \`${REGENERATE}\` to regenerate every sample from a real run`,
        ).toBe(normalise(now));
      },
      40 * 60_000,
    );
  }
});
