// The page ↔ worker protocol in the real page: a message the page cannot decode shows in the
// error banner (not only in the console), and the lane stays usable.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { DIST, serve, openPage, waitReady, useBrowser } from "./harness.mjs";

const shared = useBrowser({ server: false });

test("a worker message the page cannot read is shown in the error banner; the race still runs", async () => {
  // A worker that, besides its real messages, sends one that is not in the protocol.
  const loader = fs.readFileSync(path.join(DIST, "worker_loader.js"), "utf8");
  const garbled = Buffer.from(`${loader}\nsetTimeout(() => postMessage({ NotAMessage: { x: 1 } }), 300);\n`);
  const server = await serve(DIST, (p) => (p === "/worker_loader.js" ? garbled : null));
  try {
    const { page, problems } = await openPage(shared.browser.context, server.url + "?epochs=1&train=2000");
    await page.waitForSelector("[data-testid=error]:visible", { timeout: 30_000 });
    const message = await page.textContent("[data-testid=error]");
    assert.match(message, /sent a message the page could not read/);
    assert.match(message, /NotAMessage/);
    await waitReady(page);
    await page.click("[data-testid=start]");
    await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 1),
      null, { timeout: 60_000, polling: 200 });
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await server.close();
  }
});

test("the test hooks answer with an error instead of failing silently", async () => {
  const server = await serve();
  try {
    const { page, problems } = await openPage(shared.browser.context, server.url);
    await waitReady(page);
    const error = await page.evaluate(() => {
      try {
        window.wasmBindings.crash_lane(7);
        return null;
      } catch (e) {
        return String(e.message ?? e);
      }
    });
    assert.match(error, /there is no lane 7/);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await server.close();
  }
});
