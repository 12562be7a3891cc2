// Measurements in the real browser, reported (not timed assertions): the main thread's frame
// gaps while both lanes train, how fast a drawn digit is answered, and how long an epoch takes per
// lane. The assertions only catch a blocked page. Figures go to tests/artifacts/measurements.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, ARTIFACTS, openPage, waitReady, reports, drawStrokes, useBrowser } from "./harness.mjs";

const drawings = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/strokes/digits.json"), "utf8"));
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const shared = useBrowser();

/** Milliseconds each lane took to answer the latest drawing, read from the prediction cards. */
async function answerTimes(page) {
  await page.waitForFunction(() => [...document.querySelectorAll(".prediction-card .muted")]
    .every((e) => /answered in/.test(e.textContent)), null, { timeout: 10_000, polling: "raf" });
  return page.$$eval(".prediction-card .muted", (es) => es.map((e) => Number(/answered in ([\d.]+) ms/.exec(e.textContent)[1])));
}

test("the main thread stays responsive while both lanes train; drawn digits are answered quickly", async () => {
  const measured = {};
  const t0 = Date.now();
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=3");
  await waitReady(page);
  measured.page_ready_ms = Date.now() - t0;

  // Idle: the answer is the worker's forward pass plus two postMessage hops.
  const idle = [];
  for (const d of drawings.digits.slice(0, 10)) {
    await page.click("[data-testid=clear]");
    await drawStrokes(page, d.strokes);
    idle.push(...(await answerTimes(page)));
  }

  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length >= 2),
    null, { timeout: 30_000, polling: 100 });
  // Frame gaps over 3 s of racing, charts redrawing on every report.
  const gaps = await page.evaluate(() => new Promise((resolve) => {
    const gaps = [];
    let last = performance.now();
    const end = last + 3000;
    const tick = (t) => {
      gaps.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(tick); else resolve(gaps);
    };
    requestAnimationFrame(tick);
  }));
  // While training, an answer may wait for the worker's current slice (≤ 12 ms) to end.
  const busy = [];
  for (const d of drawings.digits.slice(10, 20)) {
    await page.click("[data-testid=clear]");
    await drawStrokes(page, d.strokes);
    busy.push(...(await answerTimes(page)));
  }
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 3),
    null, { timeout: 120_000, polling: 250 });
  const lanes = await reports(page);

  measured.frame_gap_ms = { frames: gaps.length, p50: percentile(gaps, 0.5), p95: percentile(gaps, 0.95), max: Math.max(...gaps) };
  measured.answer_ms_idle = { p50: percentile(idle, 0.5), p95: percentile(idle, 0.95) };
  measured.answer_ms_training = { p50: percentile(busy, 0.5), p95: percentile(busy, 0.95) };
  measured.epochs = lanes.map((l) => ({
    activation: l.activation,
    epoch_secs: l.epochs.map((e) => +e.epoch_secs.toFixed(3)),
    training_samples_per_sec: l.epochs.map((e) => Math.round(e.samples_per_sec)),
    test_accuracy: l.epochs.map((e) => +e.test_accuracy.toFixed(4)),
  }));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, "measurements.json"), JSON.stringify(measured, null, 2));
  console.log(`# measurements: ${JSON.stringify(measured)}`);

  assert.ok(gaps.length > 30, `only ${gaps.length} frames in 3 s: the main thread was blocked`);
  assert.ok(measured.frame_gap_ms.p95 < 250, `frame gaps p95 ${measured.frame_gap_ms.p95} ms`);
  assert.deepEqual(problems, []);
  await page.close();
});
