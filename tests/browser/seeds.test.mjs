// "Repeat with N seeds" in real headless Chromium: the page races seed, seed + 1, … one after
// another, and the loss and accuracy charts shade each lane's lowest to highest run. Asserts that
// the bands are the spread of the runs the page itself reports (the JSON download's earlier runs
// plus the last one), that the charts and their tables show them, and that Reset starts over.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { openPage, waitReady, reports, screenshot, useBrowser } from "./harness.mjs";

const shared = useBrowser();

const bands = (page) => page.evaluate(() => window.wasmBindings.seed_bands());

async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent("download", { timeout: 10_000 }), page.click(selector)]);
  return JSON.parse(fs.readFileSync(await d.path(), "utf8"));
}

test("three seeds race one after another and the bands are the spread of their runs", async () => {
  const { page, problems } = await openPage(shared.browser.context,
    shared.server.url + "?train=2000&epochs=1&seed=7&seeds=3");
  await waitReady(page);
  assert.equal(await page.inputValue("[data-testid=seeds]"), "3", "the address fills the form");
  let b = await bands(page);
  assert.deepEqual(b.seeds, [7, 8, 9]);
  assert.deepEqual(b.finished, []);

  await page.click("[data-testid=start]");
  // The second seed starts by itself when the first run ends.
  await page.waitForFunction(() => window.wasmBindings.seed_bands().finished.length >= 1,
    null, { timeout: 120_000, polling: 200 });
  await page.waitForFunction(() => document.body.innerText.includes("seed 2 of 3"),
    null, { timeout: 30_000, polling: 200 });
  await page.waitForFunction(() => window.wasmBindings.seed_bands().finished.length === 3,
    null, { timeout: 240_000, polling: 250 });
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 30_000, polling: 200 });

  b = await bands(page);
  assert.deepEqual(b.finished, [7, 8, 9]);
  assert.equal(b.bands.length, 2, "a band per lane");

  // The runs, as the page hands them out: the earlier seeds in the JSON download, the last one live.
  const record = await download(page, "[data-testid=download-json]");
  assert.equal(record.config.seed, 9, "the record is the last seed's run");
  assert.deepEqual(record.seed_runs.map((r) => r.config.seed), [7, 8]);
  const live = await reports(page);
  for (const lane of [0, 1]) {
    const runs = [...record.seed_runs.map((r) => r.lanes[lane].reports), live[lane].intervals];
    const runAcc = runs.map((reps) => reps.map((r) => r.val_accuracy));
    // Different seeds give different races (initial draws and batch order).
    assert.notDeepEqual(runAcc[0], runAcc[1], `lane ${lane}: seeds 7 and 8 differ`);
    const band = b.bands[lane];
    assert.deepEqual(band.seeds, [7, 8, 9]);
    assert.equal(band.accuracy.length, runs[0].length, "a band point per report");
    band.accuracy.forEach((p, i) => {
      const values = runAcc.map((acc) => acc[i]);
      const close = (a, e) => Math.abs(a - e) < 1e-5;
      assert.equal(p.spread.n, 3);
      assert.ok(close(p.spread.min, Math.min(...values)), `lane ${lane} report ${i}: min ${p.spread.min} vs ${values}`);
      assert.ok(close(p.spread.max, Math.max(...values)), `lane ${lane} report ${i}: max`);
      assert.ok(close(p.spread.mean, values.reduce((s, v) => s + v, 0) / 3), `lane ${lane} report ${i}: mean`);
    });
    for (const p of band.loss) assert.ok(p.spread.min <= p.spread.mean && p.spread.mean <= p.spread.max);
  }
  // ReLU's worst seed beats Sigmoid's best at the end (the study's claim, over seeds).
  const last = (lane) => b.bands[lane].accuracy.at(-1).spread;
  assert.ok(last(1).min > last(0).max, `ReLU ${JSON.stringify(last(1))} vs Sigmoid ${JSON.stringify(last(0))}`);

  // The accuracy chart's table gives the mean and range over the seeds; the chart has its band.
  const table = await page.evaluate(() => document.querySelector("[data-testid=table-accuracy]").textContent);
  assert.match(table, /lowest/);
  assert.match(table, /7–9/);
  assert.match(await page.getAttribute("[data-testid=chart-accuracy]", "aria-label"), /3 finished seeds \(7–9\)/);
  await screenshot(page, "seeds");

  // Reset starts the series over from its first seed.
  await page.click("[data-testid=reset]");
  await page.waitForFunction(() => window.wasmBindings.seed_bands().finished.length === 0,
    null, { timeout: 30_000, polling: 200 });
  assert.deepEqual((await bands(page)).seeds, [7, 8, 9]);
  assert.deepEqual(problems, [], "no console errors");
});
