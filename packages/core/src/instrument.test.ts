import { describe, expect, it } from "vitest";
import { formatScaled, parseDecimal } from "./decimal.ts";
import { ConfigError } from "./errors.ts";
import { BTCUSDT, Instrument } from "./instrument.ts";

describe("parseDecimal", () => {
  it("parses decimals exactly, including exponents and signs", () => {
    expect(parseDecimal("x", "0.10")).toEqual({ mantissa: 10n, scale: 2 });
    expect(parseDecimal("x", "-12.5")).toEqual({ mantissa: -125n, scale: 1 });
    expect(parseDecimal("x", "1e3")).toEqual({ mantissa: 1000n, scale: 0 });
    expect(parseDecimal("x", 1e-7)).toEqual({ mantissa: 1n, scale: 7 });
  });

  it("names the field and the value when the text is not a number", () => {
    expect(() => parseDecimal("instrument.tickSize", "abc")).toThrowError(/instrument.tickSize = "abc"/);
    expect(() => parseDecimal("p", Number.NaN)).toThrowError(ConfigError);
  });

  it("formats scaled integers with the right number of digits", () => {
    expect(formatScaled(7000015n, 2)).toBe("70000.15");
    expect(formatScaled(-5n, 3)).toBe("-0.005");
    expect(formatScaled(42n, 0)).toBe("42");
  });
});

describe("Instrument", () => {
  const btc = new Instrument(BTCUSDT);

  it("converts prices, quantities and quote amounts to integers and back exactly", () => {
    expect(btc.priceToTicks("70000.1")).toBe(700001);
    expect(btc.priceToTicks(70000.1)).toBe(700001);
    expect(btc.formatPrice(700001)).toBe("70000.1");
    expect(btc.ticksToPrice(700001)).toBe(70000.1);
    expect(btc.qtyToLots("0.015")).toBe(15);
    expect(btc.formatQty(15)).toBe("0.015");
    expect(btc.lotsToQty(15)).toBe(0.015);
    expect(btc.quoteToUnits("1200")).toBe(12_000_000);
    expect(btc.formatQuote(12_000_000)).toBe("1200.0000");
  });

  it("computes notionals in quote units: 0.5 BTC at 70,000 is 35,000 USDT", () => {
    expect(btc.quotePerTickLot).toBe(1);
    const n = btc.notional(btc.priceToTicks("70000"), btc.qtyToLots("0.5"));
    expect(btc.formatQuote(n)).toBe("35000.0000");
  });

  it("refuses off-grid values unless asked to round, and rounds as asked", () => {
    expect(() => btc.priceToTicks("70000.15")).toThrowError(
      /price = "70000.15": is not a multiple of the tick size \(0.1\)/,
    );
    expect(btc.priceToTicks("70000.15", "nearest")).toBe(700002);
    expect(btc.priceToTicks("70000.14", "nearest")).toBe(700001);
    expect(btc.priceToTicks("70000.19", "down")).toBe(700001);
    expect(btc.priceToTicks("70000.11", "up")).toBe(700002);
    expect(btc.priceToTicks("-0.15", "down")).toBe(-2);
    expect(btc.priceToTicks("-0.15", "up")).toBe(-1);
  });

  it("rejects a quote unit that does not divide tick × lot, naming the field", () => {
    expect(() => new Instrument({ ...BTCUSDT, quoteUnit: "0.00003" })).toThrowError(/instrument.quoteUnit/);
    expect(() => new Instrument({ ...BTCUSDT, tickSize: "0" })).toThrowError(
      /instrument.tickSize = "0": must be a positive decimal/,
    );
    expect(() => new Instrument({ ...BTCUSDT, symbol: "" })).toThrowError(/instrument.symbol/);
  });

  it("supports instruments whose tick × lot spans many quote units", () => {
    const eth = new Instrument({
      symbol: "ETHUSDT",
      baseAsset: "ETH",
      quoteAsset: "USDT",
      tickSize: "0.01",
      lotSize: "0.01",
      quoteUnit: "0.000001",
    });
    expect(eth.quotePerTickLot).toBe(100);
    expect(eth.formatQuote(eth.notional(eth.priceToTicks("2500.55"), eth.qtyToLots("2")))).toBe(
      "5001.100000",
    );
  });
});
