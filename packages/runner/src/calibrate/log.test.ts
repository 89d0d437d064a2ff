import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing.ts";
import { appendEvaluations, type Evaluation, readEvaluationLog } from "./log.ts";

const evaluation = (candidate: number, objective: number): Evaluation => ({
  candidate,
  iteration: 0,
  phase: "design",
  start: null,
  u: [0.1 * candidate, 1 / 3],
  params: { a: 0.1 * candidate + 1e-17, b: Math.PI },
  duplicateOf: null,
  ok: 2,
  failed: 0,
  error: null,
  moments: [{ mean: 1 / 7, se: Number.NaN, n: 1 }],
  objective,
});

describe("the evaluation log", () => {
  it("reads back exactly what was appended, non-finite numbers included", () => {
    const file = path.join(tempDir(), "evaluations.jsonl");
    const written = [evaluation(0, 0.123456789), evaluation(1, Number.POSITIVE_INFINITY)];
    appendEvaluations(file, written);
    expect(readEvaluationLog(file)).toEqual(written);
  });

  it("drops a torn last line and cuts it from the file", () => {
    const file = path.join(tempDir(), "evaluations.jsonl");
    appendEvaluations(file, [evaluation(0, 1), evaluation(1, 2)]);
    const whole = readFileSync(file, "utf8");
    appendFileSync(file, '{"candidate":2,"iter');
    expect(readEvaluationLog(file, true).map((e) => e.candidate)).toEqual([0, 1]);
    expect(readFileSync(file, "utf8")).toBe(whole);
  });

  it("refuses a log damaged before its end, naming the line", () => {
    const file = path.join(tempDir(), "evaluations.jsonl");
    appendEvaluations(file, [evaluation(0, 1)]);
    const text = readFileSync(file, "utf8");
    writeFileSync(file, `garbage\n${text}`);
    expect(() => readEvaluationLog(file)).toThrowError(/line 1: not an evaluation/);
  });
});
