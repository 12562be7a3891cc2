// Accessibility in a real browser: axe-core on the whole page in each of its states, the keyboard
// (every control reachable in document order, with a visible focus ring, and the race, the
// settings and the pad operable), the polite live region, the charts' text alternatives, and
// reduced motion. The checks walk the whole page, so controls added later are covered too.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  DIST, serve, openPage, openTable, waitReady, reports, useBrowser, screenshot,
} from "./harness.mjs";
import { runAxe, recordAxe, expectedTabStops, tabThrough } from "./a11y.mjs";

const shared = useBrowser();

async function expectNoSeriousFindings(page, state) {
  const { counts, violations } = await runAxe(page);
  recordAxe(state, counts);
  const bad = violations.filter((v) => /^(critical|serious) /.test(v));
  assert.deepEqual(bad, [], `axe in state "${state}":\n${violations.join("\n")}`);
}

const status = (page) => page.textContent("#race-status");

test("axe: no critical or serious findings while loading, idle, answering, racing, paused and finished", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=2&train=20000");
  assert.match(await status(page), /loading/);
  await expectNoSeriousFindings(page, "loading");
  await waitReady(page);
  await expectNoSeriousFindings(page, "idle");
  await page.click("[data-testid=random-digit]");
  await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=prediction]")]
    .every((e) => /^\d$/.test(e.textContent)));
  await expectNoSeriousFindings(page, "idle, a test digit read");
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length >= 2),
    null, { timeout: 30_000, polling: 100 });
  await page.waitForFunction(() => /racing/.test(document.querySelector("#race-status").textContent));
  await expectNoSeriousFindings(page, "racing");
  await page.click("[data-testid=pause]");
  await page.waitForFunction(() => /paused/.test(document.querySelector("#race-status").textContent));
  await expectNoSeriousFindings(page, "paused");
  await page.click("[data-testid=pause]");
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 60_000, polling: 200 });
  // The gallery of mistakes fills at the end of an epoch.
  await page.waitForSelector("#gallery button canvas");
  await expectNoSeriousFindings(page, "finished");
  await screenshot(page, "a11y-finished");
  assert.deepEqual(problems, []);
  await page.close();
});

test("axe: no critical or serious findings with the error banner up (bad data file, crashed lane)", async () => {
  const labels = "/data/train-labels-idx1-ubyte.gz";
  const bad = Buffer.from(fs.readFileSync(path.join(DIST, labels)));
  for (let i = 100; i < 400; i++) bad[i] ^= 0x5a;
  const server = await serve(DIST, (p) => (p === labels ? bad : null));
  try {
    const { page } = await openPage(shared.browser.context, server.url);
    await page.waitForSelector("[data-testid=error]:visible", { timeout: 30_000 });
    await expectNoSeriousFindings(page, "error: a data file is corrupt");
    await page.close();
  } finally {
    await server.close();
  }
  const { page } = await openPage(shared.browser.context, shared.server.url);
  await waitReady(page);
  await page.evaluate(() => window.wasmBindings.crash_lane(0));
  await page.waitForSelector("[data-testid=error] [data-action=restart]");
  await expectNoSeriousFindings(page, "error: a lane crashed");
  await page.close();
});

test("keyboard: Tab visits every control in document order, each with a visible focus ring", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=1&train=5000");
  await waitReady(page);
  // A finished race shows every control there is (gallery, finish line, restart…).
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 60_000, polling: 200 });
  await page.waitForSelector("#gallery button canvas");
  const expected = await expectedTabStops(page);
  const stops = await tabThrough(page, expected.length + 5);
  const visited = stops.map((s) => s.id);
  console.log(`# keyboard: ${visited.length} tab stops, first ${visited.slice(0, 6).join(", ")}`);
  assert.deepEqual(visited, expected, "the Tab order is the document order, and reaches every control");
  assert.equal(visited[0], "#start", "the race controls come first");
  for (const s of stops) {
    assert.ok(s.tabIndex <= 0, `${s.id}: no positive tabindex`);
    assert.ok(s.focusVisible, `${s.id}: :focus-visible applies`);
    assert.ok(s.outline || s.shadow, `${s.id}: a focus ring is drawn`);
    if (s.outline) assert.ok(s.ringContrast >= 3, `${s.id}: the ring has contrast ${s.ringContrast?.toFixed(2)} (3:1 needed)`);
    assert.ok(s.inView, `${s.id}: scrolled into view when focused`);
  }
  // A picture of one ring on a light and one on the dark masthead, for people to judge.
  await page.focus("#start");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Shift+Tab");
  await page.screenshot({ path: path.join(path.dirname(await screenshot(page, "focus-full")), "focus-start.png"),
    clip: { x: 0, y: 0, width: 1400, height: 120 } });
  assert.deepEqual(problems, []);
  await page.close();
});

/** Presses Tab until `selector` has the focus (at most `max` times); fails if it never does. */
async function tabTo(page, selector, max = 200) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press("Tab");
  }
  assert.fail(`Tab never reached ${selector}`);
}

const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);

test("keyboard: the race, the settings, the pad's test digit and the data tables work without a mouse", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=3&train=20000");
  await waitReady(page);
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, "#start");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length >= 1),
    null, { timeout: 30_000, polling: 100 });
  // Start is disabled while racing: the focus moved on to Pause instead of falling off the page.
  assert.equal(await focused(page), "pause");
  await page.keyboard.press("Space");
  await page.waitForFunction(() => document.querySelector("[data-testid=pause]").textContent === "Resume");
  assert.match(await status(page), /paused/);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /racing/.test(document.querySelector("#race-status").textContent));
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "reset");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length === 0));
  await waitReady(page);
  // Every race button waited for the lanes after Reset; the focus came back to Start.
  await page.waitForFunction(() => document.activeElement?.id === "start");

  // Settings: a number field, a menu and a check box, each from the keyboard.
  await tabTo(page, "#epochs");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("2");
  await page.keyboard.press("Tab");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("epochs") === "2");
  await tabTo(page, "#optimizer");
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("opt") === "momentum");
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, "#per-lane-lr");
  await page.keyboard.press("Space");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("lane_lr") === "0.1,0.1");
  await waitReady(page);

  // The pad's keyboard path: a random test digit, then its answers in words, and announced.
  await tabTo(page, "#random-digit");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /^MNIST test image #\d+, labelled \d\. Sigmoid reads \d \(\d+% sure\); ReLU reads \d \(\d+% sure\)\.$/
    .test(document.querySelector("[data-testid=announcer]").textContent), null, { timeout: 10_000 });
  const answers = await page.textContent("[data-testid=answers]");
  assert.match(answers, /^Sigmoid reads \d \(\d+% sure\); ReLU reads \d \(\d+% sure\)\.$/);
  const shown = await page.$$eval("[data-testid=prediction]", (p) => p.map((e) => e.textContent));
  assert.equal(answers.match(/reads (\d)/g).map((m) => m.slice(-1)).join(), shown.join(), "the summary says what the cards show");
  assert.match(await page.getAttribute("[data-testid=pad]", "aria-label"), /showing MNIST test image #\d+, labelled \d/);

  // A chart's data table opens from the keyboard (the next one after the pad's buttons: the
  // receptive fields').
  await tabTo(page, ".chart-data summary");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.closest("details").querySelector("table").offsetParent !== null), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the polite live region announces the milestones, not every report", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=2&train=5000&target=85");
  assert.equal(await page.getAttribute("[data-testid=announcer]", "aria-live"), "polite");
  await page.evaluate(() => {
    window.__said = [];
    const region = document.querySelector("[data-testid=announcer]");
    new MutationObserver(() => { if (region.textContent) window.__said.push(region.textContent); })
      .observe(region, { childList: true, characterData: true, subtree: true });
  });
  await waitReady(page);
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 60_000, polling: 200 });
  const said = await page.evaluate(() => window.__said);
  const reported = (await reports(page)).reduce((n, l) => n + l.intervals.length, 0);
  console.log(`# live region: ${said.length} announcements for ${reported} reports: ${JSON.stringify(said)}`);
  assert.match(said[0], /race is ready/);
  assert.ok(said.includes("The race has started: Sigmoid vs ReLU."));
  assert.ok(said.some((s) => /^ReLU crossed the finish line first: 85\.0% validation accuracy after \d\.\d\d epochs\.$/.test(s)), "the winner");
  assert.ok(said.some((s) => /^Epoch 1 done\. Test accuracy: Sigmoid \d+\.\d%, ReLU \d+\.\d%\.$/.test(s)), "epoch 1");
  assert.ok(said.some((s) => /^Epoch 2 done\./.test(s)), "epoch 2");
  assert.equal(said.at(-1), "The race is over. ReLU won.");
  assert.ok(said.length <= 6 && reported >= 40, "milestones only");
  // The region is in the accessibility tree (visually hidden, not display: none).
  assert.equal(await page.$eval("[data-testid=announcer]", (e) => e.checkVisibility()), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test("every chart has a text alternative that follows the data; every canvas has a name or is inside a named control", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=3&train=20000");
  await waitReady(page);
  const unnamed = await page.$$eval("canvas", (cs) => cs.filter((c) => c.checkVisibility()
    && !c.closest("button, a, [aria-hidden=true]")
    && !(c.getAttribute("role") === "img" && (c.getAttribute("aria-label") || c.getAttribute("aria-labelledby"))))
    .map((c) => c.id || c.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], "canvases without role=img and a name");
  const charts = ["loss", "accuracy", "gradients", "units"];
  // Opened, as by a user who reads them: a closed table is filled only when the race stops. And
  // a window tall enough for the four charts: off screen, a chart follows a race every 2 s only.
  for (const c of charts) await openTable(page, `table-${c}`);
  await page.setViewportSize({ width: 1400, height: 2600 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.click("[data-testid=start]");
  // A chart's text alternative: its accessible name and its data table.
  const labels = async () => Promise.all(charts.map(async (c) =>
    `${await page.getAttribute(`[data-testid=chart-${c}]`, "aria-label")} | ${await page.textContent(`[data-testid=table-${c}]`)}`));
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length >= 3),
    null, { timeout: 30_000, polling: 100 });
  // The charts (and their text) are redrawn paced, a frame or more after a report arrives.
  await page.waitForFunction((ids) => ids.every((c) =>
    !/waiting/.test(document.querySelector(`[data-testid=chart-${c}]`).getAttribute("aria-label"))), charts, { timeout: 10_000, polling: 50 });
  const early = await labels();
  await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length >= 1),
    null, { timeout: 30_000, polling: 100 });
  await page.click("[data-testid=pause]");
  await page.waitForFunction(() => /paused/.test(document.querySelector("#race-status").textContent));
  await page.waitForTimeout(400);
  const late = await labels();
  for (const [i, c] of charts.entries()) {
    assert.doesNotMatch(early[i], /waiting/, c);
    assert.notEqual(late[i], early[i], `${c}: the text alternative follows the chart`);
  }
  // The tables hold the latest report of each lane, as the charts draw it.
  const r = await reports(page);
  const rows = (id) => page.$$eval(`[data-testid=table-${id}] tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const acc = await rows("accuracy");
  const loss = await rows("loss");
  for (const [lane, l] of r.entries()) {
    const last = l.intervals.at(-1);
    assert.equal(acc[lane][1], `${(100 * last.val_accuracy).toFixed(1)}%`);
    assert.equal(loss[lane][1], last.epochs_done.toFixed(2));
    assert.equal(loss[lane][2], last.train_loss.toFixed(3));
  }
  assert.match(await page.getAttribute("[data-testid=chart-accuracy]", "aria-label"), new RegExp(`Sigmoid ${(100 * r[0].intervals.at(-1).val_accuracy).toFixed(1)}%`));
  assert.deepEqual(problems, []);
  await page.close();
});

test("reduced motion: no transitions or animations anywhere when the system asks for it", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url);
  await waitReady(page);
  const moving = () => page.evaluate(() => [...document.querySelectorAll("*")].flatMap((e) => {
    const s = getComputedStyle(e);
    const secs = (v) => Math.max(...v.split(",").map((t) => parseFloat(t) || 0));
    const found = [];
    if (secs(s.transitionDuration) > 0) found.push(`${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} transition ${s.transitionDuration}`);
    if (s.animationName !== "none" && secs(s.animationDuration) > 0) found.push(`${e.tagName.toLowerCase()} animation ${s.animationName}`);
    return found;
  }));
  const normal = await moving();
  assert.ok(normal.length > 0, "without the preference, buttons do ease their colours");
  await page.emulateMedia({ reducedMotion: "reduce" });
  assert.equal(await page.evaluate(() => matchMedia("(prefers-reduced-motion: reduce)").matches), true);
  assert.deepEqual(await moving(), []);
  await page.emulateMedia({ reducedMotion: null });
  assert.deepEqual(problems, []);
  await page.close();
});
