/**
 * Opens report.html in headless Chromium (driven by playwright-core) and checks that the charts are
 * drawn. The browser is, in this order: $CASCADE_CHROMIUM if set, the system's /usr/bin/chromium if
 * present, else the headless Chromium shipped inside the `@sparticuz/chromium` npm package (a locked
 * dev dependency), so `pnpm install && pnpm test` needs no system package.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import packagedChromium from "@sparticuz/chromium";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { writeFixture } from "./fixture.testkit.ts";
import { writeReport } from "./report.ts";

/** The system Chromium, used when present (Debian's `chromium` package). */
const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const SYSTEM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Which browser to launch, and with which flags. */
async function browserToLaunch(): Promise<{ executablePath: string; args: string[] }> {
  const explicit = process.env.CASCADE_CHROMIUM;
  if (explicit !== undefined && explicit !== "") {
    if (!existsSync(explicit)) throw new Error(`CASCADE_CHROMIUM=${explicit}: no such file`);
    return { executablePath: explicit, args: SYSTEM_ARGS };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, args: SYSTEM_ARGS };
  // Inflates the packaged browser into the temp directory on first use (a few seconds).
  return { executablePath: await packagedChromium.executablePath(), args: packagedChromium.args };
}

const fx = writeFixture();
const shots = mkdtempSync(join(tmpdir(), "cascade-report-shot-"));
afterAll(() => {
  rmSync(fx.dir, { recursive: true, force: true });
  if (!process.env.CASCADE_KEEP_SCREENSHOT) rmSync(shots, { recursive: true, force: true });
});

describe("report in headless Chromium", () => {
  it("shows every chart with drawn marks and the tables", { timeout: 120_000 }, async () => {
    const path = await writeReport(fx.dir, { shockTimeS: 200 });
    const browser = await chromium.launch(await browserToLaunch());
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
