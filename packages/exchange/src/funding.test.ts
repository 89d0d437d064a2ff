import { BTCUSDT, ConfigError, Instrument, NS_PER_MINUTE } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FundingAccumulator, fundingPaymentUnits, impactNotionalUnits, premiumIndex } from "./funding.ts";

const MIN = NS_PER_MINUTE;

/** An accumulator holding one sample of `premium`. */
function withPremium(premium: number): FundingAccumulator {
  const acc = new FundingAccumulator();
  acc.sample(0, premium);
  return acc;
}

describe("premiumIndex", () => {
  it("is positive when the impact bid is above the index, negative when the impact ask is below", () => {
    expect(premiumIndex(700_700, 700_800, 700_000)).toBeCloseTo(0.001, 15);
    expect(premiumIndex(699_000, 699_300, 700_000)).toBeCloseTo(-0.001, 15);
    expect(premiumIndex(699_900, 700_100, 700_000)).toBe(0);
  });

  it("ignores a missing impact price and has no value without an index", () => {
    expect(premiumIndex(Number.NaN, 699_300, 700_000)).toBeCloseTo(-0.001, 15);
    expect(premiumIndex(700_700, Number.NaN, 700_000)).toBeCloseTo(0.001, 15);
    expect(premiumIndex(700_700, 700_800, 0)).toBeNaN();
  });

  it("sizes the impact order as impact margin × max leverage", () => {
    const btc = new Instrument(BTCUSDT);
    expect(impactNotionalUnits(btc, 125)).toBe(btc.quoteToUnits(25_000));
    expect(impactNotionalUnits(btc, 20, "500")).toBe(btc.quoteToUnits(10_000));
  });
});

describe("FundingAccumulator", () => {
  it("weights samples 1…N by default, or equally", () => {
    const linear = new FundingAccumulator();
    const equal = new FundingAccumulator({ weighting: "equal" });
    [0.001, 0.002, 0.003].forEach((p, i) => {
      linear.sample(i * MIN, p);
      equal.sample(i * MIN, p);
    });
    expect(linear.averagePremium()).toBeCloseTo((0.001 + 2 * 0.002 + 3 * 0.003) / 6, 15);
    expect(equal.averagePremium()).toBeCloseTo(0.002, 15);
    // F = 0.0023333… + clamp(0.0001 − 0.0023333…) = 0.0023333… − 0.0005
    expect(linear.rate()).toBe(183_333);
  });

  it("samples at most once per interval and ignores non-finite premiums", () => {
    const acc = new FundingAccumulator();
    expect(acc.sample(0, 0.001)).toBe(true);
    expect(acc.sample(MIN - 1, 0.5)).toBe(false);
    expect(acc.sample(MIN, Number.NaN)).toBe(false);
    expect(acc.sample(MIN, 0.003)).toBe(true);
    expect(acc.sampleCount).toBe(2);
    expect(acc.averagePremium()).toBeCloseTo((0.001 + 2 * 0.003) / 3, 15);
  });

  it("pins the rate to the interest rate while the premium is within ±0.05 % of it", () => {
    expect(new FundingAccumulator().rate()).toBe(10_000); // no samples: F = I = 0.01 %
    expect(withPremium(0.0003).rate()).toBe(10_000);
    expect(withPremium(-0.0004).rate()).toBe(10_000); // lower edge: I − P̄ = +0.05 %
    expect(withPremium(0.0006).rate()).toBe(10_000); // upper edge: I − P̄ = −0.05 %
  });

  it("follows the premium beyond the clamp on both sides", () => {
    expect(withPremium(0.0007).rate()).toBe(20_000); // 0.07 % − 0.05 %
    expect(withPremium(-0.001).rate()).toBe(-50_000); // −0.1 % + 0.05 %
  });

  it("caps the rate at ±0.75 % (or a given cap)", () => {
    expect(withPremium(0.01).rate()).toBe(750_000);
    expect(withPremium(-0.02).rate()).toBe(-750_000);
    expect(withPremium(0.01).rate(0.0001, 0.0005, 0.003)).toBe(300_000);
    expect(() => withPremium(0).rate(0.0001, -1)).toThrowError(ConfigError);
  });

  it("rounds to 10^-8 half away from zero", () => {
    const acc = new FundingAccumulator();
    expect(acc.rate(1.5e-8)).toBe(2);
    expect(acc.rate(2.5e-8)).toBe(3);
    expect(acc.rate(-1.5e-8)).toBe(-2);
    expect(acc.rate(1.4e-8)).toBe(1);
    expect(acc.rate(0)).toBe(0);
  });

  it("starts a new interval on reset", () => {
    const acc = withPremium(0.01);
    acc.reset();
    expect(acc.sampleCount).toBe(0);
    expect(acc.sample(0, 0.5)).toBe(false); // same grid slot as the last sample
    expect(acc.sample(MIN, 0.0007)).toBe(true);
    expect(acc.rate()).toBe(20_000);
  });

  it("rejects a bad configuration", () => {
    expect(() => new FundingAccumulator({ sampleIntervalNs: 0 })).toThrowError(
      /^funding.sampleIntervalNs = 0/,
    );
    // @ts-expect-error: not a weighting
    expect(() => new FundingAccumulator({ weighting: "cubic" })).toThrowError(/^funding.weighting/);
  });
});

describe("fundingPaymentUnits", () => {
  it("makes longs pay and shorts receive when the rate is positive", () => {
    // 1 BTC at 20,000 (m = 1), 0.01 % → 2 USDT = 20,000 units.
    expect(fundingPaymentUnits(1000, 200_000, 1, 10_000)).toBe(20_000);
    expect(fundingPaymentUnits(-1000, 200_000, 1, 10_000)).toBe(-20_000);
    expect(fundingPaymentUnits(1000, 200_000, 1, -10_000)).toBe(-20_000);
    expect(fundingPaymentUnits(-1000, 200_000, 1, -10_000)).toBe(20_000);
    expect(fundingPaymentUnits(1000, 200_000, 1, 0)).toBe(0);
    expect(fundingPaymentUnits(0, 200_000, 1, 10_000)).toBe(0);
  });

  it("rounds payers up and receivers down", () => {
    // 123,457 × 0.01 % = 12.3457 units.
    expect(fundingPaymentUnits(1, 123_457, 1, 10_000)).toBe(13);
    expect(fundingPaymentUnits(-1, 123_457, 1, 10_000)).toBe(-12);
    expect(fundingPaymentUnits(1, 123_457, 1, -10_000)).toBe(-12);
    expect(fundingPaymentUnits(-1, 123_457, 3, -10_000)).toBe(38); // 37.0371 → 38
  });

  it("never pays out more than it collects between matched longs and shorts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: -750_000, max: 750_000 }),
        (size, mark, m, rateE8) => {
          const residue =
            fundingPaymentUnits(size, mark, m, rateE8) + fundingPaymentUnits(-size, mark, m, rateE8);
          const exact = (size * mark * m * rateE8) / 1e8;
          return (
            residue >= 0 && residue <= 1 && Math.abs(fundingPaymentUnits(size, mark, m, rateE8) - exact) < 1
          );
        },
      ),
    );
  });
});
