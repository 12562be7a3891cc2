// The drawing pad in a real browser: mouse strokes become an MNIST-like input that every lane
// classifies, and after an epoch of ReLU, hand-drawn digits (tests/strokes, not from MNIST) are
// read correctly in most cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  ROOT, openPage, screenshot, waitReady, laneText, drawStrokes, useBrowser,
} from "./harness.mjs";

const drawings = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/strokes/digits.json"), "utf8"));

const shared = useBrowser();

/** Clears the pad, draws one digit and waits for every lane's answer. */
async function drawAndRead(page, strokes, lanes) {
  await page.click("[data-testid=clear]");
  await drawStrokes(page, strokes);
  await page.waitForFunction((n) => {
    for (let i = 0; i < n; i++) {
      const t = document.querySelector(`[data-testid=lane-${i}] [data-testid=prediction]`).textContent;
      if (!/^\d$/.test(t)) return false;
    }
    return true;
  }, lanes, { timeout: 10_000, polling: "raf" });
  const out = [];
  for (let i = 0; i < lanes; i++) out.push(Number(await laneText(page, i, "prediction")));
  return out;
}

test("drawing with the mouse shows the 28×28 input and predictions from both lanes; clear empties them", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url);
  await waitReady(page);
  assert.equal(await laneText(page, 0, "prediction"), "—");
  const [a, b] = await drawAndRead(page, drawings.digits[0].strokes, 2);
  assert.ok(a >= 0 && a <= 9 && b >= 0 && b <= 9);
  // The preview shows ink, centred: its centre of mass is near (14, 14).
  const com = await page.evaluate(() => {
    const d = document.querySelector("#input-preview").getContext("2d").getImageData(0, 0, 28, 28).data;
    let m = 0, x = 0, y = 0;
    for (let i = 0; i < 784; i++) { const v = d[4 * i]; m += v; x += v * (i % 28); y += v * Math.floor(i / 28); }
    return [m, x / m, y / m];
  });
  assert.ok(com[0] > 0, "the preview has ink");
  assert.ok(Math.abs(com[1] - 14) < 1.5 && Math.abs(com[2] - 14) < 1.5, `centre of mass ${com.slice(1)}`);
  // Ten probability bars per lane, summing to ~100%.
  const sums = await page.$$eval(".prediction-card", (cards) => cards.map((c) =>
    [...c.querySelectorAll(".pct")].reduce((s, e) => s + parseFloat(e.textContent || "0"), 0)));
  for (const s of sums) assert.ok(Math.abs(s - 100) < 1.5, `bars sum to ${s}%`);
  await screenshot(page, "05-drawn");
  await page.click("[data-testid=clear]");
  assert.equal(await laneText(page, 0, "prediction"), "—");
  assert.equal(await laneText(page, 1, "prediction"), "—");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a random test digit is shown with its label and classified by both lanes", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url);
  await waitReady(page);
  await page.click("[data-testid=random-digit]");
  await page.waitForFunction(() => /labelled \d/.test(document.querySelector("#sample-label").textContent));
  await page.waitForFunction(() => /^\d$/.test(
    document.querySelector("[data-testid=lane-1] [data-testid=prediction]").textContent));
  assert.deepEqual(problems, []);
  await page.close();
});

test("after one epoch of ReLU, hand-drawn digits are read correctly in most cases; predictions sharpen with training", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=1");
  await waitReady(page);
  // Before training: a digit drawn now gets a near-uniform, unsure answer.
  await drawAndRead(page, drawings.digits[9].strokes, 2);
  const unsure = await page.$$eval(".prediction-card h3 .top", (t) => t.length);
  assert.equal(unsure, 2);
  const before = await page.$$eval(".prediction-card .pct", (p) => Math.max(...p.map((e) => parseFloat(e.textContent))));
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 1),
    null, { timeout: 60_000, polling: 200 });
  let correct = 0;
  const misses = [];
  for (const d of drawings.digits) {
    const [, relu] = await drawAndRead(page, d.strokes, 2);
    if (relu === d.label) correct++;
    else misses.push(`${d.label} (${d.style}) read as ${relu}`);
  }
  const after = await page.$$eval(".prediction-card .pct", (p) => Math.max(...p.map((e) => parseFloat(e.textContent))));
  console.log(`# ReLU after 1 epoch read ${correct}/${drawings.digits.length} hand-drawn digits correctly` +
    (misses.length ? `; misses: ${misses.join("; ")}` : ""));
  console.log(`# highest class probability before training ${before}%, after ${after}%`);
  assert.ok(correct >= 0.8 * drawings.digits.length, `${correct}/${drawings.digits.length}`);
  assert.ok(before < 50, `untrained networks are unsure (${before}%)`);
  await screenshot(page, "06-drawn-after-training");
  assert.deepEqual(problems, []);
  await page.close();
});
