import { describe, expect, it } from "vitest";
import { liquidationTimeStructure, meanFundingPct } from "./metrics.ts";

describe("the time structure of a crash's liquidations", () => {
  it("finds the busiest clock minute and the densest stretch within the window only", () => {
    // Window [300, 1200): 10 at 310 s, 30 at 360 and 370 s (minute 6), 20 at 650 s; 1,000 before
    // the window and 500 after it are not counted. Total 90.
    const times = [100, 310, 360, 370, 650, 1_250];
    const notional = [1_000, 10, 30, 30, 20, 500];
    const s = liquidationTimeStructure(times, notional, 300, 1_200, 180);
    // Minute 6 (360-419 s) holds 60 of 90.
    expect(s.peakMinuteShare).toBeCloseTo(60 / 90, 12);
    // 310-490 s holds 10 + 30 + 30 = 70; 650 s is alone in any 180 s stretch reaching it.
    expect(s.densestShare).toBeCloseTo(70 / 90, 12);
  });

  it("is undefined (NaN) when nothing was liquidated in the window, and refuses an unordered log", () => {
    const none = liquidationTimeStructure([10, 2_000], [5, 5], 300, 1_200, 180);
    expect(none.peakMinuteShare).toBeNaN();
    expect(none.densestShare).toBeNaN();
    expect(() => liquidationTimeStructure([400, 350], [1, 1], 300, 1_200, 180)).toThrow(/must ascend/);
  });
});

describe("post-crash funding", () => {
  it("averages the settled rate over the window's samples, in % per 8 h", () => {
    const time = [0, 1, 2, 3, 4];
    const rate = [0, 1e-4, -2e-4, -4e-4, 1];
    expect(meanFundingPct(time, rate, 1, 4, 1)).toBeCloseTo((100 * (1e-4 - 2e-4 - 4e-4)) / 3, 12);
  });

  it("is undefined (NaN) when funding first settles after the window starts (an 8-hour interval in a 30-minute run)", () => {
    expect(meanFundingPct([0, 1, 2], [0, 0, 0], 1, 3, 8 * 3_600)).toBeNaN();
  });
});
