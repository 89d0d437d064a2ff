/**
 * Opens report.html in headless Chromium (the Debian `chromium` package, driven by playwright-core)
 * and checks that the charts are drawn. Without /usr/bin/chromium (or $CASCADE_CHROMIUM) the test fails, unless
 * CASCADE_SKIP_BROWSER=1 is set, in which case it is skipped with a message.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { writeFixture } from "./fixture.testkit.ts";
import { writeReport } from "./report.ts";

/** Chromium from the Debian package; CASCADE_CHROMIUM overrides the path. */
const CHROMIUM = process.env.CASCADE_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const present = existsSync(CHROMIUM);
const skip = !present && process.env.CASCADE_SKIP_BROWSER === "1";
if (skip) console.warn(`browser test skipped: ${CHROMIUM} is missing and CASCADE_SKIP_BROWSER=1`);

const fx = writeFixture();
const shots = mkdtempSync(join(tmpdir(), "cascade-report-shot-"));
afterAll(() => {
  rmSync(fx.dir, { recursive: true, force: true });
  if (!process.env.CASCADE_KEEP_SCREENSHOT) rmSync(shots, { recursive: true, force: true });
});

describe.skipIf(skip)("report in headless Chromium", () => {
  it("shows every chart with drawn marks and the tables", async () => {
    if (!present) {
      throw new Error(
        `${CHROMIUM} not found: install it with \`apt-get install -y chromium\` (or set CASCADE_SKIP_BROWSER=1 to skip)`,
      );
    }
    const path = await writeReport(fx.dir, { shockTimeS: 200 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const failed: string[] = [];
      page.on("requestfailed", (r) => failed.push(r.url()));
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) failed.push(r.url());
      });
      await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
      const svgs = page.locator("figure.chart > svg");
      expect(await svgs.count()).toBe(7);
      for (const svg of await svgs.all()) {
        const box = await svg.boundingBox();
        expect(box?.width).toBeGreaterThan(200);
        expect(box?.height).toBeGreaterThan(100);
        expect(await svg.locator("path, rect, line").count()).toBeGreaterThan(10);
      }
      expect(await page.title()).toContain("Fixture shock sweep");
      expect(await page.locator("table.metrics").count()).toBe(2);
      expect(await page.locator("body").textContent()).not.toContain("NaN");
      // Nothing overflows the page horizontally (wide tables scroll inside their box).
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - window.innerWidth",
      );
      expect(overflow).toBeLessThanOrEqual(0);
      expect(failed).toEqual([]);
      const shot = join(shots, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(50_000);
      if (process.env.CASCADE_KEEP_SCREENSHOT) console.log(`screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
  });
});
