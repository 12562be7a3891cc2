// The page in a real browser: loading, the race controls, charts, settings in the URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  DIST, serve, openPage, screenshot, waitReady, laneText, reports, canvasPrint, useBrowser, waitCardsMoved,
} from "./harness.mjs";

const shared = useBrowser();

test("loads with no console errors, makes no outside requests, and gets ready quickly", async () => {
  const outside = [];
  shared.browser.context.on("request", (r) => {
    if (!r.url().startsWith(shared.server.url) && !r.url().startsWith("data:")) outside.push(r.url());
  });
  const t0 = Date.now();
  const { page, problems } = await openPage(shared.browser.context, shared.server.url);
  await waitReady(page);
  const readyMs = Date.now() - t0;
  console.log(`# page ready to race (MNIST loaded in both workers) ${readyMs} ms after navigation`);
  for (const lane of [0, 1]) {
    assert.match(await page.textContent(`[data-testid=lane-${lane}]`), lane === 0 ? /Sigmoid/ : /ReLU/);
    assert.equal(await laneText(page, lane, "epoch"), "0.00");
  }
  assert.equal(await page.isVisible("[data-testid=error]"), false);
  await screenshot(page, "01-ready");
  assert.deepEqual(problems, []);
  assert.deepEqual(outside, []);
  await page.close();
});

test("start: both lanes report, epoch counters and charts move; pause stops, resume continues; reset clears", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=3");
  await waitReady(page);
  const blank = {};
  for (const id of ["chart-loss", "chart-accuracy", "chart-gradients", "chart-units"]) {
    blank[id] = await canvasPrint(page, id);
  }
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length >= 3),
    null, { timeout: 30_000, polling: 100 });
  await waitCardsMoved(page);
  const epochs = [];
  for (const lane of [0, 1]) {
    epochs.push(Number(await laneText(page, lane, "epoch")));
    assert.ok(epochs[lane] > 0, `lane ${lane} epoch counter moved`);
    assert.match(await laneText(page, lane, "accuracy"), /^\d+\.\d%$/);
  }
  await page.waitForTimeout(300); // a frame or two for the charts
  for (const id of Object.keys(blank)) {
    assert.notEqual(await canvasPrint(page, id), blank[id], `${id} changed`);
  }
  await screenshot(page, "02-racing");

  // Pause: within a slice both workers stop; no more reports arrive.
  await page.click("[data-testid=pause]");
  await page.waitForTimeout(300);
  const paused = (await reports(page)).map((l) => l.intervals.length);
  await page.waitForTimeout(1000);
  assert.deepEqual((await reports(page)).map((l) => l.intervals.length), paused, "no reports while paused");
  assert.equal(await page.textContent("[data-testid=pause]"), "Resume");
  assert.match(await page.textContent("[data-testid=lane-0]"), /paused/);

  // Resume: reports continue from where they were.
  await page.click("[data-testid=pause]");
  await page.waitForFunction((n) => window.wasmBindings.race_reports().every((l, i) => l.intervals.length > n[i] + 2),
    paused, { timeout: 30_000, polling: 100 });

  // Reset: counters and charts go back to a fresh race.
  await page.click("[data-testid=reset]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length === 0),
    null, { timeout: 10_000 });
  await page.waitForTimeout(500);
  assert.deepEqual((await reports(page)).map((l) => l.intervals.length), [0, 0], "nothing arrives after a reset");
  for (const lane of [0, 1]) assert.equal(await laneText(page, lane, "epoch"), "0.00");
  assert.equal(await canvasPrint(page, "chart-loss"), blank["chart-loss"]);
  await waitReady(page);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a whole race: ReLU wins, reports carry per-layer gradient norms and unit probes", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=2&target=94");
  await waitReady(page);
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 2),
    null, { timeout: 60_000, polling: 200 });
  // The page shows the end of the race on the frame after the last report.
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again");
  const [sigmoid, relu] = await reports(page);
  assert.equal(relu.activation, "relu");
  assert.ok(relu.epochs[0].test_accuracy > sigmoid.epochs[0].test_accuracy, "ReLU ahead after epoch 1");
  assert.ok(relu.epochs[1].test_accuracy > 0.94, `ReLU test accuracy ${relu.epochs[1].test_accuracy}`);
  assert.equal(relu.intervals.at(-1).grad_norms.length, 3);
  assert.equal(relu.intervals.at(-1).dead_fraction.length, 2);
  assert.ok(await page.isVisible("[data-testid=lane-1] .trophy"), "ReLU marked the winner");
  assert.equal(await page.isVisible("[data-testid=lane-0] .trophy"), false);
  assert.match(await page.textContent("#finish"), /ReLU crossed it first/);
  assert.equal(await page.textContent("[data-testid=start]"), "Race again");
  // Screen readers hear the milestones through the polite live region, and each chart has a text
  // alternative: a one-sentence name and a data table with a row per lane.
  await page.waitForFunction(() => document.querySelector("[data-testid=announcer]").textContent === "The race is over. ReLU won.");
  assert.match(await page.getAttribute("[data-testid=chart-accuracy]", "aria-label"), /^Validation accuracy: Sigmoid \d+\.\d%/);
  assert.match(await page.getAttribute("[data-testid=chart-gradients]", "aria-label"), /Sigmoid's first layer gets/);
  const table = await page.$$eval("[data-testid=table-accuracy] tbody tr", (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  assert.equal(table.length, 2);
  assert.equal(table[1][0], "ReLU");
  assert.match(table[1][3], /^epoch \d\.\d\d$/);
  for (const l of [sigmoid, relu]) {
    const e = l.epochs[0];
    console.log(`# ${l.activation}: epoch 1 took ${e.epoch_secs.toFixed(2)} s in its worker ` +
      `(training ${e.samples_per_sec.toFixed(0)} samples/s while the other lane trained too); ` +
      `test accuracy ${(100 * e.test_accuracy).toFixed(2)}%`);
  }
  await screenshot(page, "03-finished");
  assert.deepEqual(problems, []);
  await page.close();
});

test("settings live in the URL; bad values are clamped or refused with a notice", async () => {
  const { page, problems } = await openPage(shared.browser.context,
    shared.server.url + "?hidden=64,32&lanes=tanh,leaky_relu,relu&lr=abc&batch=0&epochs=9999&bogus=1");
  await waitReady(page);
  for (const [lane, name] of [[0, "Tanh"], [1, "Leaky ReLU"], [2, "ReLU"]]) {
    assert.match(await page.textContent(`[data-testid=lane-${lane}]`), new RegExp(name));
  }
  const notices = await page.textContent("#notices");
  for (const needle of ["lr=abc", "batch=0", "epochs=9999", "bogus=1"]) assert.ok(notices.includes(needle), needle);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get("hidden"), "64,32");
  assert.equal(url.searchParams.get("lr"), "0.1");
  assert.equal(url.searchParams.get("batch"), "1");
  assert.equal(url.searchParams.get("epochs"), "100");
  assert.equal(url.searchParams.get("bogus"), null);
  await screenshot(page, "04-notices");

  // Changing a control rewrites the URL and starts a fresh race with it.
  await page.fill("#batch", "32");
  await page.dispatchEvent("#batch", "change");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("batch") === "32");
  await page.selectOption("#lane-settings .lane-activation >> nth=0", "sigmoid");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("lanes") === "sigmoid,leaky_relu,relu");
  assert.match(await page.textContent("[data-testid=lane-0]"), /Sigmoid/);
  // The same address reloads the same race.
  await page.reload();
  await waitReady(page);
  assert.equal(await page.inputValue("#batch"), "32");
  assert.equal(await page.isVisible("#notices"), false);
  assert.deepEqual(problems, []);
  await page.close();
});

test("lane workers use relaxed SIMD where the browser has it, and the plain-SIMD build where it does not", async () => {
  for (const relaxed of [true, false]) {
    // Without relaxed SIMD the probe fails to validate; simulate that browser by making the
    // loader's probe answer false.
    const loader = fs.readFileSync(path.join(DIST, "worker_loader.js"), "utf8");
    const patched = relaxed ? null : Buffer.from(loader.replace("WebAssembly.validate(RELAXED_SIMD_PROBE)", "false"));
    assert.ok(relaxed || !patched.equals(Buffer.from(loader)), "the loader has the probe");
    const s = await serve(DIST, (p) => (p === "/worker_loader.js" ? patched : null));
    // Listen on the context before navigating: the workers may fetch their wasm before goto returns.
    const loaded = new Set();
    // Not the service worker's copy of the app, which has both builds.
    const record = (r) => { if (!r.serviceWorker()) loaded.add(r.url().split("/").pop()); };
    shared.browser.context.on("request", record);
    try {
      const { page, problems } = await openPage(shared.browser.context, s.url + "?epochs=1&train=5000");
      await waitReady(page);
      await page.click("[data-testid=start]");
      await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 1),
        null, { timeout: 30_000, polling: 200 });
      const accuracies = (await reports(page)).map((l) => l.epochs[0].test_accuracy);
      console.log(`# ${relaxed ? "relaxed" : "plain"} SIMD workers: test accuracies ${accuracies}`);
      assert.equal(loaded.has("worker_relaxed_bg.wasm"), relaxed);
      assert.equal(loaded.has("worker_bg.wasm"), !relaxed);
      assert.ok(accuracies[1] > 0.6, "the ReLU lane learned");
      assert.deepEqual(problems, []);
      await page.close();
    } finally {
      shared.browser.context.off("request", record);
      await s.close();
    }
  }
});
