// How busy the page's main thread is while it races: the default race (2 lanes, 1 epoch) on the
// real page, as in `bash .ci/bench`'s "page itself" phase, repeated and interleaved over one or
// more builds so that two builds can be compared back to back on a machine whose speed drifts.
//
//   node tests/bench/page_busy.mjs [--rounds N] [--query "epochs=1"] [--profile DIR] [DIST …]
//
// Each DIST is a Trunk build (default dist/). Prints, per run, the main thread's busy share (CDP
// TaskDuration over wall time from Start to the last lane's epoch end) and each lane's epoch time;
// then the median per build. --profile writes one CPU profile (.cpuprofile, for DevTools) of the
// page's main thread per build. It measures, it never fails on the figures.
import fs from "node:fs";
import path from "node:path";
import { DIST, serve, launch } from "../browser/harness.mjs";

const args = process.argv.slice(2);
let rounds = 3;
let query = "epochs=1";
let profileDir = null;
const dists = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--rounds") rounds = Number(args[++i]);
  else if (args[i] === "--query") query = args[++i];
  else if (args[i] === "--profile") profileDir = args[++i];
  else dists.push(path.resolve(args[i]));
}
if (dists.length === 0) dists.push(DIST);

async function once(dist, profile) {
  const server = await serve(dist);
  const { context, close } = await launch();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}?${query}`);
    await page.waitForSelector("[data-testid=start]:not([disabled])", { timeout: 120_000 });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const metrics = async () =>
      Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
    if (profile) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.start");
    }
    const m0 = await metrics();
    await page.click("[data-testid=start]");
    await page.waitForFunction(
      () => window.wasmBindings.race_reports().every((l) => l.epochs.length >= 1),
      null,
      { timeout: 600_000, polling: 500 },
    );
    const m1 = await metrics();
    if (profile) {
      const { profile: p } = await cdp.send("Profiler.stop");
      fs.mkdirSync(profileDir, { recursive: true });
      const file = path.join(profileDir, `${path.basename(dist)}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(p));
      console.log(`  profile: ${file}`);
    }
    const epochs = await page.evaluate(() =>
      window.wasmBindings.race_reports().map((l) => l.epochs[0].epoch_secs),
    );
    return { busy: (m1.TaskDuration - m0.TaskDuration) / (m1.Timestamp - m0.Timestamp), epochs };
  } finally {
    await close();
    await server.close();
  }
}

const results = new Map(dists.map((d) => [d, []]));
for (let r = 0; r < rounds; r++) {
  for (const dist of dists) {
    const res = await once(dist, profileDir && r === 0);
    results.get(dist).push(res);
    console.log(
      `${path.basename(dist)} run ${r + 1}: main thread busy ${(100 * res.busy).toFixed(1)}%, ` +
        `epochs ${res.epochs.map((s) => s.toFixed(2) + " s").join(", ")}`,
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [dist, rs] of results) {
  console.log(
    `${dist}: median busy ${(100 * median(rs.map((r) => r.busy))).toFixed(1)}% over ${rs.length} runs, ` +
      `median epoch ${median(rs.flatMap((r) => r.epochs)).toFixed(2)} s`,
  );
}
