// Bad input gets a clear error and loses nothing: corrupt data files, a diverging lane, a crashed
// worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import {
  DIST, serve, openPage, screenshot, waitReady, reports, useBrowser, waitCardsMoved,
} from "./harness.mjs";

const shared = useBrowser({ server: false });

const labelsFile = "/data/train-labels-idx1-ubyte.gz";

test("a corrupt gzip data file shows the error banner naming the file; the page stays usable", async () => {
  const good = fs.readFileSync(path.join(DIST, labelsFile));
  const bad = Buffer.from(good);
  for (let i = 100; i < 400; i++) bad[i] ^= 0x5a;
  const server = await serve(DIST, (p) => (p === labelsFile ? bad : null));
  try {
    const { page } = await openPage(shared.browser.context, server.url);
    await page.waitForSelector("[data-testid=error]:visible", { timeout: 30_000 });
    const message = await page.textContent("[data-testid=error]");
    assert.match(message, /train-labels-idx1-ubyte\.gz/);
    assert.match(message, /gzip/i);
    assert.equal(await page.isDisabled("[data-testid=start]"), true, "no race without data");
    await screenshot(page, "07-corrupt-gzip");
    // Still usable: settings respond, and the banner can be dismissed.
    await page.selectOption("#optimizer", "adam");
    await page.waitForFunction(() => new URL(location.href).searchParams.get("opt") === "adam");
    await page.click("[data-testid=error] .dismiss");
    assert.equal(await page.isVisible("[data-testid=error]"), false);
    await page.close();
  } finally {
    await server.close();
  }
});

test("a well-compressed file with a bad label names the problem; a missing file says how to get it", async () => {
  const raw = zlib.gunzipSync(fs.readFileSync(path.join(DIST, labelsFile)));
  raw[8 + 777] = 12;
  const server = await serve(DIST, (p) => (p === labelsFile ? zlib.gzipSync(raw) : null));
  try {
    const { page } = await openPage(shared.browser.context, server.url);
    await page.waitForSelector("[data-testid=error]:visible", { timeout: 30_000 });
    assert.match(await page.textContent("[data-testid=error]"), /label 12 at index 777 is not a digit/);
    await page.close();
  } finally {
    await server.close();
  }
  const missing = await serve(DIST, (p) => (p.startsWith("/data/t10k-images") ? Buffer.alloc(0) : null));
  try {
    const { page } = await openPage(shared.browser.context, missing.url);
    await page.waitForSelector("[data-testid=error]:visible", { timeout: 30_000 });
    assert.match(await page.textContent("[data-testid=error]"), /t10k-images-idx3-ubyte\.gz/);
    await page.close();
  } finally {
    await missing.close();
  }
});

test("a wild learning rate: that lane is marked diverged and stops, the other finishes", async () => {
  const server = await serve();
  try {
    const { page, problems } = await openPage(shared.browser.context,
      server.url + "?lanes=leaky_relu,sigmoid&lane_lr=50,0.1&epochs=1&train=10000");
    await waitReady(page);
    await page.click("[data-testid=start]");
    await page.waitForFunction(() => {
      const r = window.wasmBindings.race_reports();
      return r[1].epochs.length === 1 && r[0].epochs.length === 1;
    }, null, { timeout: 60_000, polling: 200 });
    await page.waitForFunction(() => /finished/.test(document.querySelector("[data-testid=lane-1]").textContent));
    const [wild, calm] = await reports(page);
    assert.equal(wild.epochs[0].diverged, true);
    assert.equal(calm.epochs[0].diverged, false);
    assert.match(await page.textContent("[data-testid=lane-0]"), /diverged/);
    assert.match(await page.textContent("[data-testid=lane-1]"), /finished/);
    assert.match(await page.getAttribute("[data-testid=lane-0]", "title"), /learning rate 50/);
    await screenshot(page, "08-diverged");
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await server.close();
  }
});

test("a panicking worker is reported on its lane; the other lane is unaffected and a restart races again", async () => {
  const server = await serve();
  try {
    const { page, problems } = await openPage(shared.browser.context, server.url + "?epochs=2");
    await waitReady(page);
    await page.evaluate(() => window.wasmBindings.crash_lane(1));
    await page.waitForSelector("[data-testid=error]:visible");
    const message = await page.textContent("[data-testid=error]");
    assert.match(message, /ReLU lane's worker crashed/);
    assert.match(message, /deliberate crash/);
    assert.match(await page.textContent("[data-testid=lane-1]"), /crashed/);
    assert.doesNotMatch(await page.textContent("[data-testid=lane-0]"), /crashed/);
    await screenshot(page, "09-crashed");
    // Restart: a new worker loads the data and the race can run again, both lanes.
    await page.click("[data-testid=error] [data-action=restart]");
    await waitReady(page);
    assert.equal(await page.isVisible("[data-testid=error]"), false);
    await page.click("[data-testid=start]");
    await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length >= 2),
      null, { timeout: 30_000, polling: 100 });
    await waitCardsMoved(page);
    // The panic is logged to the console by the worker (console_error_panic_hook): expected here.
    const unexpected = problems.filter((p) => !/deliberate crash|unreachable|RuntimeError/i.test(p));
    assert.deepEqual(unexpected, []);
    await page.close();
  } finally {
    await server.close();
  }
});
