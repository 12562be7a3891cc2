// The charts inside the networks, live in real headless Chromium with 2 and 4 lanes: activation
// distributions per hidden layer, the backward signal and sparsity vs dead units. Each canvas has
// ink in every lane's colour while the race runs and at its end; each chart's accessible name and
// data table follow the reports the page holds (`race_reports()`), formatted as the page formats
// them; and the effect the charts are for shows: a deep Sigmoid net with standard initialisation
// (Glorot & Bengio 2010) piles its top hidden layer toward 0 while its lowest stays near 0.5, at
// chance, its lowest layer receives a far smaller share of the backward signal than ReLU's, and
// the same net with Glorot initialisation learns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { canvasInk, openPage, screenshot, waitReady, useBrowser, reports, canvasPrint } from "./harness.mjs";

const shared = useBrowser();

const CHARTS = ["distributions", "signal", "sparsity"];
// The lanes' colours (Okabe–Ito), `LANE_COLORS` in crate/src/charts/theme.rs.
const LANE_COLORS = ["#e69f00", "#0072b2", "#009e73", "#cc79a7"];

/** Pixels of a canvas within `tol` of each colour (#rrggbb). */
const ink = async (page, testid, colors, tol = 6) => (await canvasInk(page, testid, colors, tol)).counts;

// Numbers as Rust's `format!` writes them: `{:.d}` rounds the exact binary value, an exact tie
// to even (JavaScript's toFixed rounds ties up: 6.25 → "6.3" where the page shows "6.2").
function fixed(x, d) {
  if (!Number.isFinite(x)) return "—";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const a = Math.abs(x);
  const exact = a.toFixed(d + 60);
  const dot = exact.indexOf(".");
  const kept = exact.slice(0, d > 0 ? dot + 1 + d : dot);
  const tieToEven = /^50*$/.test(exact.slice(dot + 1 + d)) && Number(kept.at(-1)) % 2 === 0;
  return sign + (tieToEven ? kept : a.toFixed(d));
}
/** `pct` of view/layer_tables.rs: 100 · v in f32, one decimal. */
const pct = (v) => (Number.isFinite(v) ? `${fixed(Math.fround(100 * Math.fround(v)), 1)}%` : "—");
const two = (v) => fixed(v, 2);
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
/** `charts::ticks::format_value`: two significant digits, ×10ⁿ outside 10⁻³ … 10⁴. */
function formatValue(v) {
  if (!Number.isFinite(v)) return "—";
  if (v === 0) return "0";
  const e = Math.floor(Math.log10(Math.abs(v)));
  if (e >= -3 && e < 4) return fixed(v, Math.max(1 - e, 0));
  return `${fixed(v / 10 ** e, 1)}×10${String(e).split("").map((c) => SUPERSCRIPT[c]).join("")}`;
}
/** `charts::signal::share_pct`. */
const sharePct = (v) => `${formatValue(v * 100)}%`;

/** Each activation's flat zones (`charts::distributions::flat_zones`) and the share of a
 * histogram's values in them (`flat_share`): bins whose centre lies in a zone, plus the values
 * beyond the range when a zone reaches that end. */
const FLAT_ZONES = {
  sigmoid: [[0, 0.05], [0.95, 1]],
  tanh: [[-1, -0.9], [0.9, 1]],
  leaky_relu: [[-Infinity, 0]],
};
function flatShare(h, zones) {
  const total = h.counts.reduce((s, c) => s + c, 0) + h.below + h.above;
  const w = (h.hi - h.lo) / h.counts.length;
  let flat = 0;
  h.counts.forEach((c, i) => {
    const centre = h.lo + (i + 0.5) * w;
    if (zones.some(([lo, hi]) => centre >= lo && centre <= hi)) flat += c;
  });
  if (zones.some(([lo]) => lo <= h.lo)) flat += h.below;
  if (zones.some(([, hi]) => hi >= h.hi)) flat += h.above;
  return flat / total;
}

/** What the three tables and accessible names must say for these reports. */
function expected(lanes, labels) {
  return lanes.map((l, k) => {
    const r = l.intervals.at(-1);
    const label = labels[k];
    const layers = r.activation_mean.length;
    const dist = [label], signal = [label], sparsity = [label];
    for (let i = 0; i < layers; i++) {
      dist.push(`${two(r.activation_mean[i])} ± ${two(r.activation_std[i])}`);
      dist.push(l.activation === "relu" ? pct(r.sparsity[i])
        : FLAT_ZONES[l.activation] ? pct(flatShare(r.activation_histogram[i], FLAT_ZONES[l.activation])) : "—");
      signal.push(fixed(r.mean_abs_slope[i], 3), sharePct(r.signal_share[i]));
      sparsity.push(pct(r.sparsity[i]), pct(r.dead_fraction[i]));
    }
    let sparseSum = 0;
    for (const s of r.sparsity) sparseSum = Math.fround(sparseSum + s);
    return {
      rows: { distributions: dist, signal, sparsity },
      names: {
        distributions: `${label}: mean output ${r.activation_mean.map((m, i) => `hidden ${i + 1} ${two(m)}`).join(", ")}`,
        signal: `${label}'s hidden layer 1 receives ${sharePct(r.signal_share[0])} of the signal the output layer sends back`,
        sparsity: `${label} ${pct(Math.fround(sparseSum / r.sparsity.length))} of outputs exactly 0 per image (mean over layers), at most ${pct(Math.max(...r.dead_fraction))} dead units`,
      },
    };
  });
}

const tables = (page) => page.evaluate((charts) => Object.fromEntries(charts.map((c) => [c, {
  columns: [...document.querySelectorAll(`[data-testid=table-${c}] thead th`)].map((th) => th.textContent),
  rows: [...document.querySelectorAll(`[data-testid=table-${c}] tbody tr`)].map((tr) => [...tr.children].map((td) => td.textContent)),
  name: document.querySelector(`[data-testid=chart-${c}]`).getAttribute("aria-label"),
}])), CHARTS);

/**
 * The tables and names against the reports the page holds. The page redraws a few times a
 * second, so its text may lag a report that just came in: retried until they agree (or 10 s).
 */
async function checkTables(page) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lanes = await reports(page);
    const shown = await tables(page);
    const labels = shown.distributions.rows.map((r) => r[0]);
    try {
      const want = expected(lanes, labels);
      const layers = lanes[0].intervals.at(-1).activation_mean.length;
      for (const c of CHARTS) {
        assert.equal(shown[c].rows.length, lanes.length, `${c}: a row per lane`);
        assert.equal(shown[c].columns.length, 1 + 2 * layers, `${c}: two columns per hidden layer`);
        want.forEach((w, k) => {
          assert.deepEqual(shown[c].rows[k], w.rows[c], `${c} row ${k}`);
          assert.ok(shown[c].name.includes(w.names[c]), `${c} name: "${shown[c].name}" should say "${w.names[c]}"`);
        });
      }
      // The backward signal reaching layer l is the product of the mean |f′| of layers l … top.
      for (const l of lanes) {
        const r = l.intervals.at(-1);
        r.signal_share.forEach((share, i) => {
          const product = r.mean_abs_slope.slice(i).reduce((p, s) => p * s, 1);
          assert.ok(Math.abs(share - product) <= 1e-5 * product, `${l.activation} layer ${i + 1}: ${share} vs ${product}`);
        });
      }
      return lanes;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await page.waitForTimeout(250);
    }
  }
}

/** Every lane's colour on each of the three canvases. */
async function checkInk(page, lanes, min = 20) {
  for (const c of CHARTS) {
    const counts = await ink(page, `chart-${c}`, LANE_COLORS.slice(0, lanes));
    assert.ok(counts.every((n) => n >= min), `${c}: pixels in each lane's colour ${counts}`);
  }
}

const waitIntervals = (page, n) => page.waitForFunction((k) =>
  window.wasmBindings.race_reports().every((l) => l.intervals.length >= k), n, { timeout: 120_000, polling: 100 });

const waitDone = (page, epochs, timeout = 180_000) => page.waitForFunction((k) =>
  window.wasmBindings.race_reports().every((l) => l.epochs.length >= k), epochs, { timeout, polling: 250 });

test("2 lanes: the three charts draw live in both lanes' colours; their names and tables follow the reports; they fit 390 px", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?train=3000&epochs=2");
  await waitReady(page);
  for (const c of CHARTS) {
    assert.equal(await page.getAttribute(`[data-testid=chart-${c}]`, "role"), "img");
  }
  await page.click("[data-testid=start]");
  // Mid-race (paused after a few reports): drawn, named and tabled from what came in so far.
  await waitIntervals(page, 3);
  await page.click("[data-testid=pause]");
  let lanes = await checkTables(page);
  assert.ok(lanes.every((l) => l.epochs.length === 0), "checked mid-race, before the first epoch ended");
  await checkInk(page, 2);
  const before = await Promise.all(CHARTS.map((c) => canvasPrint(page, `chart-${c}`)));
  await page.click("[data-testid=pause]");
  await waitDone(page, 2);
  lanes = await checkTables(page);
  await checkInk(page, 2);
  const after = await Promise.all(CHARTS.map((c) => canvasPrint(page, `chart-${c}`)));
  CHARTS.forEach((c, i) => assert.notEqual(after[i], before[i], `${c} redrawn as the race went on`));
  const [sigmoid, relu] = lanes.map((l) => l.intervals.at(-1));
  console.log(`2 lanes, 6,000 images: signal share at layer 1 Sigmoid ${sigmoid.signal_share[0]}, ReLU ${relu.signal_share[0]}; ReLU sparsity ${relu.sparsity}`);
  // Sigmoid is never exactly 0; ReLU silences a share of its units on each image.
  assert.ok(sigmoid.sparsity.every((s) => s === 0));
  assert.ok(relu.sparsity.every((s) => s > 0.1 && s < 0.9), `ReLU sparsity ${relu.sparsity}`);
  await page.locator("[data-testid=chart-distributions]").scrollIntoViewIfNeeded();
  await screenshot(page, "layer-charts-2-lanes");

  // The phone layout: the charts fit 390 px and are drawn again at that size.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.querySelector("[data-testid=chart-distributions]").width <= 390 * devicePixelRatio);
  const rights = await page.evaluate((charts) => [document.documentElement.scrollWidth,
    ...charts.map((c) => document.querySelector(`[data-testid=chart-${c}]`).closest("figure").getBoundingClientRect().right)], CHARTS);
  for (const right of rights) assert.ok(right <= 390, `fits 390 px: ${rights}`);
  await page.waitForFunction(() => document.querySelector("[data-testid=chart-signal]").width <= 390 * devicePixelRatio);
  await checkInk(page, 2);
  await screenshot(page, "layer-charts-phone");
  assert.deepEqual(problems, []);
  await page.close();
});

test("4 lanes of a 4 × 128 net, standard init, batch 10, lr 0.1: Sigmoid's top layer falls toward 0, its layer 1 stays near 0.5 and gets far less signal than ReLU's", async () => {
  // Measured (10,000 images, 2 epochs): Sigmoid's hidden layers end at mean 0.499, 0.513, 0.620,
  // 0.118 (top) at 10% accuracy; layer 1 receives 0.14% of the signal, ReLU's 2.3%, Tanh's 11%.
  const query = "?lanes=sigmoid,relu,tanh,leaky_relu&hidden=128,128,128,128&batch=10&lr=0.1&init=standard&train=10000&epochs=2";
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + query);
  await waitReady(page);
  await page.click("[data-testid=start]");
  // Mid-race, paused so that the page's text can catch up with the reports on a busy machine.
  await waitIntervals(page, 4);
  await page.click("[data-testid=pause]");
  await checkTables(page);
  await checkInk(page, 4);
  await page.click("[data-testid=pause]");
  await waitDone(page, 2);
  const lanes = await checkTables(page);
  await checkInk(page, 4);
  assert.deepEqual(lanes.map((l) => l.activation), ["sigmoid", "relu", "tanh", "leaky_relu"]);
  const [sigmoid, relu, tanh] = lanes;
  const first = sigmoid.intervals[0], last = sigmoid.intervals.at(-1);
  const top = (r) => r.activation_mean.at(-1);
  console.log(`deep Sigmoid: top layer mean ${top(first)} → ${top(last)}, layer 1 ${last.activation_mean[0]}, accuracy ${last.val_accuracy}; layer 1 signal: Sigmoid ${last.signal_share[0]}, ReLU ${relu.intervals.at(-1).signal_share[0]}, Tanh ${tanh.intervals.at(-1).signal_share[0]}`);
  assert.ok(top(last) < 0.25, `top layer mean ${top(last)} falls toward 0`);
  assert.ok(top(first) - top(last) > 0.2, `from ${top(first)} to ${top(last)}`);
  assert.ok(Math.abs(last.activation_mean[0] - 0.5) < 0.03, `layer 1 mean ${last.activation_mean[0]} stays near 0.5`);
  assert.ok(last.activation_mean[0] - top(last) > 0.25, "the top layer well below the lowest");
  assert.ok(last.val_accuracy < 0.2, `accuracy ${last.val_accuracy} near chance`);
  // Sigmoid's f′ ≤ ¼: four layers pass at most 1/256 of the signal; ReLU passes far more.
  assert.ok(last.signal_share[0] < 1 / 256);
  assert.ok(relu.intervals.at(-1).signal_share[0] > 5 * last.signal_share[0], "ReLU's layer 1 gets far more signal");
  // The names say it too.
  const shown = await tables(page);
  assert.match(shown.distributions.name, /Sigmoid: mean output hidden 1 0\.[45]\d, .*hidden 4 0\.[0-2]\d/);
  await page.locator("[data-testid=chart-distributions]").scrollIntoViewIfNeeded();
  await screenshot(page, "layer-charts-4-lanes");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the same Sigmoid net over two epochs of 55,000 images: standard init stays at chance with its top layer near 0; Glorot init learns", async () => {
  // Measured: standard init's top layer mean 0.036 (layer 1 0.506) at 10.6%; Glorot's leaves the
  // plateau during the first epoch and reaches 91%.
  const query = "?lanes=sigmoid,sigmoid&lane_init=standard,glorot&hidden=128,128,128,128&batch=10&lr=0.1&epochs=2&train=55000";
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + query);
  await waitReady(page);
  await page.click("[data-testid=start]");
  await waitDone(page, 2, 400_000);
  const lanes = await checkTables(page);
  await checkInk(page, 2);
  const [standard, glorot] = lanes.map((l) => l.intervals.at(-1));
  console.log(`standard init: top ${standard.activation_mean.at(-1)}, layer 1 ${standard.activation_mean[0]}, accuracy ${standard.val_accuracy}; Glorot: top ${glorot.activation_mean.at(-1)}, accuracy ${glorot.val_accuracy}`);
  assert.ok(standard.activation_mean.at(-1) < 0.1, "standard init: the top layer near 0");
  assert.ok(Math.abs(standard.activation_mean[0] - 0.5) < 0.03, "standard init: layer 1 near 0.5");
  assert.ok(standard.val_accuracy < 0.2, "standard init: chance");
  assert.ok(glorot.val_accuracy > 0.6, `Glorot init learns: ${glorot.val_accuracy}`);
  const shown = await tables(page);
  assert.ok(shown.distributions.rows.map((r) => r[0]).join(" ").includes("Glorot"), "the lanes are told apart by their init");
  assert.deepEqual(problems, []);
  await page.close();
});
