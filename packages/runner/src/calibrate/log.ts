/**
 * The evaluation log of a calibration, `<out>/evaluations.jsonl`: one JSON line per candidate,
 * appended as each batch finishes and never rewritten. `--resume` reads it back and replays the
 * search from it: a candidate found in the log is not simulated again. A line torn by a kill (the
 * last one, unterminated or unparsable) is dropped and cut from the file before new lines follow.
 *
 * Numbers round-trip exactly through JSON; the non-finite values JSON cannot hold are written as
 * `null` (an objective of `null` is +∞, a mean or se of `null` is NaN).
 *
 * @module
 */

import { appendFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import type { MomentStat } from "./objective.ts";
import type { SearchPhase } from "./search.ts";

/** File name of the evaluation log inside the output directory. */
export const EVALUATION_LOG = "evaluations.jsonl";

/** What an evaluation is for: a search phase, or the finite differences of the standard errors. */
export type EvaluationPhase = SearchPhase | "jacobian";

/** One evaluated candidate. */
export interface Evaluation {
  /** Candidate id: 0, 1, … in the order the search asked (its runs are `candidate × R + r`). */
  readonly candidate: number;
  /** The batch it was evaluated in. */
  readonly iteration: number;
  readonly phase: EvaluationPhase;
  /** Nelder–Mead start (`null` for the design and the Jacobian). */
  readonly start: number | null;
  /** Unit-cube coordinates. */
  readonly u: readonly number[];
  /** The fitted parameters' values. */
  readonly params: Readonly<Record<string, number>>;
  /** An earlier candidate with the same values whose result this one reuses (no runs), else `null`. */
  readonly duplicateOf: number | null;
  /** Replications that ran ok. */
  readonly ok: number;
  /** Replications that failed (or are missing). */
  readonly failed: number;
  /** The first failure's error, or `null`. */
  readonly error: string | null;
  /** Each target moment's mean and se over the ok replications, in the targets' order. */
  readonly moments: readonly MomentStat[];
  /** The objective (+∞ when a replication failed or a moment is not finite). */
  readonly objective: number;
}

/** Serialises an evaluation as one log line (with its newline). */
export function formatEvaluation(e: Evaluation): string {
  return `${JSON.stringify({
    ...e,
    moments: e.moments.map((m) => ({ mean: orNull(m.mean), se: orNull(m.se), n: m.n })),
    objective: orNull(e.objective),
  })}\n`;
}

/** Parses a log line. @throws on a line that is not an evaluation. */
export function parseEvaluation(line: string): Evaluation {
  const o = JSON.parse(line) as Record<string, unknown>;
  if (typeof o.candidate !== "number" || !Array.isArray(o.moments) || !Array.isArray(o.u)) {
    throw new Error("not an evaluation");
  }
  const num = (v: unknown) => (typeof v === "number" ? v : Number.NaN);
  return {
    ...(o as unknown as Evaluation),
    moments: (o.moments as { mean: unknown; se: unknown; n: number }[]).map((m) => ({
      mean: num(m.mean),
      se: num(m.se),
      n: m.n,
    })),
    objective: typeof o.objective === "number" ? o.objective : Number.POSITIVE_INFINITY,
  };
}

/**
 * The evaluations logged in `file` (none when it does not exist), in file order. A torn last line
 * is dropped and, with `repair`, cut from the file.
 * @throws naming the line when an earlier line is damaged.
 */
export function readEvaluationLog(file: string, repair = false): Evaluation[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const out: Evaluation[] = [];
  let at = 0;
  let line = 1;
  while (at < text.length) {
    const nl = text.indexOf("\n", at);
    const end = nl < 0 ? text.length : nl;
    const last = nl < 0 || nl === text.length - 1;
    try {
      if (nl < 0) throw new Error("unterminated");
      out.push(parseEvaluation(text.slice(at, end)));
    } catch (e) {
      if (!last) throw new Error(`${file}, line ${line}: not an evaluation (${(e as Error).message})`);
      if (repair) truncateSync(file, Buffer.byteLength(text.slice(0, at)));
      break;
    }
    at = end + 1;
    line++;
  }
  return out;
}

/** Appends evaluations to the log (one write). */
export function appendEvaluations(file: string, evaluations: readonly Evaluation[]): void {
  if (evaluations.length > 0) appendFileSync(file, evaluations.map(formatEvaluation).join(""));
}

function orNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
