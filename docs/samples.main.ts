/**
 * `pnpm docs:samples [--check] [--no-cache] [guide…]`: runs the command of every sample-output
 * marker of the guides (or of the guides named) and rewrites the blocks whose output changed;
 * `--check` only reports them (exit code 1), `--no-cache` runs every command again. See
 * `samples.ts`.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { currentBody, findSampleBlocks, guides, normalise, REGENERATE, ROOT, rewrite } from "./samples.ts";

export async function main(args: readonly string[]): Promise<number> {
  const check = args.includes("--check");
  const noCache = args.includes("--no-cache");
  const only = args.filter((a) => !a.startsWith("--"));
  const log = (l: string) => console.error(l);
  let stale = 0;
  for (const doc of guides()) {
    if (only.length > 0 && !only.some((o) => path.resolve(o) === path.join(ROOT, doc))) continue;
    const file = path.join(ROOT, doc);
    const text = readFileSync(file, "utf8");
    const blocks = findSampleBlocks(doc, text);
    if (blocks.length === 0) continue;
    const bodies: string[] = [];
    let changed = false;
    for (const b of blocks) {
      const now = await currentBody(b, { cache: !noCache, log });
      const same = normalise(now) === normalise(b.body);
      if (!same) {
        stale++;
        changed = true;
        console.log(
          `${doc}:${b.line}: ${check ? "differs from" : "rewritten with"} what ${b.commands.map((c) => `\`${c.command}\``).join(", ")} prints`,
        );
      }
      // An unchanged block keeps its text (its timings too): regenerating touches only what changed.
      bodies.push(same ? b.body : now);
    }
    if (!check && changed) writeFileSync(file, rewrite(text, blocks, bodies));
  }
  if (stale === 0) console.log("every sample output is what its command prints");
  else if (check) console.log(`${stale} sample(s) out of date: run ${REGENERATE}`);
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  return 2;
});
