// Offline, slow links and any host: the built dist/ served from a sub-path, as GitHub Pages serves
// a project (nothing 404s, a race runs); after a first visit the page loads and races with the
// network off (the service worker, www/sw.js); on a link throttled to 20 Mbit/s the status line
// shows the download in bytes, growing, then the race is ready.
import { test } from "node:test";
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { DIST, launch, openPage, serve, waitReady, reports } from "./harness.mjs";

const BASE = "/activation-race/";
const oneEpoch = "?epochs=1&train=2000";

async function raceOneEpoch(page) {
  await waitReady(page, 120_000);
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 1),
    null, { timeout: 120_000, polling: 200 });
}

test("served from a sub-path, then offline: the page loads MNIST from its caches and races", async () => {
  const server = await serve(DIST, () => null, { base: BASE });
  const browser = await launch();
  try {
    assert.match(server.url, /\/activation-race\/$/);
    const { page, problems } = await openPage(browser.context, server.url + oneEpoch);
    await raceOneEpoch(page);
    // The service worker, registered once the race was ready, controls the page's folder.
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      while (registration.active.state !== "activated") await new Promise((ok) => setTimeout(ok, 100));
    });
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(new URL(scope).pathname, BASE);
    const names = await page.evaluate(() => caches.keys());
    assert.equal(names.filter((n) => n.startsWith("activation-race-shell-")).length, 1, names.join());
    assert.equal(names.filter((n) => n.startsWith("activation-race-mnist-")).length, 1, names.join());
    assert.deepEqual(problems, [], "nothing 404s under the sub-path");
    await browser.context.setOffline(true);
    await page.reload();
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), "controlled after reload");
    await raceOneEpoch(page);
    const lanes = await reports(page);
    assert.ok(lanes.every((l) => l.epochs.length === 1) && lanes.some((l) => l.epochs[0].test_accuracy > 0.5), `a real race, offline: ${lanes.map((l) => l.epochs[0].test_accuracy)}`);
    await page.close();
  } finally {
    await browser.close();
    await server.close();
  }
});

test("at 20 Mbit/s the status shows the download in bytes, growing, then the race is ready", async () => {
  const server = await serve();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions",
      { offline: false, latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 20e6 / 8 });
    await page.goto(server.url + oneEpoch);
    const seen = [];
    const t0 = Date.now();
    while (!(await page.isEnabled("[data-testid=start]"))) {
      const s = await page.textContent("#race-status");
      if (seen.at(-1) !== s) seen.push(s);
      assert.ok(Date.now() - t0 < 180_000, "ready within 3 minutes");
      await page.waitForTimeout(100);
    }
    const bytes = seen.map((s) => s.match(/([\d.]+) of ([\d.]+) MB/)).filter(Boolean)
      .map((m) => [Number(m[1]), Number(m[2])]);
    assert.ok(bytes.length >= 3, `progress in bytes: ${seen.join(" | ")}`);
    for (let i = 1; i < bytes.length; i++) assert.ok(bytes[i][0] >= bytes[i - 1][0], seen.join(" | "));
    assert.ok(bytes.every(([, total]) => total > 10 && total < 13), "the total is MNIST's compressed size");
    assert.match(await page.textContent("#race-status"), /ready/);
    console.log(`# ${bytes.length} byte counts, ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await page.close();
  } finally {
    await browser.close();
    await server.close();
  }
});

test("a new build replaces the old caches: another sw.js installs, takes over and deletes them", async () => {
  const built = fs.readFileSync(path.join(DIST, "sw.js"), "utf8");
  const next = { build: false };
  // The "next build": other cache names in sw.js (as any changed file, or changed data, gives).
  const server = await serve(DIST, (p) => (p === "/sw.js" && next.build
    ? Buffer.from(built.replace(/activation-race-(shell|mnist)-[0-9a-f]+/g, "activation-race-$1-0123456789abcdef"))
    : null));
  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser.context, server.url + oneEpoch);
    await waitReady(page, 120_000);
    // (waitForFunction takes a promise for true: poll from here.)
    const until = async (ok, what) => {
      for (const t0 = Date.now(); !ok(await page.evaluate(() => caches.keys()));) {
        assert.ok(Date.now() - t0 < 60_000, what);
        await page.waitForTimeout(200);
      }
    };
    await until((n) => n.length === 2, "an app cache and an MNIST cache");
    const old = await page.evaluate(() => caches.keys());
    next.build = true;
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await until((n) => n.some((x) => x.includes("0123456789abcdef")) && old.every((x) => !n.includes(x)),
      "the new build's cache in, the old ones out");
    const names = await page.evaluate(() => caches.keys());
    assert.ok(old.every((n) => !names.includes(n)), `old ${old} now ${names}`);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await browser.close();
    await server.close();
  }
});
