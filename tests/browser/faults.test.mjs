// Faults, in the real page: garbled addresses (tests/garbled_urls.json), data files that are
// truncated, corrupted or missing, a lane's worker crashing while loading, training or paused,
// and a lane diverging. Each time the page says what happened, nothing is injected, the other
// lanes go on, and a normal race can still start and report.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import zlib from "node:zlib";
import {
  ROOT, DIST, serve, openPage, waitReady, reports, useBrowser, screenshot,
} from "./harness.mjs";

const shared = useBrowser();
const garbled = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/garbled_urls.json"), "utf8")).cases;

/** Waits until every lane (or those in `lanes`) has at least `n` interval reports. */
const waitReports = (page, n, lanes = null) => page.waitForFunction(([n, lanes]) =>
  window.wasmBindings.race_reports().every((l, i) => (lanes && !lanes.includes(i)) || l.intervals.length >= n),
[n, lanes], { timeout: 60_000, polling: 100 });

const intervals = async (page) => (await reports(page)).map((l) => l.intervals.length);

/** The panic of a deliberately crashed worker is logged to the console: expected there. */
const unexpected = (problems) => problems.filter((p) => !/deliberate crash|unreachable|RuntimeError/i.test(p));

test(`${garbled.length} garbled addresses: each explains itself, nothing is injected, and the page still races`, async () => {
  const page = await shared.browser.context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  // What the page is made of, before any garbage: every element's tag, counted.
  const census = () => page.evaluate(() => {
    const n = {};
    for (const e of document.querySelectorAll("script, img, svg, iframe, object, embed, style, link, base, meta")) {
      n[e.tagName] = (n[e.tagName] || 0) + 1;
    }
    return n;
  });
  await page.goto(shared.server.url);
  await waitReady(page);
  const clean = await census();
  // The notices come from the address alone: while going through the addresses, the data never
  // arrives (held, not refused), so that no worker spends the cores on inflating MNIST.
  const hold = () => {};
  await page.route("**/data/*.gz", hold);
  const t0 = Date.now();
  for (const c of garbled) {
    const what = c.query.slice(0, 60);
    await page.goto(`${shared.server.url}?${c.query}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#notices:not([hidden])", { timeout: 10_000 });
    const notices = await page.textContent("#notices");
    assert.ok(notices.includes(c.notice), `${what}: ${JSON.stringify(c.notice)} not in ${JSON.stringify(notices)}`);
    // Only the notice list's own elements, and text.
    const tags = await page.$$eval("#notices *", (els) => [...new Set(els.map((e) => e.tagName))]);
    assert.ok(tags.every((t) => ["SPAN", "UL", "LI"].includes(t)), `${what}: ${tags}`);
    assert.deepEqual(await census(), clean, `${what}: new elements`);
    assert.equal(await page.evaluate(() => window.__injected), undefined, `${what}: a script ran`);
    const lanes = await page.$$eval("[data-testid^=lane-]", (l) => l.length);
    assert.ok(lanes >= 1 && lanes <= 4, `${what}: ${lanes} lanes`);
    assert.equal(await page.isVisible("[data-testid=error]"), false, `${what}: the error banner`);
  }
  console.log(`# ${garbled.length} garbled addresses checked in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await page.unroute("**/data/*.gz", hold);
  // Garbage beside good settings: the good ones race.
  await page.goto(`${shared.server.url}?epochs=1&train=2000&lanes=<img src=x onerror=window.__injected=9>&lr=NaN`);
  await waitReady(page);
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 1),
    null, { timeout: 60_000, polling: 200 });
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.deepEqual(await census(), clean);
  assert.deepEqual(problems, []);
  await page.close();
});

/**
 * Serves dist/ with `file` broken by `breakIt(bytes)` (null: a 404) until `fixed.now` is set,
 * then as it is.
 */
async function serveBroken(file, breakIt) {
  const fixed = { now: false };
  const good = fs.readFileSync(path.join(DIST, file));
  if (breakIt) {
    const server = await serve(DIST, (p) => (p === file && !fixed.now ? breakIt(good) : null));
    return { server, fixed };
  }
  // Missing: a copy of dist/ (links) without the file, which comes back once fixed.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-dist-"));
  for (const entry of fs.readdirSync(DIST, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      fs.mkdirSync(path.join(dir, entry.name));
      for (const f of fs.readdirSync(path.join(DIST, entry.name))) {
        if (`/${entry.name}/${f}` !== file) fs.symlinkSync(path.join(DIST, entry.name, f), path.join(dir, entry.name, f));
      }
    } else {
      fs.symlinkSync(path.join(DIST, entry.name), path.join(dir, entry.name));
    }
  }
  const inner = await serve(dir, (p) => (p === file && fixed.now ? good : null));
  const close = async () => { await inner.close(); fs.rmSync(dir, { recursive: true, force: true }); };
  return { server: { url: inner.url, close }, fixed };
}

const gunzip = (b) => zlib.gunzipSync(b);
const brokenFiles = [
  ["truncated", "/data/train-images-idx3-ubyte.gz", (b) => b.subarray(0, Math.floor(b.length / 2)),
    /train-images-idx3-ubyte\.gz.*(gzip|truncated|incomplete|end)/is],
  ["corrupted (a wrong IDX header inside valid gzip)", "/data/t10k-images-idx3-ubyte.gz",
    (b) => { const raw = Buffer.from(gunzip(b)); raw.writeUInt32BE(0xdeadbeef, 0); return zlib.gzipSync(raw); },
    /t10k-images-idx3-ubyte\.gz/],
  ["missing (HTTP 404)", "/data/t10k-labels-idx1-ubyte.gz", null, /t10k-labels-idx1-ubyte\.gz.*HTTP 404/s],
];

for (const [kind, file, breakIt, message] of brokenFiles) {
  test(`a ${kind} data file: the banner names the file, and once it is fixed "Try loading again" races`, async () => {
    const { server, fixed } = await serveBroken(file, breakIt);
    try {
      const { page, problems } = await openPage(shared.browser.context, server.url + "?epochs=1&train=2000");
      await page.waitForSelector("[data-testid=error]:visible", { timeout: 30_000 });
      const text = await page.textContent("[data-testid=error]");
      assert.match(text, message);
      assert.equal(await page.isDisabled("[data-testid=start]"), true, "no race without data");
      assert.match(await page.textContent("#race-status"), /could not be loaded/);
      // Still usable: a setting can be changed, and a retry after the fix races.
      await page.selectOption("#optimizer", "adam");
      await page.waitForFunction(() => new URL(location.href).searchParams.get("opt") === "adam");
      fixed.now = true;
      await page.click("[data-testid=error] [data-action=restart]");
      await waitReady(page);
      assert.equal(await page.isVisible("[data-testid=error]"), false);
      await page.click("[data-testid=start]");
      await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 1),
        null, { timeout: 60_000, polling: 200 });
      const expected = breakIt ? [] : [`HTTP 404 for ${server.url}${file.slice(1)}`];
      assert.deepEqual(problems.filter((p) => !expected.includes(p)), []);
      await page.close();
    } finally {
      await server.close();
    }
  });
}

test("a worker crash while loading: the other lane loads and races alone; a restart brings the lane back", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=1&train=5000");
  await page.waitForFunction(() => typeof window.wasmBindings?.crash_lane === "function");
  assert.match(await page.textContent("#race-status"), /loading/);
  await page.evaluate(() => window.wasmBindings.crash_lane(1));
  await page.waitForSelector("[data-testid=error]:visible", { timeout: 30_000 });
  assert.match(await page.textContent("[data-testid=error]"), /ReLU lane's worker crashed/);
  assert.match(await page.textContent("[data-testid=lane-1]"), /crashed/);
  await waitReady(page);
  assert.match(await page.textContent("#race-status"), /a lane crashed/);
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports()[0].epochs.length === 1,
    null, { timeout: 60_000, polling: 200 });
  assert.equal((await intervals(page))[1], 0, "the crashed lane sat out");
  await page.click("[data-testid=error] [data-action=restart]");
  await waitReady(page);
  await page.click("[data-testid=start]");
  await waitReports(page, 2);
  // The crashed lane may have been the one downloading MNIST for both: ending its worker aborts
  // that request (the other lane then downloads it); the harness leaves aborted data files out.
  assert.deepEqual(unexpected(problems), []);
  await page.close();
});

test("a worker crash while training: the other lane trains on to the end; a restart races both again", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=2&train=20000");
  await waitReady(page);
  await page.click("[data-testid=start]");
  await waitReports(page, 2);
  await page.evaluate(() => window.wasmBindings.crash_lane(0));
  await page.waitForSelector("[data-testid=error] [data-action=restart]", { timeout: 10_000 });
  const [frozen, going] = await intervals(page);
  await waitReports(page, going + 5, [1]);
  assert.equal((await intervals(page))[0], frozen, "no reports from a dead worker");
  assert.match(await page.textContent("#race-status"), /racing · a lane crashed/);
  await screenshot(page, "faults-crash-training");
  // The surviving lane finishes the race.
  await page.waitForFunction(() => window.wasmBindings.race_reports()[1].epochs.length === 2,
    null, { timeout: 60_000, polling: 200 });
  await page.waitForFunction(() => /The race is over/.test(document.querySelector("[data-testid=announcer]").textContent));
  await page.click("[data-testid=error] [data-action=restart]");
  await waitReady(page);
  assert.deepEqual(await intervals(page), [0, 0], "a fresh race");
  await page.click("[data-testid=start]");
  await waitReports(page, 2);
  assert.deepEqual(unexpected(problems), []);
  await page.close();
});

test("a worker crash while paused: Resume carries on with the other lane", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=2&train=20000");
  await waitReady(page);
  await page.click("[data-testid=start]");
  await waitReports(page, 2);
  await page.click("[data-testid=pause]");
  await page.waitForFunction(() => /paused/.test(document.querySelector("#race-status").textContent));
  await page.evaluate(() => window.wasmBindings.crash_lane(1));
  await page.waitForSelector("[data-testid=error] [data-action=restart]", { timeout: 10_000 });
  assert.equal(await page.textContent("[data-testid=pause]"), "Resume");
  const [going, frozen] = await intervals(page);
  await page.click("[data-testid=pause]");
  await waitReports(page, going + 5, [0]);
  assert.equal((await intervals(page))[1], frozen);
  assert.match(await page.textContent("[data-testid=lane-0]"), /training|finished/);
  assert.deepEqual(unexpected(problems), []);
  await page.close();
});

test("one of three lanes diverges at a huge learning rate: it stops and says why, the other two finish", async () => {
  const { page, problems } = await openPage(shared.browser.context,
    shared.server.url + "?lanes=leaky_relu,sigmoid,tanh&lane_lr=50,0.1,0.1&epochs=1&train=10000");
  await waitReady(page);
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 60_000, polling: 200 });
  const r = await reports(page);
  assert.equal(r[0].epochs.at(-1)?.diverged ?? true, true);
  for (const lane of [1, 2]) {
    assert.equal(r[lane].epochs.length, 1);
    assert.equal(r[lane].epochs[0].diverged, false);
    assert.match(await page.textContent(`[data-testid=lane-${lane}]`), /finished/);
  }
  assert.match(await page.textContent("[data-testid=lane-0]"), /diverged/);
  assert.match(await page.getAttribute("[data-testid=lane-0]", "title"), /learning rate 50/);
  assert.deepEqual(problems, []);
  await page.close();
});
