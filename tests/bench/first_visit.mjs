// What a first visit costs on a slow link: the bytes it downloads (as a static host sends them:
// HTML, JS, CSS and wasm gzip-compressed, the MNIST files as the gzip files they are) and how long
// the page takes to be ready to race on a link throttled to 20 Mbit/s (CDP
// Network.emulateNetworkConditions on the page and on each lane's worker). A benchmark, not a
// test: it prints a table and writes tests/artifacts/first-visit.json.
//
//   node tests/bench/first_visit.mjs [--mbps 20] [--latency-ms 40] [--cache-control no-store]
//
// Bytes are counted by the server (each response's body as sent) and, for the page, from CDP's
// encodedDataLength; `--cache-control "max-age=600"` serves as GitHub Pages does.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ARTIFACTS, DIST, launch, serve, waitReady } from "../browser/harness.mjs";

const { values: args } = parseArgs({
  options: {
    mbps: { type: "string", default: "20" },
    "latency-ms": { type: "string", default: "40" },
    "cache-control": { type: "string", default: "no-store" },
  },
});
const mbps = Number(args.mbps);
const conditions = {
  offline: false,
  latency: Number(args["latency-ms"]),
  downloadThroughput: (mbps * 1e6) / 8,
  uploadThroughput: (mbps * 1e6) / 8,
};

const served = [];
const server = await serve(DIST, () => null, {
  compress: true,
  cacheControl: args["cache-control"],
  onResponse: (r) => served.push({ ...r, at: Date.now() }),
});
const browser = await launch();
try {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", conditions);
  let pageEncoded = 0;
  cdp.on("Network.loadingFinished", (e) => { pageEncoded += e.encodedDataLength; });
  const started = Date.now();
  await page.goto(server.url);
  await waitReady(page, 300_000);
  const readySecs = (Date.now() - started) / 1000;
  // Whatever the first visit still fetches after "ready" (the service worker's copy of the app).
  let quiet = served.length;
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    if (served.length === quiet) break;
    quiet = served.length;
  }
  const byFile = new Map();
  for (const r of served) {
    const e = byFile.get(r.path) ?? { requests: 0, bytes: 0 };
    e.requests += 1;
    e.bytes += r.bytes;
    byFile.set(r.path, e);
  }
  const total = served.reduce((a, r) => a + r.bytes, 0);
  const mb = (b) => (b / 1e6).toFixed(2);
  console.log(`First visit at ${mbps} Mbit/s, ${conditions.latency} ms latency, Cache-Control: ${args["cache-control"]}`);
  console.log("file".padEnd(40), "requests".padStart(8), "MB".padStart(8));
  for (const [file, e] of [...byFile].sort((a, b) => b[1].bytes - a[1].bytes)) {
    console.log(file.padEnd(40), String(e.requests).padStart(8), mb(e.bytes).padStart(8));
  }
  console.log(`total: ${mb(total)} MB in ${served.length} responses (page's own requests per CDP: ${mb(pageEncoded)} MB)`);
  console.log(`ready to race after ${readySecs.toFixed(1)} s`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, "first-visit.json"), JSON.stringify({
    mbps, latencyMs: conditions.latency, cacheControl: args["cache-control"], readySecs,
    totalBytes: total, pageEncodedBytes: pageEncoded, files: Object.fromEntries(byFile),
  }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
