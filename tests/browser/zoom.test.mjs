// Chart text keeps its size when the browser zooms out: at 50% zoom (device pixel ratio 0.5)
// the canvases get half as many pixels as CSS pixels and the text is drawn at half as many
// pixels, i.e. at the same CSS size, not shrunk.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ARTIFACTS, useBrowser, waitReady } from "./harness.mjs";

const shared = useBrowser();

/**
 * Opens the page at device pixel ratio `dpr` (what browser zoom changes; emulated through the
 * DevTools protocol) and measures the loss chart before the race: its canvas size against its
 * CSS size, and the CSS height of the ink of its centred "waiting for the first report" hint.
 */
async function lossChartAt(dpr) {
  const page = await shared.browser.context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  const cdp = await shared.browser.context.newCDPSession(page);
  await cdp.send("Emulation.setDeviceMetricsOverride", {
    width: 1400, height: 1000, deviceScaleFactor: dpr, mobile: false,
  });
  await page.goto(shared.server.url);
  await waitReady(page);
  const measure = () => page.evaluate(() => {
    const c = document.querySelector("[data-testid=chart-loss]");
    const { width, height } = c;
    const data = c.getContext("2d").getImageData(0, 0, width, height).data;
    // The hint sits in the middle of the plot; grid lines (#e8e8ee) are lighter than the
    // threshold, small antialiased text is not.
    const [x0, x1] = [Math.round(width * 0.35), Math.round(width * 0.65)];
    const [y0, y1] = [Math.round(height * 0.3), Math.round(height * 0.7)];
    let rows = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = (y * width + x) * 4;
        if (Math.min(data[i], data[i + 1], data[i + 2]) < 200) { rows++; break; }
      }
    }
    return { width, height, cssWidth: c.clientWidth, cssHeight: c.clientHeight, rows, dpr: devicePixelRatio };
  });
  // The charts are drawn on the first frames after loading.
  let m = await measure();
  for (let i = 0; i < 50 && m.rows === 0; i++) {
    await page.waitForTimeout(100);
    m = await measure();
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator("[data-testid=chart-loss]").screenshot({ path: path.join(ARTIFACTS, `zoom-${dpr}-loss.png`) });
  await page.close();
  return { ...m, problems };
}

test("at 50% zoom chart canvases have half the pixels and chart text keeps its CSS size", async () => {
  const full = await lossChartAt(1);
  const half = await lossChartAt(0.5);
  console.log(`# loss chart at dpr 1: ${JSON.stringify(full)}`);
  console.log(`# loss chart at dpr 0.5: ${JSON.stringify(half)}`);
  assert.equal(half.dpr, 0.5, "the zoom was emulated");
  for (const m of [full, half]) {
    assert.deepEqual(m.problems, []);
    assert.ok(m.cssWidth > 200 && m.cssHeight > 100, `chart is ${m.cssWidth}×${m.cssHeight} CSS px`);
    assert.ok(Math.abs(m.width - m.cssWidth * m.dpr) <= 1, `canvas ${m.width} px for ${m.cssWidth} CSS px at ${m.dpr}`);
    assert.ok(Math.abs(m.height - m.cssHeight * m.dpr) <= 1);
  }
  // Ink height in CSS pixels: pixel rows ÷ (canvas pixels per CSS pixel).
  const cssInk = (m) => m.rows / (m.width / m.cssWidth);
  assert.ok(cssInk(full) >= 8, `the hint is ${cssInk(full)} CSS px tall at 100%`);
  // One device pixel is 2 CSS px at 50%: allow two of them.
  assert.ok(Math.abs(cssInk(half) - cssInk(full)) <= 4,
    `hint ink ${cssInk(half)} CSS px tall at 50% zoom vs ${cssInk(full)} at 100%`);
});
