// The in-page half of the browser benchmark (.ci/bench, driven by browser_bench.mjs): our lanes in
// Web Workers exactly as the page runs them, and the same MLP in TensorFlow.js, trained from our
// initial weights in our batch order so that speed AND accuracy can be compared like for like.
//
// This file is the one place outside Rust that speaks the worker protocol (crate/src/protocol.rs).
// The messages are serde-wasm-bindgen encodings of ToWorker/FromWorker: externally tagged enums
// (`{Configure: {...}}`), unit variants as bare strings (`"Start"`). Only the handful the benchmark
// needs are written here; keep them in step with protocol.rs.

/* global tf */

const INPUT = 784;
const CLASSES = 10;
const TRAIN_SIZE = 55_000; // the training split: the first 55,000 of MNIST's 60,000
const BATCH = 64;
const LEARNING_RATE = 0.1;
const SEED = 42;
// dist/ is served at the root; a worker fetches its data relative to its own script, like the page's.
const WORKER_URL = "/worker_loader.js";
const DATA_URL = "/data/";

/** The RaceConfig of every benchmark run (crate/src/race.rs); reports as the page's defaults. */
function raceConfig(hidden) {
  return {
    hidden,
    activations: ["sigmoid", "relu"],
    leaky_slope: 0.01,
    learning_rate: LEARNING_RATE,
    lane_learning_rates: null,
    optimizer: "sgd",
    batch_size: BATCH,
    epochs: 1,
    seed: SEED,
    train_size: TRAIN_SIZE,
    init: "glorot",
    reports_per_epoch: 20,
    interval_val_size: 1000,
    target_accuracy: 0.95,
  };
}

const kind = (m) => (typeof m === "string" ? m : Object.keys(m)[0]);
const isEvent = (name) => (m) => kind(m) === "Event" && kind(m.Event) === name;

/** One lane's worker, with promise-based waits for its replies. Any Error, Panicked or Diverged
 *  fails every pending and future wait: a benchmark must never report numbers from a broken run. */
class LaneWorker {
  constructor(name) {
    this.name = name;
    this.waiters = new Set();
    this.failure = null;
    this.worker = new Worker(WORKER_URL);
    this.worker.onmessage = (e) => this.receive(e.data);
    this.worker.onerror = (e) => this.fail(`script error: ${e.message}`);
    this.worker.onmessageerror = () => this.fail("a message could not be deserialized");
    // Registered at once: "Ready" is the worker's first word, and nothing may be sent before it.
    this.ready = this.wait((m) => m === "Ready", "Ready", 60_000);
  }

  receive(m) {
    const k = kind(m);
    if (k === "Error" || k === "Panicked") return this.fail(`${k}: ${m[k].message}`);
    if (isEvent("Diverged")(m)) return this.fail(`diverged: ${m.Event.Diverged.message}`);
    const at = performance.now();
    for (const w of [...this.waiters]) {
      if (w.match(m)) {
        this.waiters.delete(w);
        w.resolve({ message: m, at });
      }
    }
  }

  fail(why) {
    this.failure ??= new Error(`worker "${this.name}": ${why}`);
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters.clear();
  }

  /** The first later message that `match` accepts, with its arrival time (performance.now()). */
  wait(match, what, timeoutMs) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w = {
        match,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`worker "${this.name}": no ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  send(message) {
    if (this.failure) throw this.failure;
    this.worker.postMessage(message);
  }

  /** Sends `message` and returns the payload of the first reply of kind `reply`. */
  async ask(message, reply, timeoutMs) {
    const answer = this.wait((m) => kind(m) === reply, reply, timeoutMs);
    this.send(message);
    return (await answer).message[reply];
  }
}

// ---- MNIST in the page (for TensorFlow.js) ------------------------------------------------------

async function gunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  const body = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** The four IDX files as bytes, headers skipped (16 bytes for images, 8 for labels). */
async function loadMnist() {
  const names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
  const [ti, tl, si, sl] = await Promise.all(names.map((n) => gunzip(`${DATA_URL}${n}.gz`)));
  const data = {
    trainImages: ti.subarray(16),
    trainLabels: tl.subarray(8),
    testImages: si.subarray(16),
    testLabels: sl.subarray(8),
  };
  const expect = [[data.trainImages, 60_000 * INPUT], [data.trainLabels, 60_000], [data.testImages, 10_000 * INPUT], [data.testLabels, 10_000]];
  for (const [[bytes, n], name] of expect.map((e, i) => [e, names[i]])) {
    if (bytes.length !== n) throw new Error(`${name}: ${bytes.length} bytes after the header, expected ${n}`);
  }
  return data;
}

// ---- state shared by the phases -----------------------------------------------------------------

let lanes = [];
let mnist = null;
/** `${net}/${activation}` → { initial, final } snapshots of the parallel race. */
const snapshots = new Map();

/** Starts both lane workers and loads MNIST everywhere; returns facts about the browser. */
async function setup() {
  lanes = [new LaneWorker("lane 0"), new LaneWorker("lane 1")];
  const loaded = lanes.map(async (w) => {
    await w.ready;
    return w.ask({ Load: { base_url: "data/" } }, "Loaded", 120_000);
  });
  const started = performance.now();
  [mnist] = await Promise.all([loadMnist(), ...loaded]);
  const pageLoadSecs = (performance.now() - started) / 1000;

  tf.wasm.setWasmPaths("/tfjs-wasm/");
  if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js could not start its wasm backend");
  await tf.ready();
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: self.crossOriginIsolated,
    tfjs: tf.version.tfjs,
    tfjsBackend: tf.getBackend(),
    tfjsWasmSimd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    tfjsWasmThreads: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    workerLoadSecs: (await Promise.all(loaded)).map((l) => l.seconds),
    pageLoadSecs,
  };
}

/**
 * One epoch of the race on the lanes `which` (all at once, each in its own worker).
 * Per lane: the EpochReport's training-only samples/s and test accuracy, and the wall-clock time
 * from Start to the Epoch event (which includes the page's 20 interval evaluations and the
 * end-of-epoch validation and test passes, as on the page).
 */
async function race(net, hidden, which, keepSnapshots) {
  const config = raceConfig(hidden);
  const used = which.map((i) => lanes[i]);
  await Promise.all(used.map((w, k) => w.ask({ Configure: { config, lane: which[k] } }, "Configured", 30_000)));
  const initial = await Promise.all(used.map((w) => w.ask("Snapshot", "Snapshot", 30_000)));
  // Every wait is registered before the first Start, so no report can slip past.
  const epochs = used.map((w) => w.wait(isEvent("Epoch"), "Epoch report", 600_000));
  const finished = used.map((w) => w.wait(isEvent("Finished"), "Finished", 600_000));
  const started = performance.now();
  for (const w of used) w.send("Start");
  const reports = await Promise.all(epochs);
  await Promise.all(finished);
  const final = await Promise.all(used.map((w) => w.ask("Snapshot", "Snapshot", 30_000)));
  return reports.map(({ message, at }, k) => {
    const r = message.Event.Epoch;
    if (keepSnapshots) snapshots.set(`${net}/${r.activation}`, { initial: initial[k], final: final[k] });
    return {
      net,
      lane: r.lane,
      activation: r.activation,
      parallelLanes: which.length,
      samplesPerSec: r.samples_per_sec,
      wallSecs: (at - started) / 1000,
      epochSecs: r.epoch_secs,
      trainLoss: r.train_loss,
      valAccuracy: r.val_accuracy,
      testAccuracy: r.test_accuracy,
      testLoss: r.test_loss,
      samplesSeen: r.samples_seen,
    };
  });
}

// ---- TensorFlow.js -------------------------------------------------------------------------------

// Our engine scales pixels as `byte as f32 * (1.0f32 / 255.0)`. The product of an 8-bit integer and
// a float32 is exact in a double, so storing it into a Float32Array rounds exactly as Rust does:
// both sides see bit-identical inputs.
const PIXEL = Float32Array.from({ length: 256 }, (_, i) => i * Math.fround(1 / 255));

/** Fills x (n×784, row per image) and one-hot y (n×10) with `indices` into images/labels. */
function fill(x, y, images, labels, indices) {
  y.fill(0);
  for (let r = 0; r < indices.length; r++) {
    const img = indices[r];
    const src = img * INPUT;
    const dst = r * INPUT;
    for (let p = 0; p < INPUT; p++) x[dst + p] = PIXEL[images[src + p]];
    y[r * CLASSES + labels[img]] = 1;
  }
}

const maxAbsDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/**
 * One TensorFlow.js run of the MLP of the race lane `net/activation`, from that lane's initial
 * weights, in its batch order: the first `limit` images of it, in batches of 64 (the last one
 * smaller). The timed loop forms each batch from the MNIST bytes, builds the tensors and runs one
 * `optimizer.minimize` step (mean softmax cross-entropy on logits, SGD 0.1) inside tf.tidy.
 * Warm-up: `warmupBatches` steps first, then the weights are reset to the snapshot; the warm-up is
 * not timed.
 */
async function tfjsRun({ backend, net, activation, limit = TRAIN_SIZE, warmupBatches = 5, evaluate = true }) {
  const snap = snapshots.get(`${net}/${activation}`);
  if (!snap) throw new Error(`no snapshot of ${net}/${activation}: run the race first`);
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  await tf.ready();
  const tensorsBefore = tf.memory().numTensors;
  const { layer_sizes: sizes, weights, biases, batch_order: order } = snap.initial;
  if (order.length !== TRAIN_SIZE) throw new Error(`batch order has ${order.length} entries, expected ${TRAIN_SIZE}`);
  weights.forEach((w, l) => {
    if (w.length !== sizes[l] * sizes[l + 1] || biases[l].length !== sizes[l + 1]) {
      throw new Error(`layer ${l}: snapshot sizes do not match ${sizes}`);
    }
  });

  const layers = sizes.length - 1;
  const init = [
    ...weights.map((w, l) => tf.tensor2d(w, [sizes[l], sizes[l + 1]])),
    ...biases.map((b) => tf.tensor1d(b)),
  ];
  // A variable shares its initial tensor's data until the first update replaces it.
  const vars = init.map((t) => tf.variable(t));
  const W = vars.slice(0, layers);
  const B = vars.slice(layers);
  const act = activation === "relu" ? tf.relu : activation === "sigmoid" ? tf.sigmoid : null;
  if (!act) throw new Error(`activation ${activation} is not in the benchmark`);
  const forward = (x) => {
    let h = x;
    for (let l = 0; l < layers; l++) {
      h = tf.add(tf.matMul(h, W[l]), B[l]);
      if (l < layers - 1) h = act(h);
    }
    return h; // logits
  };
  const optimizer = tf.train.sgd(LEARNING_RATE);

  const xFull = new Float32Array(BATCH * INPUT);
  const yFull = new Float32Array(BATCH * CLASSES);
  const trainBatch = (start, end) => {
    const n = end - start;
    // The last, partial batch gets its own buffers (a tensor must match its buffer's length).
    const x = n === BATCH ? xFull : new Float32Array(n * INPUT);
    const y = n === BATCH ? yFull : new Float32Array(n * CLASSES);
    fill(x, y, mnist.trainImages, mnist.trainLabels, order.slice(start, end));
    tf.tidy(() => {
      const xs = tf.tensor2d(x, [n, INPUT]);
      const ys = tf.tensor2d(y, [n, CLASSES]);
      // Default reduction: the mean over the batch, as our engine's loss.
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, forward(xs)), false, vars);
    });
  };

  for (let b = 0; b < warmupBatches; b++) trainBatch(b * BATCH, (b + 1) * BATCH);
  vars.forEach((v, i) => v.assign(init[i]));

  const t0 = performance.now();
  for (let s = 0; s < limit; s += BATCH) trainBatch(s, Math.min(s + BATCH, limit));
  await W[0].data(); // the wasm and cpu backends run eagerly; this only makes sure
  const trainSecs = (performance.now() - t0) / 1000;

  const result = { backend, net, activation, samples: limit, warmupBatches, trainSecs, samplesPerSec: limit / trainSecs };
  if (evaluate) {
    const test = evaluateTest(forward);
    const final = snap.final;
    result.testAccuracy = test.accuracy;
    result.testLoss = test.loss;
    // How far TFJS's weights ended from ours: float rounding drift only, if the maths agree.
    result.maxWeightDiff = Math.max(...W.map((w, l) => maxAbsDiff(w.dataSync(), final.weights[l])));
    result.maxBiasDiff = Math.max(...B.map((b, l) => maxAbsDiff(b.dataSync(), final.biases[l])));
    result.maxWeight = Math.max(...final.weights.map(maxAbs));
  }
  optimizer.dispose();
  tf.dispose([...vars, ...init]);
  result.leakedTensors = tf.memory().numTensors - tensorsBefore;
  return result;
}

/** Accuracy and mean cross-entropy on the 10,000 test images, in chunks of 1,000. */
function evaluateTest(forward) {
  const n = 1000;
  const x = new Float32Array(n * INPUT);
  const y = new Float32Array(n * CLASSES);
  let correct = 0;
  let lossSum = 0;
  const total = mnist.testLabels.length;
  for (let s = 0; s < total; s += n) {
    const indices = Array.from({ length: n }, (_, i) => s + i);
    fill(x, y, mnist.testImages, mnist.testLabels, indices);
    tf.tidy(() => {
      const logits = forward(tf.tensor2d(x, [n, INPUT]));
      lossSum += tf.losses.softmaxCrossEntropy(tf.tensor2d(y, [n, CLASSES]), logits).dataSync()[0] * n;
      const predicted = logits.argMax(1).dataSync();
      for (let i = 0; i < n; i++) if (predicted[i] === mnist.testLabels[s + i]) correct++;
    });
  }
  return { accuracy: correct / total, loss: lossSum / total };
}

window.bench = { setup, race, tfjsRun };
window.benchReady = true;
