import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulDivCeil, mulDivFloor, mulDivRound, PPM } from "./int-math.ts";

function floorBig(n: bigint, d: bigint): number {
  let q = n / d;
  if (n % d !== 0n && n < 0n) q -= 1n;
  return Number(q);
}

const floorRef = (a: number, b: number, c: number) => floorBig(BigInt(a) * BigInt(b), BigInt(c));
const roundRef = (a: number, b: number, c: number) =>
  floorBig(2n * BigInt(a) * BigInt(b) + BigInt(c), 2n * BigInt(c));

describe("exact mulDiv", () => {
  it("computes 0.5 % of a notional far beyond 2^53 / 10^6 exactly", () => {
    expect(mulDivFloor(1_700_000_000_000_001, 5_000, PPM)).toBe(8_500_000_000_000);
    expect(mulDivCeil(1_700_000_000_000_001, 5_000, PPM)).toBe(8_500_000_000_001);
    expect(mulDivRound(1_700_000_000_000_100, 5_000, PPM)).toBe(8_500_000_000_001);
    expect(mulDivRound(1_700_000_000_000_099, 5_000, PPM)).toBe(8_500_000_000_000);
  });

  it("matches bigint arithmetic for arbitrary signed amounts and ppm rates", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
        fc.integer({ min: 0, max: PPM }),
        fc.integer({ min: 1, max: PPM }),
        (a, b, c) => {
          const f = floorRef(a, b, c);
          if (!Number.isSafeInteger(f)) return;
          expect(mulDivFloor(a, b, c)).toBe(f);
          expect(mulDivCeil(a, b, c)).toBe(-floorRef(-a, b, c) + 0);
          expect(mulDivRound(a, b, c)).toBe(roundRef(a, b, c));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("falls back to bigint when the rate and scale are both large", () => {
    expect(mulDivFloor(3 * 10 ** 15, 10 ** 8, 10 ** 9)).toBe(3 * 10 ** 14);
    expect(mulDivFloor(-7, 10 ** 9, 3 * 10 ** 9)).toBe(-3);
  });
});
