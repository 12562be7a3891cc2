// Soak benchmark (a script, not a test: it takes about 11 minutes with the defaults). The page
// races for a long time (the study's defaults with 100 epochs on all 55,000 images; when a race
// ends before the time is up, Race again) while the memory of the page, of its lanes' workers
// and of the Chromium processes is sampled (see tests/browser/memory.mjs for how); then Start/Reset
// cycles, rapid settings changes through the form, and a short race that must finish right,
// sampled after each. Prints the samples and how each figure moved; writes
// tests/artifacts/soak.json. Exits with 1 if the final race did not finish right or the page
// logged an error. `soak.test.mjs` is the short version CI runs.
//
//   node tests/bench/soak.mjs [--minutes 10] [--cycles 50] [--changes 30] [--every 20] [--warmup 60]
//   (or SOAK_MINUTES, SOAK_CYCLES, SOAK_CHANGES, SOAK_EVERY, SOAK_WARMUP; --every and --warmup
//   in seconds: the sampling interval, and the racing time left out of the comparison while
//   the caches, the JIT and the charts settle)
import fs from "node:fs";
import path from "node:path";
import { ARTIFACTS, serve, launch, openPage } from "../browser/harness.mjs";
import { memoryProbe, growth, sampleTable, growthTable } from "../browser/memory.mjs";
import { longRace, startResetCycles, rapidSettingsChanges, finishingRace, freshRace, finishedRight } from "../browser/soak_steps.mjs";

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[`SOAK_${name.toUpperCase()}`];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} wants a number, not ${raw}`);
  return value;
}

const minutes = option("minutes", 10);
const cycles = option("cycles", 50);
const changes = option("changes", 30);
const every = option("every", 20);
const warmup = option("warmup", 60);

const server = await serve();
const browser = await launch();
let failed = false;
try {
  const t0 = Date.now();
  const { page, problems } = await openPage(browser.context, server.url + "?epochs=100");
  const probe = await memoryProbe(page);
  const log = (s) => console.log(`${Math.round(s.t)} s  ${s.phase}: page heap ${s.page.heapMB} MB, wasm ${s.page.wasmMB} MB; ` +
    `workers ${s.workers.map((w) => `${w.heapMB}/${w.wasmMB}`).join(", ")} MB; RSS ${s.processes.rssMB} MB, ` +
    `Pss ${s.processes.pssMB} MB (${s.processes.count} processes)` + (s.epochs ? `; epochs ${s.epochs.join("/")}, race ${s.races}` : ""));
  console.log(`soak: ${minutes} min racing (sample every ${every} s, the first ${warmup} s are warm-up), ${cycles} Start/Reset cycles, ${changes} settings changes`);

  const { samples, races } = await longRace(page, probe, { seconds: minutes * 60, everySeconds: every, t0, onSample: log });
  const sampleAfter = async (phase) => {
    const s = await probe.sample();
    s.t = (Date.now() - t0) / 1000;
    s.phase = phase;
    samples.push(s);
    log(s);
    if (problems.length) console.log(`  problems so far: ${problems.join("; ")}`);
    return s;
  };

  const cycleRun = await startResetCycles(page, cycles);
  console.log(`${cycles} Start/Reset cycles: ${cycleRun.reported} reached a report; median cycle ${median(cycleRun.times)} ms`);
  await sampleAfter("cycles");
  const lastSettings = await rapidSettingsChanges(page, changes);
  console.log(`${changes} settings changes, the last ones: ${JSON.stringify(lastSettings)}; address ${page.url()}`);
  await sampleAfter("settings");
  const final = await finishingRace(page);
  console.log(`final race: ${final.status} in ${final.seconds} s, ${final.winners} winner; ${JSON.stringify(final.epochs)}`);
  await sampleAfter("final");
  const fresh = await freshRace(browser.context, final.url);
  console.log(`the same race in a fresh page: ${JSON.stringify(fresh)}`);

  const racing = samples.filter((s) => s.phase === "race" && s.t >= warmup);
  const raceGrowth = growth(racing);
  const wholeGrowth = growth(samples.filter((s) => s.t >= warmup));
  console.log("\n" + sampleTable(samples));
  console.log(`\nWhile racing, after the warm-up (${racing.length} samples, ${Math.round(racing[0]?.t)}–${Math.round(racing.at(-1)?.t)} s, ${races} race(s); MB):`);
  console.log(growthTable(raceGrowth));
  console.log("\nFrom the warm-up to the end (racing, cycles, settings changes, final race; MB):");
  console.log(growthTable(wholeGrowth));

  const wrong = finishedRight(final, fresh);
  console.log(`\nfinal race finished right: ${wrong.length ? "no: " + wrong.join("; ") : "yes"}; ` +
    `console errors / page errors: ${problems.length ? problems.join("; ") : "none"}`);
  failed = wrong.length > 0 || problems.length > 0;

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, "soak.json");
  fs.writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(), minutes, cycles, changes, every, warmup, races,
    samples, growthWhileRacing: raceGrowth, growthToTheEnd: wholeGrowth,
    cycleTimesMs: cycleRun.times, cyclesReported: cycleRun.reported, lastSettings, final, fresh, problems,
  }, null, 2));
  console.log(`wrote ${file}`);
  await probe.close();
} finally {
  await browser.close();
  await server.close();
}
process.exitCode = failed ? 1 : 0;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}
