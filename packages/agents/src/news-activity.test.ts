import { ConfigError, NS_PER_SECOND, RandomStreams } from "@cascade/core";
import { describe, expect, it } from "vitest";
import { NewsActivity } from "./news-activity.ts";

const CONFIG = { stream: "news", volatility: 0.8, correlationNs: 600 * NS_PER_SECOND, stepNs: NS_PER_SECOND };

function process(seed = 1): NewsActivity {
  return new NewsActivity(CONFIG, new RandomStreams(seed, 0).fresh("shared/news"));
}

describe("NewsActivity", () => {
  it("gives one path to every reader of the same stream, whenever they read it", () => {
    const a = process();
    const b = process();
    const often: number[] = [];
    for (let t = 0; t <= 3600; t++) often.push(a.at(t * NS_PER_SECOND));
    // b reads only every 7 minutes (and between grid points): the same values at the same times.
    for (let t = 0; t <= 3600; t += 420) expect(b.at(t * NS_PER_SECOND + 123)).toBe(often[t]);
    expect(process(2).at(3600 * NS_PER_SECOND)).not.toBe(often[3600]);
  });

  it("has mean 1 and a persistent log-activity with the configured spread", () => {
    const a = process(3);
    const logs: number[] = [];
    let sum = 0;
    const n = 400_000;
    for (let t = 0; t < n; t++) {
      const v = a.at(t * NS_PER_SECOND);
      sum += v;
      logs.push(Math.log(v));
    }
    expect(sum / n).toBeGreaterThan(0.9);
    expect(sum / n).toBeLessThan(1.1);
    const mu = logs.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mu) ** 2, 0) / n);
    expect(sd).toBeGreaterThan(0.7);
    expect(sd).toBeLessThan(0.9);
    // Correlation over 60 s ≈ e^(−60/600) ≈ 0.90; over an hour ≈ 0.
    const lagCorr = (k: number) => {
      let c = 0;
      for (let i = 0; i + k < n; i++) c += (logs[i]! - mu) * (logs[i + k]! - mu);
      return c / (n - k) / (sd * sd);
    };
    expect(lagCorr(60)).toBeGreaterThan(0.85);
    expect(Math.abs(lagCorr(3600))).toBeLessThan(0.15);
  });

  it("is 1 without volatility, and refuses bad parameters naming the field", () => {
    expect(new NewsActivity({ ...CONFIG, volatility: 0 }, new RandomStreams(1, 0).fresh("x")).at(5e9)).toBe(
      1,
    );
    const rng = new RandomStreams(1, 0).fresh("x");
    expect(() => new NewsActivity({ ...CONFIG, stream: "" }, rng)).toThrow(ConfigError);
    expect(() => new NewsActivity({ ...CONFIG, volatility: -1 }, rng)).toThrow(
      /newsActivity\.volatility = -1/,
    );
    expect(() => new NewsActivity({ ...CONFIG, correlationNs: 0 }, rng)).toThrow(
      /newsActivity\.correlationNs/,
    );
  });
});
