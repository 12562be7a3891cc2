// The soak, short enough for CI (about 2 minutes): a 75-second race sampled for memory every
// 15 s, 10 Start/Reset cycles, 10 rapid settings changes, then a race that must finish right.
// `node tests/bench/soak.mjs` is the long version (10 minutes, 50 cycles, 30 changes).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ARTIFACTS, openPage, useBrowser } from "./harness.mjs";
import { memoryProbe, growth, sampleTable, growthTable } from "./memory.mjs";
import { longRace, startResetCycles, rapidSettingsChanges, finishingRace, freshRace, finishedRight } from "./soak_steps.mjs";

const shared = useBrowser();

// Limits (MB), from the 10-minute soak (README, "Long races and many restarts") and runs of this
// test. The leak they are there to catch is TensorFlow.js's kind, tensors never disposed:
// megabytes per epoch. A lane trains an epoch in 2–6 s here, so the race runs 12–37 epochs, 7–22
// of them between the first sample after the warm-up and the last.
const WHILE_RACING = {
  // A worker's wasm memory (linear memory only grows: the high-water mark of the Rust heap) did
  // not move in 100 epochs of the 10-minute soak: 0.5 MB fails a leak of 25–70 KB per epoch.
  workerWasm: 0.5,
  // The page's wasm memory holds every report of the race (the charts, tables and downloads are
  // drawn from them): 27–38 KB per epoch (2.7 MB over the 100 epochs of the soak, 1.2 MB over 31
  // epochs here), growing in steps as vectors double. Allowed: 1 MB + 60 KB per epoch raced.
  pageWasm: (epochs) => 1 + 0.06 * epochs,
  // The renderer process (the page, its workers, their wasm, the canvases' pixels): +6 MB over
  // 100 epochs of the soak. 30 MB fails a leak of 1.4–4 MB per epoch.
  rendererRss: 30,
};
const AFTER_THE_RACE = {
  // Start/Reset cycles, settings changes and the final race rebuild each lane in its worker
  // (the new lane is built before the old one is dropped, so the high-water mark rises by one
  // lane, 3.2 MB, once: 3.2–4.3 MB after some 85 rebuilds in the soak). A lane kept per rebuild
  // would be 3 MB × 21 rebuilds here.
  workerWasm: 5,
};
// Anywhere after the warm-up: JS heaps after a forced GC. The workers' hold the wasm glue only
// (0.4 MB each, +0.05 in the soak); the page's moved between 2.4 and 3.4 MB.
const HEAPS = { worker: 0.5, page: 1.5 };
// All Chromium processes from the warm-up to the end: +105–109 MB in the soak, 47 of them a utility
// process the browser started by itself, the rest the renderer and GPU process after the cycles
// (compositor and canvases). Only a gross leak fails this; the limits above are the fine ones.
const CHROMIUM_RSS = 200;

test("a long race, Start/Reset cycles and rapid settings changes leave memory flat, then a race finishes right", async () => {
  const t0 = Date.now();
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?epochs=100");
  const probe = await memoryProbe(page);
  const { samples } = await longRace(page, probe, { seconds: 75, everySeconds: 15, t0 });
  const sampleAfter = async (phase) => {
    const s = await probe.sample();
    Object.assign(s, { t: (Date.now() - t0) / 1000, phase });
    samples.push(s);
  };
  const cycles = await startResetCycles(page, 10);
  await sampleAfter("cycles");
  await rapidSettingsChanges(page, 10);
  await sampleAfter("settings");
  const final = await finishingRace(page);
  await sampleAfter("final");
  const fresh = await freshRace(shared.browser.context, final.url);
  await probe.close();

  // The first 20 s are warm-up: MNIST decoded, the JIT, the charts' first frames.
  const afterWarmup = samples.filter((s) => s.t >= 20);
  // One race: on a fast host the 100 epochs could end within the 75 s, and Race again rebuilds the
  // lanes (see AFTER_THE_RACE).
  const racing = afterWarmup.filter((s) => s.phase === "race" && s.races === 1);
  const whileRacing = growth(racing), overall = growth(afterWarmup);
  console.log(sampleTable(samples));
  console.log(growthTable(overall));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, "soak-short.json"),
    JSON.stringify({ samples, whileRacing, overall, cycles, final, fresh }, null, 2));

  assert.ok(racing.length >= 3, `${racing.length} samples of the first race after the warm-up`);
  assert.ok(racing.at(-1).epochs.every((e) => e >= 5), `the lanes raced: ${racing.at(-1).epochs} epochs`);
  assert.ok(samples.every((s) => s.workers.length === 2 && s.workers.every((w) => w.wasmMB > 50)),
    "both workers answered every sample, each with MNIST in its wasm memory");
  assert.equal(cycles.reported, 10, "every Start reached a report before its Reset");

  const [first, endOfRace, last] = [racing[0], racing.at(-1), afterWarmup.at(-1)];
  for (let i = 0; i < 2; i++) {
    const wasm = (s) => s.workers[i].wasmMB;
    assert.ok(wasm(endOfRace) - wasm(first) <= WHILE_RACING.workerWasm,
      `worker ${i}'s wasm while racing: ${wasm(first)} → ${wasm(endOfRace)} MB`);
    assert.ok(wasm(last) - wasm(endOfRace) <= AFTER_THE_RACE.workerWasm,
      `worker ${i}'s wasm after the cycles, changes and final race: ${wasm(endOfRace)} → ${wasm(last)} MB`);
    const heaps = afterWarmup.map((s) => s.workers[i].heapMB);
    assert.ok(Math.max(...heaps) - heaps[0] <= HEAPS.worker, `worker ${i}'s JS heap: ${heaps.join(", ")} MB`);
  }
  const epochsRaced = Math.max(...endOfRace.epochs.map((e, i) => e - first.epochs[i]));
  assert.ok(whileRacing["page wasm"].change <= WHILE_RACING.pageWasm(epochsRaced),
    `page wasm over ${epochsRaced} epochs ${JSON.stringify(whileRacing["page wasm"])}`);
  assert.ok(whileRacing["renderer RSS"].change <= WHILE_RACING.rendererRss,
    `renderer RSS while racing ${JSON.stringify(whileRacing["renderer RSS"])}`);
  assert.ok(overall["page JS heap"].max - first.page.heapMB <= HEAPS.page, `page JS heap ${JSON.stringify(overall["page JS heap"])}`);
  assert.ok(overall["Chromium RSS"].change <= CHROMIUM_RSS, `Chromium RSS ${JSON.stringify(overall["Chromium RSS"])}`);

  assert.deepEqual(finishedRight(final, fresh), [], "the final race finished right");
  assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
  await page.close();
});
