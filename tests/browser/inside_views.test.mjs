// The views inside the networks, live in real headless Chromium with 2 and 4 lanes: receptive
// fields (drawn, clickable, a unit shown large with its z and f(z) on the digit), the digit on
// the activation curves (a dot per hidden unit; deep Sigmoid saturates), and the confusion
// matrices at an epoch end (the difference sums to zero per row; per-class accuracy is the
// diagonal over the row). Asserts on the data behind each view (`inside_views()`) and on the
// canvases' pixels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { canvasInk, openPage, openTable, screenshot, waitReady, useBrowser } from "./harness.mjs";

const shared = useBrowser();

const views = (page) => page.evaluate(() => window.wasmBindings.inside_views());

/** Waits until every lane sent its receptive fields. */
const waitFields = (page, lanes) => page.waitForFunction((n) => {
  const v = window.wasmBindings.inside_views();
  return v.fields.lanes.length === n && v.fields.lanes.every((l) => l.tiles.length === 16);
}, lanes, { timeout: 60_000, polling: 200 });

/** Waits until every lane answered the digit on the pad with its hidden units. */
const waitCurves = (page, hidden) => page.waitForFunction((h) => {
  const v = window.wasmBindings.inside_views();
  return v.curve.digit && v.curve.panels.every((p) => p.z.length === h.length && p.z.every((z, i) => z.length === h[i]));
}, hidden, { timeout: 30_000, polling: 200 });

const waitEpoch = (page, n) => page.waitForFunction((k) =>
  window.wasmBindings.race_reports().every((l) => l.epochs.length >= k), n, { timeout: 120_000, polling: 200 });

/** The confusion view's arithmetic, as the test sees it. */
function checkConfusion(c) {
  assert.ok(c, "a confusion view after the first epoch");
  for (let t = 0; t < 10; t++) {
    const rowA = c.a.matrix[t].reduce((s, v) => s + v, 0);
    const rowB = c.b.matrix[t].reduce((s, v) => s + v, 0);
    assert.equal(rowA, rowB, `both lanes read the same ${rowA} test images of digit ${t}`);
    assert.equal(c.difference[t].reduce((s, v) => s + v, 0), 0, `row ${t} of A − B sums to zero`);
    for (let p = 0; p < 10; p++) assert.equal(c.difference[t][p], c.a.matrix[t][p] - c.b.matrix[t][p]);
    for (const l of c.lanes) {
      const row = l.matrix[t].reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(l.per_class[t] - l.matrix[t][t] / row) < 1e-6, `${l.label} digit ${t}`);
    }
  }
  const total = c.a.matrix.flat().reduce((s, v) => s + v, 0);
  assert.equal(total, 10_000, "the whole test set");
}

test("2 lanes: receptive fields draw and enlarge on click, the digit sits on the curves, confusion at the epoch end", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?train=3000&epochs=2");
  await waitReady(page);
  await page.click("[data-testid=start]");
  await waitFields(page, 2);
  let v = await views(page);
  const [orange, blue] = v.fields.lanes.map((l) => l.color);
  // Tiles on the diverging scale: full blue (#2166ac) or orange (#b35806) where a lane's largest
  // weights are, and each lane's swatch in its colour.
  await page.waitForFunction(() => document.querySelector("[data-testid=inside-fields]").getAttribute("aria-label").includes("Receptive fields of the first layer"));
  const fieldInk = await canvasInk(page, "inside-fields", [orange, blue, "#2166ac", "#b35806"], 40);
  assert.ok(fieldInk.inked > 0.1, `the fields cover ${fieldInk.inked} of the canvas`);
  assert.ok(fieldInk.counts.every((n) => n > 20), `lane and scale colours: ${fieldInk.counts}`);

  // A click on lane 1's fifth tile shows it large; the buttons walk on.
  const [lane, unit, left, top, width] = v.tiles.find(([l, u]) => l === 1 && u === 4);
  const box = await page.locator("[data-testid=inside-fields]").boundingBox();
  await page.locator("[data-testid=inside-fields]").scrollIntoViewIfNeeded();
  const box2 = await page.locator("[data-testid=inside-fields]").boundingBox();
  await page.mouse.click(box2.x + left + width / 2, box2.y + top + width / 2);
  await page.waitForFunction(() => window.wasmBindings.inside_views().fields.selected?.unit === 4);
  v = await views(page);
  assert.deepEqual([v.fields.selected.lane, v.fields.selected.unit], [lane, unit]);
  assert.ok(box.width > 0);
  await page.click("[data-testid=field-next]");
  await page.waitForFunction(() => window.wasmBindings.inside_views().fields.selected?.unit === 5);
  await page.waitForFunction(() => document.querySelector("[data-testid=inside-fields]").getAttribute("aria-label").includes("Shown large: ReLU unit 5"));

  // A random test digit: a dot per hidden unit (128 + 64) on each lane's curve, and the unit
  // shown large gets its z and f(z) on that digit.
  await page.click("[data-testid=random-digit]");
  await waitCurves(page, [128, 64]);
  await page.waitForFunction(() => window.wasmBindings.inside_views().fields.selected?.on_digit);
  v = await views(page);
  const relu = v.curve.panels[1];
  const [z, fz] = v.fields.selected.on_digit;
  assert.equal(z, relu.z[0][5], "z of the unit shown large is its z on the digit");
  assert.equal(fz, Math.max(0, z));
  for (const p of v.curve.panels) assert.ok(p.inactive >= 0 && p.inactive <= 1);
  await page.waitForFunction(() => /Sigmoid .* hidden units saturated/.test(document.querySelector("[data-testid=inside-curve]").getAttribute("aria-label")));
  // The layers' dots (viridis purple and blue-violet) and the lanes' swatches are on the canvas.
  const curveInk = await canvasInk(page, "inside-curve", ["#440154", "#414487", orange, blue], 30);
  assert.ok(curveInk.counts.every((n) => n > 10), `layer and lane colours: ${curveInk.counts}`);
  await openTable(page, "table-curve");
  const rows = await page.$$eval("[data-testid=table-curve] tbody tr", (r) => r.length);
  assert.equal(rows, 4, "a row per lane and layer");

  // The first epoch end: both confusion matrices, their difference, accuracy per digit.
  await waitEpoch(page, 1);
  await page.waitForFunction(() => window.wasmBindings.inside_views().confusion);
  v = await views(page);
  checkConfusion(v.confusion);
  assert.deepEqual([v.confusion.a.label, v.confusion.b.label], ["Sigmoid", "ReLU"]);
  await page.waitForFunction(() => /Test-set confusion at epoch \d/.test(document.querySelector("[data-testid=inside-confusion]").getAttribute("aria-label")));
  const confusionInk = await canvasInk(page, "inside-confusion", [orange, blue], 6);
  assert.ok(confusionInk.counts.every((n) => n > 50), `lane colours: ${confusionInk.counts}`);
  // The race goes on: read the table with the views it was drawn from (same epoch).
  await openTable(page, "table-confusion");
  let table;
  for (let tries = 0; ; tries++) {
    v = await views(page);
    table = await page.$$eval("[data-testid=table-confusion] tbody tr", (r) => r.map((tr) => [...tr.children].map((c) => c.textContent)));
    const label = await page.getAttribute("[data-testid=inside-confusion]", "aria-label");
    if (label.includes(`at epoch ${v.confusion.epoch}:`) || tries > 20) break;
    await page.waitForTimeout(100);
  }
  assert.equal(table.length, 2);
  for (const [i, row] of table.entries()) {
    const l = v.confusion.lanes[i];
    assert.equal(row[0], l.label);
    assert.equal(row[2 + 7], `${(100 * l.per_class[7]).toFixed(1)}%`);
  }
  await page.locator("[data-testid=inside-fields]").scrollIntoViewIfNeeded();
  await screenshot(page, "inside-2-lanes");

  // The phone layout: the views fit 390 px.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.querySelector("[data-testid=inside-fields]").width <= 390 * devicePixelRatio);
  const overflow = await page.evaluate(() => [document.documentElement.scrollWidth,
    ...["inside-fields", "inside-curve", "inside-confusion"].map((id) => document.querySelector(`[data-testid=${id}]`).getBoundingClientRect().right)]);
  for (const right of overflow) assert.ok(right <= 390, `fits 390 px: ${overflow}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test("4 lanes of a deep net: four panels and field blocks; deep Sigmoid's top layer saturates at 0 (Glorot & Bengio)", async () => {
  // Standard initialisation, batch 10, lr 1: after 2,000 images Sigmoid's top hidden layer sits
  // near 0 while its lowest stays near 0.5, at chance accuracy (measured: top layer mean 0.02,
  // all 128 units below 0.05; layer 1 mean 0.499).
  const query = "?lanes=sigmoid,relu,tanh,leaky_relu&hidden=128,128,128,128,128&train=2000&epochs=1&batch=10&lr=1&init=standard";
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + query);
  await waitReady(page);
  await page.click("[data-testid=start]");
  await waitFields(page, 4);
  await waitEpoch(page, 1);
  await page.click("[data-testid=random-digit]");
  await waitCurves(page, [128, 128, 128, 128, 128]);
  const v = await views(page);
  assert.equal(v.curve.panels.length, 4);
  assert.equal(v.fields.lanes.length, 4);
  // Deep Sigmoid: the top hidden layer's units on the flat end near 0, the lowest near 0.5.
  const sig = v.curve.panels[0];
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const top = sig.f[4];
  const flat = top.filter((f, i) => Math.abs(sig.z[4][i]) > 3 || f < 0.05 || f > 0.95).length;
  console.log(`deep Sigmoid: top layer mean f ${mean(top)}, ${flat} of ${top.length} on a flat end; layer 1 mean f ${mean(sig.f[0])}`);
  assert.ok(flat / top.length > 0.5, `${flat} of ${top.length} top-layer units on a flat end`);
  assert.ok(mean(top) < 0.1, `top layer mean ${mean(top)}`);
  assert.ok(Math.abs(mean(sig.f[0]) - 0.5) < 0.05, `layer 1 mean ${mean(sig.f[0])}`);
  const relu = v.curve.panels[1];
  // ReLU units that are off sit at f = 0 exactly.
  assert.ok(relu.f.flat().filter((f) => f === 0).length > 0);
  const colors = v.fields.lanes.map((l) => l.color);
  const fieldInk = await canvasInk(page, "inside-fields", colors, 6);
  assert.ok(fieldInk.counts.every((n) => n > 20), `four lane colours: ${fieldInk.counts}`);
  const curveInk = await canvasInk(page, "inside-curve", ["#440154", "#2a788e", "#7ad151"], 30);
  assert.ok(curveInk.counts.every((n) => n > 10), `layer colours: ${curveInk.counts}`);
  checkConfusion(v.confusion);
  await screenshot(page, "inside-4-lanes");
  assert.deepEqual(problems, []);
  await page.close();
});
