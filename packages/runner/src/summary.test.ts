import { describe, expect, it } from "vitest";
import { formatMetric } from "./summary.ts";

describe("summary table cells", () => {
  it("keeps the integer digits of a number and trims only fractional zeros", () => {
    expect(formatMetric(66590.3)).toBe("66590");
    expect(formatMetric(0.113)).toBe("0.113");
    expect(formatMetric(1.5)).toBe("1.5");
    expect(formatMetric(2_745_000_000.5)).toBe("2.745e+9");
    expect(formatMetric(17488)).toBe("17488");
    expect(formatMetric("full")).toBe("full");
  });
});
