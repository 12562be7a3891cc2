// Browser speed benchmark (issue 4): our engine in Web Workers as the page runs it, against
// TensorFlow.js (wasm backend) on the identical MLP, initial weights and batch order, in one
// headless Chromium session. A benchmark, not a test: it prints numbers and writes
// target/bench-browser.json; it fails only when a run breaks (errors, timeouts, missing files).
//
//   node tests/bench/browser_bench.mjs            # needs dist/ from `trunk build --release`
//   node tests/bench/browser_bench.mjs --summary  # combined table from target/bench-*.json
//
// Normally run through `bash .ci/bench`, which also runs the native benchmark and builds dist/.

import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BROWSER_JSON = path.join(ROOT, "target/bench-browser.json");
// The native benchmark runs before and after the browser session (.ci/bench): this machine's speed
// drifts over minutes, so the native side of wasm/native is the mean of the two runs around it.
const NATIVE_JSONS = ["target/bench-native.json", "target/bench-native-after.json"].map((f) => path.join(ROOT, f));

const WORKLOADS = [
  { net: "784-128-64-10", hidden: [128, 64] },
  { net: "784-128×5-10", hidden: [128, 128, 128, 128, 128] },
];
const ACTIVATIONS = ["sigmoid", "relu"];
// The plain-JS TFJS backend is ~50× slower: a short run on one workload, for context only.
const CPU_RUN = { net: "784-128-64-10", activation: "relu", samples: 3000 };

// URL prefix → folder. The bench page's absolute URLs (/worker_loader.js, /data/, /tfjs-wasm/)
// rely on dist/ being at the root.
const MOUNTS = [
  ["/bench/", path.join(ROOT, "tests/bench")],
  ["/tfjs/", path.join(ROOT, "node_modules/@tensorflow/tfjs/dist")],
  ["/tfjs-wasm/", path.join(ROOT, "node_modules/@tensorflow/tfjs-backend-wasm/dist")],
  ["/", path.join(ROOT, "dist")],
];
const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm", // needed for WebAssembly.instantiateStreaming
  ".gz": "application/gzip", // no Content-Encoding: the page un-gzips the bytes itself
};

const label = (a) => ({ sigmoid: "Sigmoid", relu: "ReLU" })[a] ?? a;
const fmtInt = (v) => (v == null ? "–" : Math.round(v).toLocaleString("en-US"));
const pct = (v) => (v == null ? "–" : `${(100 * v).toFixed(2)}%`);
// Accuracies are counts out of 10,000 test images; ours arrive as float32, hence the rounding.
const ppDiff = (a, b) => `${((Math.round(1e4 * a) - Math.round(1e4 * b)) / 100).toFixed(2)} pp`;
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : "–");

/** A plain-text table; columns after the first `left` are right-aligned. */
function table(headers, rows, left = 2) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r) =>
    r.map((v, c) => (c < left ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  ").trimEnd();
  return [line(cells[0]), widths.map((w) => "─".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** Share of all cores' time spent busy over the next `ms` (other processes: the benchmark is idle). */
async function cpuBusy(ms = 2000) {
  const sample = () => os.cpus().reduce((a, c) => {
    const t = c.times;
    return { idle: a.idle + t.idle, total: a.total + t.user + t.nice + t.sys + t.idle + t.irq };
  }, { idle: 0, total: 0 });
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  return b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : 0;
}

// ---- static server ------------------------------------------------------------------------------

// No COOP/COEP headers on purpose: without cross-origin isolation there is no SharedArrayBuffer, so
// TFJS's wasm backend runs single-threaded — one core, like one of our lanes.
function serve() {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const pathname = decodeURIComponent(url.pathname);
    const [prefix, dir] = MOUNTS.find(([p]) => pathname.startsWith(p));
    let file = path.normalize(path.join(dir, pathname.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await fs.promises.stat(file)).isDirectory()) file = path.join(file, "index.html");
      const body = await fs.promises.readFile(file);
      res.writeHead(200, {
        "Content-Type": MIME[path.extname(file)] ?? "application/octet-stream",
        "Cache-Control": "no-store",
      });
      res.end(body);
    } catch {
      console.error(`[server] 404 ${pathname}`);
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

// ---- the browser session ------------------------------------------------------------------------

async function runBrowser() {
  for (const f of ["dist/worker_loader.js", "dist/worker.js", "dist/worker_bg.wasm", "dist/data/train-images-idx3-ubyte.gz"]) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: build the page first (bash .ci/bench does)`);
  }
  // This machine is shared: note how busy it was around the run, so noisy figures can be told apart.
  const busyBefore = await cpuBusy();
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
    const page = await browser.newPage();
    // Any uncaught page error or crash ends the benchmark: it would otherwise hang or mislead.
    let pageFailed;
    const pageFailure = new Promise((_, reject) => (pageFailed = reject));
    pageFailure.catch(() => {});
    page.on("pageerror", (e) => pageFailed(new Error(`uncaught error in the bench page: ${e.message}`)));
    page.on("crash", () => pageFailed(new Error("the bench page crashed")));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") console.error(`[page ${m.type()}] ${m.text()}`);
    });

    /** Runs `fn` (a page.evaluate) with a deadline; logs how long it took. */
    const phase = async (name, seconds, fn) => {
      process.stderr.write(`… ${name}\n`);
      let timer;
      const deadline = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${seconds} s: ${name}`)), seconds * 1000);
      });
      const t0 = Date.now();
      try {
        const result = await Promise.race([fn(), deadline, pageFailure]);
        process.stderr.write(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        return result;
      } finally {
        clearTimeout(timer);
      }
    };

    await phase("opening the bench page", 60, async () => {
      await page.goto(`${base}/bench/bench.html`);
      await page.waitForFunction(() => window.benchReady === true, null, { timeout: 55_000 });
    });
    const env = await phase("starting two lane workers, loading MNIST in them and in the page", 180, () =>
      page.evaluate(() => window.bench.setup()));
    env.browserVersion = browser.version();

    // Each workload's race and its TFJS runs follow each other, so that both sides of a ratio see
    // much the same background load on this shared machine.
    const ours = [];
    const tfjs = [];
    for (const w of WORKLOADS) {
      const runs = await phase(`our engine, ${w.net}: Sigmoid and ReLU lanes in parallel, 1 epoch`, 900, () =>
        page.evaluate(([net, hidden]) => window.bench.race(net, hidden, [0, 1], true), [w.net, w.hidden]));
      ours.push(...runs);
      if (w === WORKLOADS[0]) {
        // Whether two lanes in parallel keep the speed of one: the same ReLU lane, alone.
        ours.push(...await phase(`our engine, ${w.net}: the ReLU lane alone, 1 epoch`, 900, () =>
          page.evaluate(([net, hidden]) => window.bench.race(net, hidden, [1], false), [w.net, w.hidden])));
      }
      for (const activation of ACTIVATIONS) {
        tfjs.push(await phase(`TensorFlow.js wasm, ${w.net} ${label(activation)}: 1 epoch + test set`, 900, () =>
          page.evaluate((o) => window.bench.tfjsRun(o), { backend: "wasm", net: w.net, activation })));
      }
    }
    tfjs.push(await phase(`TensorFlow.js cpu, ${CPU_RUN.net} ${label(CPU_RUN.activation)}: ${CPU_RUN.samples} samples`, 900, () =>
      page.evaluate((o) => window.bench.tfjsRun(o), {
        backend: "cpu", net: CPU_RUN.net, activation: CPU_RUN.activation, limit: CPU_RUN.samples, warmupBatches: 2, evaluate: false,
      })));

    // The real page (dist/index.html with its charts, cards and pad), as a user runs it: the
    // study's defaults for one epoch, and how busy the page's main thread was meanwhile (it shares
    // the two cores with the lanes' workers).
    const racePage = await phase("the page itself: the default race, 1 epoch", 300, async () => {
      const p = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      try {
        await p.goto(`${base}/?epochs=1`);
        await p.waitForSelector("[data-testid=start]:not([disabled])", { timeout: 120_000 });
        const cdp = await p.context().newCDPSession(p);
        await cdp.send("Performance.enable");
        const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
        const m0 = await metrics();
        await p.click("[data-testid=start]");
        await p.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length === 1),
          null, { timeout: 280_000, polling: 1000 });
        const m1 = await metrics();
        const lanes = await p.evaluate(() => window.wasmBindings.race_reports().map((l) => ({
          activation: l.activation, epochSecs: l.epochs[0].epoch_secs, samplesPerSec: l.epochs[0].samples_per_sec,
          testAccuracy: l.epochs[0].test_accuracy,
        })));
        return { lanes, mainThreadBusy: (m1.TaskDuration - m0.TaskDuration) / (m1.Timestamp - m0.Timestamp) };
      } finally {
        await p.close();
      }
    });

    return {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, busyBefore },
      env,
      setup: { trainImages: 55_000, epochs: 1, optimizer: "sgd", learningRate: 0.1, batch: 64, seed: 42, init: "glorot", tfjsWarmupBatches: 5 },
      ours,
      tfjs,
      racePage,
    };
  } finally {
    await browser?.close();
    server.close();
    server.closeAllConnections();
  }
}

function busyWarning(m) {
  return Math.max(m.busyBefore, m.busyAfter ?? 0) > 0.15
    ? "WARNING: other processes were using the CPU around the browser run: absolute figures are low and noisy (ratios measured " +
      "close together hold up better). Rerun on an idle machine for clean figures."
    : null;
}

/** One line on the real page's race: each lane's first epoch and the main thread's load. */
function racePageLine(racePage) {
  const lanes = racePage.lanes.map((l) =>
    `${label(l.activation)} epoch 1 in ${l.epochSecs.toFixed(2)} s (${fmtInt(l.samplesPerSec)} samples/s)`);
  return `The page itself (dist/index.html, default race, charts live): ${lanes.join(", ")}; ` +
    `the page's main thread was busy ${pct(racePage.mainThreadBusy)} of the time`;
}

function printBrowser(r) {
  const e = r.env;
  const m = r.machine;
  console.log(`Chromium ${e.browserVersion}, ${e.hardwareConcurrency} logical cores (${m.cpuModel}); CPU busy with other work: ${pct(m.busyBefore)} just before, ${pct(m.busyAfter)} just after`);
  console.log(`TensorFlow.js ${e.tfjs}, backend "${e.tfjsBackend}", SIMD ${e.tfjsWasmSimd ? "yes" : "NO"}, threads ${e.tfjsWasmThreads ? "yes" : "no"} (cross-origin isolated: ${e.crossOriginIsolated})`);
  if (busyWarning(m)) console.log(busyWarning(m));
  console.log(`MNIST load: workers ${e.workerLoadSecs.map((s) => s.toFixed(2)).join(" s, ")} s (in parallel with the page's own load)`);
  console.log("1 epoch = 55,000 training images, SGD lr 0.1, batch 64, seed 42, Glorot init; same initial weights and batch order everywhere\n");
  console.log("Our engine (Rust → wasm, one lane per Web Worker, cold start as on the page; samples/s = EpochReport, training");
  console.log("time only; wall = Start → Epoch event, including the page's 20 interval evaluations and the epoch's validation and test passes)");
  console.log(table(
    ["net", "activation", "lanes running", "samples/s", "wall s", "wall samples/s", "train loss", "test acc", "test loss"],
    r.ours.map((o) => [o.net, label(o.activation), o.parallelLanes === 1 ? "1 (alone)" : String(o.parallelLanes), fmtInt(o.samplesPerSec),
      o.wallSecs.toFixed(2), fmtInt(o.samplesSeen / o.wallSecs), o.trainLoss.toFixed(4), pct(o.testAccuracy), o.testLoss.toFixed(4)]),
  ));
  if (r.racePage) console.log(`\n${racePageLine(r.racePage)}`);
  console.log("\nTensorFlow.js (page main thread; tf.variable + optimizer.minimize + tf.tidy per batch; 5 warm-up batches");
  console.log("(2 for cpu) run first and then the weights reset to the snapshot — the warm-up is not timed)");
  console.log(table(
    ["net", "activation", "backend", "samples", "train s", "samples/s", "test acc", "test loss", "max |w_tfjs − w_ours|", "leaked tensors"],
    r.tfjs.map((t) => [t.net, label(t.activation), t.backend, fmtInt(t.samples), t.trainSecs.toFixed(2), fmtInt(t.samplesPerSec),
      pct(t.testAccuracy), t.testLoss?.toFixed(4) ?? "–",
      t.maxWeightDiff == null ? "–" : `${t.maxWeightDiff.toExponential(1)} (of max |w| ${t.maxWeight.toFixed(2)})`, String(t.leakedTensors)]),
  ));
}

// ---- the combined summary -----------------------------------------------------------------------

function printSummary() {
  if (!fs.existsSync(BROWSER_JSON)) throw new Error(`${BROWSER_JSON} is missing: run the browser benchmark first`);
  const b = JSON.parse(fs.readFileSync(BROWSER_JSON, "utf8"));
  const natives = NATIVE_JSONS.filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  if (!natives.length) console.log("(no target/bench-native*.json: native columns left empty)");
  // Per workload: the mean lane training rate of the native runs, and how far apart they were.
  const native = natives.length ? {
    training: natives[0].training.map((t) => {
      const rates = natives.map((n) => n.training.find((u) => u.net === t.net && u.activation === t.activation)?.lane_training_samples_per_sec)
        .filter((v) => v != null);
      return { ...t, lane_training_samples_per_sec: rates.reduce((a, b) => a + b, 0) / rates.length, range: [Math.min(...rates), Math.max(...rates)] };
    }),
  } : null;
  if (busyWarning(b.machine)) console.log(busyWarning(b.machine));
  const rows = [];
  for (const w of WORKLOADS) {
    for (const a of ACTIVATIONS) {
      const ours = b.ours.find((o) => o.net === w.net && o.activation === a && o.parallelLanes === 2);
      const tf = b.tfjs.find((t) => t.net === w.net && t.activation === a && t.backend === "wasm");
      const nat = native?.training.find((t) => t.net === w.net && t.activation === a);
      rows.push([w.net, label(a), fmtInt(ours?.samplesPerSec), fmtInt(tf?.samplesPerSec), ratio(ours?.samplesPerSec, tf?.samplesPerSec),
        fmtInt(nat?.lane_training_samples_per_sec), ratio(ours?.samplesPerSec, nat?.lane_training_samples_per_sec),
        pct(ours?.testAccuracy), pct(tf?.testAccuracy),
        ours && tf ? ppDiff(ours.testAccuracy, tf.testAccuracy) : "–", tf?.maxWeightDiff?.toExponential(1) ?? "–"]);
    }
  }
  console.log("Speed: samples/s of training time, 1 epoch, batch 64. Ours = our wasm engine per lane with two lanes training in");
  console.log("parallel (2 workers on this 2-core machine); TFJS = tfjs-backend-wasm, single-threaded, alone; native = bench.rs");
  console.log("whole-lane training rate (one thread, alone, same definition: training time within a lane), mean of the runs");
  console.log(`before and after the browser session (${natives.length} found).`);
  console.log(table(
    ["net", "activation", "ours wasm", "TFJS wasm", "ours/TFJS", "native", "wasm/native", "test acc ours", "test acc TFJS", "ours − TFJS", "max |Δw|"],
    rows,
  ));
  console.log("max |Δw|: largest difference between TFJS's and our weights after the epoch (from identical starting weights).");
  if (native && natives.length > 1) {
    console.log("Native runs before / after: " + native.training.filter((t) => WORKLOADS.some((w) => w.net === t.net) && ACTIVATIONS.includes(t.activation))
      .map((t) => `${t.net} ${label(t.activation)} ${fmtInt(t.range[0])}–${fmtInt(t.range[1])}`).join("; "));
  }
  const alone = b.ours.find((o) => o.parallelLanes === 1);
  const pair = alone && b.ours.find((o) => o.net === alone.net && o.activation === alone.activation && o.parallelLanes === 2);
  const tfAlone = alone && b.tfjs.find((t) => t.net === alone.net && t.activation === alone.activation && t.backend === "wasm");
  const natAlone = alone && native?.training.find((t) => t.net === alone.net && t.activation === alone.activation);
  if (alone && pair) {
    console.log(`\n${alone.net} ${label(alone.activation)} lane alone: ${fmtInt(alone.samplesPerSec)} samples/s ` +
      `(two lanes in parallel keep ${pct(pair.samplesPerSec / alone.samplesPerSec)} of it each); ` +
      `alone vs TFJS wasm ${ratio(alone.samplesPerSec, tfAlone?.samplesPerSec)}, vs native ${ratio(alone.samplesPerSec, natAlone?.lane_training_samples_per_sec)}`);
  }
  if (b.racePage) console.log(racePageLine(b.racePage));
  const cpu = b.tfjs.find((t) => t.backend === "cpu");
  const tfWasm = cpu && b.tfjs.find((t) => t.net === cpu.net && t.activation === cpu.activation && t.backend === "wasm");
  if (cpu) {
    console.log(`TFJS cpu backend, ${cpu.net} ${label(cpu.activation)}: ${fmtInt(cpu.samplesPerSec)} samples/s over ${fmtInt(cpu.samples)} samples ` +
      `(TFJS wasm is ${ratio(tfWasm?.samplesPerSec, cpu.samplesPerSec)} faster)`);
  }
}

// ---- main ---------------------------------------------------------------------------------------

try {
  if (process.argv.includes("--summary")) {
    printSummary();
  } else {
    const results = await runBrowser();
    results.machine.busyAfter = await cpuBusy();
    fs.mkdirSync(path.dirname(BROWSER_JSON), { recursive: true });
    fs.writeFileSync(BROWSER_JSON, JSON.stringify(results, null, 2) + "\n");
    console.log();
    printBrowser(results);
    console.log(`\nwritten: ${path.relative(ROOT, BROWSER_JSON)}`);
  }
} catch (e) {
  console.error(`\nbrowser benchmark FAILED: ${e.message}`);
  process.exitCode = 1;
}
