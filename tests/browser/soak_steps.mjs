// The steps of the soak (a long race sampled for memory, Start/Reset cycles, rapid settings
// changes, a race that must finish right), shared by `tests/bench/soak.mjs` (10 minutes, 50
// cycles, 30 changes) and its short CI version `soak.test.mjs`.
import { waitReady, reports } from "./harness.mjs";

const startButton = "[data-testid=start]";
const startText = (page) => page.textContent(startButton);

/**
 * Races for `seconds`, sampling memory every `everySeconds` (`onSample(sample)` for each, with
 * `t` in seconds since the start and `phase`, `epochs` and `races` filled in). The race is the
 * page's as opened (e.g. `?epochs=100`); when it ends before the time is up, Race again starts
 * the next one, so the page is always racing; at the end, Reset. Returns the samples and how
 * many races ran.
 */
export async function longRace(page, probe, { seconds, everySeconds, t0 = Date.now(), onSample = () => {} }) {
  await waitReady(page);
  await page.click(startButton);
  let races = 1;
  const samples = [];
  const end = Date.now() + seconds * 1000;
  let next = Date.now();
  for (;;) {
    if (Date.now() >= next) {
      const s = await probe.sample();
      s.t = (Date.now() - t0) / 1000;
      s.phase = "race";
      s.races = races;
      s.epochs = (await reports(page)).map((l) => l.epochs.length);
      samples.push(s);
      onSample(s);
      next += everySeconds * 1000;
    }
    if (Date.now() >= end) break;
    // The race ended: the next one, at once (Race again rebuilds the lanes from the settings).
    if ((await startText(page)) === "Race again") {
      await page.click(startButton);
      races += 1;
    }
    await page.waitForTimeout(Math.max(0, Math.min(1000, next - Date.now(), end - Date.now())));
  }
  // Time is up: the race is cut short, as a visitor leaving it would.
  await page.click("[data-testid=reset]");
  return { samples, races };
}

/**
 * `n` times: Start, wait until every lane has reported (or `reportTimeoutMs`: the cycle still
 * counts, as a Start cut short), Reset, wait until the race can start again. Returns the time of
 * each cycle (ms) and how many reached a report.
 */
export async function startResetCycles(page, n, { reportTimeoutMs = 10_000 } = {}) {
  const times = [];
  let reported = 0;
  for (let i = 0; i < n; i++) {
    const t = Date.now();
    await waitReady(page);
    await page.click(startButton);
    try {
      await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length > 0),
        null, { timeout: reportTimeoutMs, polling: 50 });
      reported += 1;
    } catch {
      // no report in time: Reset anyway
    }
    await page.click("[data-testid=reset]");
    await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.intervals.length === 0),
      null, { timeout: 10_000, polling: 50 });
    await waitReady(page);
    times.push(Date.now() - t);
  }
  return { times, reported };
}

/**
 * The settings changed `n` times through the form, as fast as the form takes them (no waiting
 * for the lanes in between), starting while a race runs: lane 1's activation, the learning
 * rate, the hidden layers and the epochs in turn, each between two values. Returns the values
 * the last changes left in the form.
 */
export async function rapidSettingsChanges(page, n) {
  const changes = [
    { selector: "#lane-settings .lane-activation >> nth=0", values: ["tanh", "sigmoid"], select: true },
    { selector: "#lr", values: ["0.05", "0.1"] },
    { selector: "#hidden", values: ["64", "128,64"] },
    { selector: "#epochs", values: ["3", "5"] },
  ];
  await waitReady(page);
  await page.click(startButton);
  const last = {};
  for (let i = 0; i < n; i++) {
    const change = changes[i % changes.length];
    const value = change.values[Math.floor(i / changes.length) % 2];
    if (change.select) {
      await page.selectOption(change.selector, value);
    } else {
      await page.fill(change.selector, value);
      await page.press(change.selector, "Enter"); // a form's "change" fires on Enter
    }
    last[change.selector] = value;
  }
  await waitReady(page);
  return last;
}

/**
 * A short race of the study's two lanes set through the form (ReLU vs Sigmoid, 128,64, lr 0.1,
 * one epoch of 3,000 images, the finish line at 50%, which ReLU crosses and Sigmoid does not),
 * run to its end. Returns what the page shows and reports.
 */
export async function finishingRace(page) {
  await page.selectOption("#lane-settings .lane-activation >> nth=0", "sigmoid");
  await page.selectOption("#lane-settings .lane-activation >> nth=1", "relu");
  for (const [selector, value] of [["#hidden", "128,64"], ["#lr", "0.1"], ["#epochs", "1"], ["#train", "3000"], ["#target", "50"]]) {
    await page.fill(selector, value);
    await page.press(selector, "Enter");
  }
  await waitReady(page);
  const t = Date.now();
  await page.click(startButton);
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 120_000, polling: 200 });
  const laneReports = await reports(page);
  return {
    seconds: (Date.now() - t) / 1000,
    url: page.url(),
    status: await page.textContent("#race-status"),
    lanes: await page.$$eval("[data-testid^=lane-]", (els) => els.map((e) => e.innerText)),
    winners: await page.$$eval("[data-testid^=lane-] .trophy", (els) => els.filter((e) => !e.hidden).length),
    finish: (await page.isVisible("#finish")) ? await page.textContent("#finish") : null,
    epochs: laneReports.map(lastEpoch),
  };
}

const lastEpoch = (l) => ({ activation: l.activation, epochs: l.epochs.length, testAccuracy: l.epochs.at(-1)?.test_accuracy });

/**
 * The same race in a fresh page (`url`: the finished race's address): the engine is
 * deterministic for a seed, so a page that went through everything before must report exactly
 * what a fresh one does.
 */
export async function freshRace(context, url) {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await waitReady(page);
    await page.click(startButton);
    await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
      null, { timeout: 120_000, polling: 200 });
    return (await reports(page)).map(lastEpoch);
  } finally {
    await page.close();
  }
}

/**
 * What is wrong with the final race (an empty list if nothing): both lanes finished their one
 * epoch, ReLU alone crossed the 50% line and won, its test accuracy is what ReLU reaches on
 * 3,000 images (over 70%), and both lanes report exactly what the same race in a fresh page did.
 */
export function finishedRight(final, fresh) {
  const wrong = [];
  if (!/finished/.test(final.status)) wrong.push(`status "${final.status}"`);
  if (final.lanes.length !== 2 || !final.lanes.every((t) => /\bfinished\b/.test(t))) wrong.push("not every lane finished");
  if (final.winners !== 1) wrong.push(`${final.winners} winners`);
  if (!/ReLU crossed it first/.test(final.finish ?? "")) wrong.push(`finish line: ${final.finish}`);
  if (!final.epochs.every((l) => l.epochs === 1)) wrong.push(`epochs ${JSON.stringify(final.epochs)}`);
  const relu = final.epochs.find((l) => l.activation === "relu");
  if (!(relu?.testAccuracy > 0.7)) wrong.push(`ReLU test accuracy ${relu?.testAccuracy}`);
  if (JSON.stringify(final.epochs) !== JSON.stringify(fresh)) {
    wrong.push(`differs from a fresh page's race: ${JSON.stringify(final.epochs)} vs ${JSON.stringify(fresh)}`);
  }
  return wrong;
}
