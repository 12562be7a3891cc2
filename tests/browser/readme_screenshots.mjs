// Regenerates the README's screenshots from a real race in headless Chromium:
//   node tests/browser/readme_screenshots.mjs   (after a `trunk build --release`)
// Not a test: it writes tests/screenshots/*.png.
import fs from "node:fs";
import path from "node:path";
import { ROOT, serve, launch, openPage, waitReady, drawStrokes } from "./harness.mjs";

const drawings = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/strokes/digits.json"), "utf8"));
const out = path.join(ROOT, "tests", "screenshots");
fs.mkdirSync(out, { recursive: true });

const server = await serve();
const browser = await launch();
try {
  for (const [name, query, epochsShown] of [["race", "", 3], ["deep", "?hidden=128,128,128,128,128", 3]]) {
    const { page, problems } = await openPage(browser.context, server.url + query);
    await waitReady(page);
    await page.click("[data-testid=start]");
    await page.waitForFunction((n) => window.wasmBindings.race_reports().every((l) => l.epochs.length >= n),
      epochsShown, { timeout: 120_000, polling: 100 });
    await page.click("[data-testid=pause]");
    await drawStrokes(page, drawings.digits.find((d) => d.label === 3).strokes);
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=prediction]")]
      .every((e) => /^\d$/.test(e.textContent)), null, { timeout: 10_000 });
    await page.waitForTimeout(400);
    const file = path.join(out, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`${file}${problems.length ? ` (page problems: ${problems.join("; ")})` : ""}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
