import { describe, expect, it } from "vitest";
import {
  DoneReason,
  doneReasonName,
  oppositeSide,
  RejectCode,
  rejectCodeName,
  Side,
  sideName,
} from "./codes.ts";
import { formatNanos, hours, lots, milliseconds, NS_PER_SECOND, seconds, ticks } from "./units.ts";

describe("units", () => {
  it("brands safe integers and refuses anything else, naming the unit", () => {
    expect(ticks(5)).toBe(5);
    expect(() => ticks(1.5)).toThrowError(/ticks = 1.5: must be a safe integer/);
    expect(() => lots(Number.NaN)).toThrowError(/lots = NaN/);
  });

  it("converts durations to integer nanoseconds", () => {
    expect(seconds(1.5)).toBe(1.5 * NS_PER_SECOND);
    expect(milliseconds(2)).toBe(2_000_000);
    expect(formatNanos(hours(25) + seconds(1.5))).toBe("1d 01:00:01.500");
    expect(formatNanos(seconds(61))).toBe("00:01:01.000");
  });
});

describe("codes", () => {
  it("names reject codes, done reasons and sides", () => {
    expect(rejectCodeName(RejectCode.InsufficientMargin)).toBe("InsufficientMargin");
    expect(rejectCodeName(999)).toBe("Unknown(999)");
    expect(doneReasonName(DoneReason.SelfTrade)).toBe("SelfTrade");
    expect(sideName(Side.Sell)).toBe("sell");
    expect(oppositeSide(Side.Buy)).toBe(Side.Sell);
  });
});
