// Memory of the page, its lanes' workers and the Chromium processes, sampled the same way by the
// soak benchmark (`tests/bench/soak.mjs`) and its short CI version (`soak.test.mjs`).
//
// What is measured, and how (each found to work with Debian's Chromium and playwright-core):
// - JS heaps, after a forced garbage collection (CDP `HeapProfiler.collectGarbage`) so that
//   samples compare: the page's with `Runtime.getHeapUsage` on a CDP session to the page; each
//   dedicated worker's through the same session: `Target.setAutoAttach` (not flattened, since
//   playwright's CDPSession cannot address child sessions) attaches the workers, and
//   `Target.sendMessageToTarget` carries `HeapProfiler.collectGarbage` and
//   `Runtime.getHeapUsage` to each. (`performance.memory` does not exist in workers, and
//   playwright's `context.newCDPSession` takes only pages and frames.)
// - wasm linear memory: the page's (`wasmBindings.default()` returns the instance's exports once
//   it is initialised) and each worker's (`wasm_bindgen()` likewise, evaluated in the worker via
//   `Runtime.evaluate`). Linear memory never shrinks, so it shows the high-water mark of the
//   Rust heap: a leak in Rust shows as growth here, never as JS heap.
// - The resident size (VmRSS) and proportional set size (Pss, shared pages split between the
//   processes sharing them) of every Chromium process this node process launched, read from
//   /proc. Canvases, image buffers, the compositor and wasm memory live outside the JS heaps;
//   RSS is where they show. The sum of RSS counts shared pages once per process; Pss does not.
import fs from "node:fs";

const MB = 1024 * 1024;
const mb = (bytes) => Math.round((bytes / MB) * 100) / 100;

/** The ids of every process descended from `root` (by default: the browsers this node launched). */
export function descendants(root = process.pid) {
  const children = new Map();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const found = [];
  const stack = [...(children.get(root) || [])];
  while (stack.length) {
    const pid = stack.pop();
    found.push(pid);
    stack.push(...(children.get(pid) || []));
  }
  return found;
}

/** A Chromium process's kind from its command line: browser, renderer, gpu-process, zygote, utility… */
function kindOf(cmdline) {
  const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
  return type || "browser";
}

function kbField(text, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * RSS and Pss of the Chromium processes descended from this node process, in total and per kind
 * (MB), and how many there are.
 */
export function chromiumProcesses(root = process.pid) {
  const byKind = {};
  let rss = 0, pss = 0, count = 0;
  for (const pid of descendants(root)) {
    let cmdline, status, rollup = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      continue;
    }
    if (!/chrom/i.test(cmdline)) continue;
    try {
      rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    } catch {
      // not readable here: Pss counts as 0 for this process
    }
    const kind = kindOf(cmdline);
    const processRss = kbField(status, "VmRSS");
    rss += processRss;
    pss += kbField(rollup, "Pss");
    byKind[kind] = mb((byKind[kind] || 0) * MB + processRss);
    count += 1;
  }
  return { rssMB: mb(rss), pssMB: mb(pss), byKind, count };
}

/**
 * Opens a memory probe on `page`: `sample()` collects garbage everywhere, then returns the
 * figures of the page, of each of its dedicated workers and of the browser's processes.
 */
export async function memoryProbe(page) {
  const cdp = await page.context().newCDPSession(page);
  const workers = new Map(); // CDP session id -> target info, for the page's dedicated workers
  const pending = new Map(); // message id -> resolve
  let nextId = 1;
  cdp.on("Target.attachedToTarget", (e) => {
    if (e.targetInfo.type === "worker") workers.set(e.sessionId, e.targetInfo);
  });
  cdp.on("Target.detachedFromTarget", (e) => workers.delete(e.sessionId));
  cdp.on("Target.receivedMessageFromTarget", (e) => {
    const message = JSON.parse(e.message);
    const resolve = pending.get(message.id);
    if (resolve) {
      pending.delete(message.id);
      resolve(message.result ?? null);
    }
  });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, flatten: false, waitForDebuggerOnStart: false });
  await cdp.send("Performance.enable");

  /** Sends a CDP command to a worker; null if it does not answer (it may have been terminated). */
  const toWorker = (sessionId, method, params = {}) => new Promise((resolve) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve(null);
    }, 15_000);
    pending.set(id, (result) => {
      clearTimeout(timer);
      resolve(result);
    });
    cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) })
      .catch(() => pending.get(id)?.(null));
  });

  const wasmExpression = "wasm_bindgen().then((w) => w.memory.buffer.byteLength)";

  async function sample() {
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = await cdp.send("Runtime.getHeapUsage");
    const metrics = Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
    const pageWasm = await page.evaluate(() => window.wasmBindings.default().then((w) => w.memory.buffer.byteLength));
    const workerFigures = [];
    for (const sessionId of [...workers.keys()]) {
      await toWorker(sessionId, "HeapProfiler.collectGarbage");
      const usage = await toWorker(sessionId, "Runtime.getHeapUsage");
      const wasm = await toWorker(sessionId, "Runtime.evaluate",
        { expression: wasmExpression, awaitPromise: true, returnByValue: true });
      if (!usage) continue; // terminated between the listing and the question
      workerFigures.push({ heapMB: mb(usage.usedSize), wasmMB: wasm?.result?.value ? mb(wasm.result.value) : null });
    }
    return {
      page: {
        heapMB: mb(heap.usedSize),
        wasmMB: mb(pageWasm),
        nodes: metrics.Nodes,
        listeners: metrics.JSEventListeners,
      },
      workers: workerFigures,
      processes: chromiumProcesses(),
    };
  }

  return { sample, close: () => cdp.detach().catch(() => {}) };
}

/** The figures of a sample compared over time: `name` → picks one number from a sample. */
export const FIGURES = {
  "page JS heap": (s) => s.page.heapMB,
  "page wasm": (s) => s.page.wasmMB,
  "workers' JS heaps": (s) => sum(s.workers.map((w) => w.heapMB)),
  "workers' wasm": (s) => sum(s.workers.map((w) => w.wasmMB ?? 0)),
  "Chromium RSS": (s) => s.processes.rssMB,
  // The renderers: the page's process, which holds its workers, their wasm and the canvases.
  "renderer RSS": (s) => s.processes.byKind.renderer ?? 0,
  "Chromium Pss": (s) => s.processes.pssMB,
  "DOM nodes": (s) => s.page.nodes,
};

const sum = (xs) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;

/**
 * How each figure moved over `samples` (each with `t`, seconds): first, last, change, and the
 * least-squares slope per minute (less at the mercy of one noisy sample than last − first).
 */
export function growth(samples) {
  const out = {};
  for (const [name, pick] of Object.entries(FIGURES)) {
    const xs = samples.map((s) => s.t / 60), ys = samples.map(pick);
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0, sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (xs[i] - mx) * (ys[i] - my);
      sxx += (xs[i] - mx) ** 2;
    }
    const round = (v) => Math.round(v * 100) / 100;
    out[name] = {
      first: ys[0], last: ys[n - 1], change: round(ys[n - 1] - ys[0]),
      min: Math.min(...ys), max: Math.max(...ys),
      perMinute: sxx > 0 ? round(sxy / sxx) : 0,
    };
  }
  return out;
}

/** One line per sample: time, phase, the page's heap and wasm, each worker's, the processes'. */
export function sampleTable(samples) {
  const pad = (v, w) => String(v).padStart(w);
  const lines = [
    `${pad("t (s)", 6)}  ${"phase".padEnd(10)} ${pad("page heap", 9)} ${pad("page wasm", 9)} ${pad("nodes", 6)}  ${"workers: heap / wasm (MB)".padEnd(30)} ${pad("RSS", 8)} ${pad("Pss", 8)} procs`,
  ];
  for (const s of samples) {
    const workers = s.workers.map((w) => `${w.heapMB.toFixed(2)}/${w.wasmMB ?? "?"}`).join("  ");
    lines.push(`${pad(Math.round(s.t), 6)}  ${(s.phase || "").padEnd(10)} ${pad(s.page.heapMB.toFixed(2), 9)} ${pad(s.page.wasmMB, 9)} ${pad(s.page.nodes, 6)}  ${workers.padEnd(30)} ${pad(s.processes.rssMB.toFixed(1), 8)} ${pad(s.processes.pssMB.toFixed(1), 8)} ${s.processes.count}`);
  }
  return lines.join("\n");
}

/** The growth of each figure as lines: first → last, change, per minute. */
export function growthTable(g) {
  return Object.entries(g).map(([name, f]) =>
    `${name.padEnd(18)} ${String(f.first).padStart(9)} → ${String(f.last).padEnd(9)} change ${String(f.change).padStart(8)}  range ${f.min}–${f.max}  slope ${f.perMinute}/min`,
  ).join("\n");
}
