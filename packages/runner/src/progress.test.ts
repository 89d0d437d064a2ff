import { describe, expect, it } from "vitest";
import { ETA_MIN_RUNS, etaText, LineProgress } from "./progress.ts";

describe("progress ETA", () => {
  it("is not shown before a few runs have finished", () => {
    expect(ETA_MIN_RUNS).toBeGreaterThanOrEqual(3);
    expect(etaText(100, 0, 5, -1)).toBe("?");
    expect(etaText(100, 1, 30, 30)).toBe("?");
    expect(etaText(100, ETA_MIN_RUNS - 1, 31, 30)).toBe("?");
  });

  it("leaves worker start-up out of the rate once runs have finished", () => {
    // Start-up took 20 s, then a run finished every second: 97 left at 1 run/s.
    expect(etaText(100, 3, 22, 20)).toBe("1m37s");
  });

  it("is shown for a sweep of fewer runs than the minimum once they are done or nearly", () => {
    expect(etaText(2, 2, 10, 5)).toBe("0s");
    expect(etaText(4, 3, 12, 10)).toBe("1s");
  });

  it("prints '?' in the plain progress line until enough runs finished", () => {
    const lines: string[] = [];
    const p = new LineProgress({ write: (l: string) => lines.push(l) > 0 }, 0);
    p.start(50);
    p.update(1, 0);
    p.stop();
    expect(lines.every((l) => l.includes("ETA ?"))).toBe(true);
    expect(lines[1]).toMatch(/^progress: 1\/50 runs \(2\.0%\), 0 failed, [\d.]+ runs\/s, ETA \?\n$/);
  });
});
