// Shared helpers of the browser tests: a static file server for dist/ on 127.0.0.1 and Debian's
// Chromium driven by playwright-core (never a downloaded browser).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { before, after } from "node:test";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = process.env.DIST || path.join(ROOT, "dist");
export const ARTIFACTS = path.join(ROOT, "tests", "artifacts");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".gz": "application/gzip",
  ".json": "application/json",
  ".png": "image/png",
};

/**
 * Serves `dir` on 127.0.0.1 (a free port). `override(urlPath)` may return a Buffer to serve
 * instead of the file (to corrupt a data file), or null to fall through. Options, for the tests
 * of hosting and slow links:
 * - `base`: the URL path `dir` is served under (e.g. "/activation-race/", as GitHub Pages serves a
 *   project); anything outside it is a 404, and `override` sees paths relative to it ("/x.js").
 * - `cacheControl`: the Cache-Control header ("no-store" by default: every test sees its files).
 * - `compress`: gzip HTML, JS, CSS and wasm when the browser accepts it, as static hosts do (the
 *   MNIST files are gzip files already and go as they are).
 * - `onResponse({ path, status, bytes })`: called for each response, with the body's size on the
 *   wire (compressed when compressed).
 */
export async function serve(dir = DIST, override = () => null, options = {}) {
  const { base = "/", cacheControl = "no-store", compress = false, onResponse = () => {} } = options;
  const server = http.createServer((req, res) => {
    const fullPath = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const send = (status, headers, body) => {
      res.writeHead(status, headers);
      res.end(body);
      onResponse({ path: fullPath, status, bytes: body.length });
    };
    if (!fullPath.startsWith(base)) {
      send(404, { "content-type": "text/plain" }, "not found");
      return;
    }
    const urlPath = "/" + fullPath.slice(base.length);
    const replaced = override(urlPath);
    const file = path.join(dir, urlPath.endsWith("/") ? urlPath + "index.html" : urlPath);
    if (!replaced && (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory())) {
      send(404, { "content-type": "text/plain" }, "not found");
      return;
    }
    let body = replaced ?? fs.readFileSync(file);
    const type = TYPES[path.extname(file)] || "application/octet-stream";
    const headers = { "content-type": type, "cache-control": cacheControl };
    if (compress && /gzip/.test(req.headers["accept-encoding"] || "") && /html|javascript|css|wasm/.test(type)) {
      body = zlib.gzipSync(body, { level: 9 });
      headers["content-encoding"] = "gzip";
    }
    headers["content-length"] = body.length;
    send(200, headers, body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  // close() alone waits for every open connection to end: a keep-alive connection the browser
  // still holds after a page closed kept it waiting for ~90 s now and then.
  const close = () => new Promise((r) => {
    server.close(r);
    server.closeAllConnections();
  });
  return { url: `http://127.0.0.1:${port}${base}`, close };
}

/** The flags Debian's Chromium needs here (no sandbox as root, no GPU, no background traffic). */
export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Debian's Chromium, headless, with the flags this machine needs and a fresh profile. */
export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ar-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 1000 },
    deviceScaleFactor: 1,
    args: CHROMIUM_ARGS,
  });
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

/** Opens the page and records console errors, page errors and failed requests. */
export async function openPage(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A lane worker reads the MNIST files with a byte-counting reader (for the progress in
    // bytes). Chromium then reports some of those requests as net::ERR_ABORTED although the
    // body was read to its end (microsoft/playwright#42742: a getReader() loop over a body that
    // came in several writes). Every byte is checked by the IDX reader before the page says it
    // is ready, so such a report on a data file is not a lost download; anything else is.
    if (/\/data\/[^/]+\.gz$/.test(r.url()) && r.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  await page.goto(url);
  return { page, problems };
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Waits until every lane has loaded MNIST and the race can start. */
export async function waitReady(page, timeout = 60_000) {
  await page.waitForSelector("[data-testid=start]:not([disabled])", { timeout });
}

export const laneText = (page, lane, testid) =>
  page.textContent(`[data-testid=lane-${lane}] [data-testid=${testid}]`);

/**
 * Waits until every lane's card shows progress (epoch counter above 0). While racing the page
 * redraws its cards and charts a few times a second, so the card may lag the latest report.
 */
export const waitCardsMoved = (page, lanes = 2) =>
  page.waitForFunction((n) => [...Array(n).keys()].every((i) =>
    Number(document.querySelector(`[data-testid=lane-${i}] [data-testid=epoch]`).textContent) > 0),
  lanes, { timeout: 10_000, polling: 100 });

/** The reports the page has received, per lane (the `race_reports` tooling hook). */
export const reports = (page) => page.evaluate(() => window.wasmBindings.race_reports());

/**
 * Scrolls a canvas into view and waits a few frames: while racing, the page redraws a canvas
 * off screen only every two seconds, and one scrolled into view at once.
 */
export async function lookAt(page, testid) {
  await page.locator(`[data-testid=${testid}]`).scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((done) => {
    let frames = 4;
    const next = () => (--frames > 0 ? requestAnimationFrame(next) : setTimeout(done, 50));
    requestAnimationFrame(next);
  }));
}

/**
 * Opens the `<details>` holding a chart's data table, as a user who wants to read it does: while
 * racing, the page fills a closed table only when the race stops.
 */
export async function openTable(page, testid) {
  await page.evaluate((id) => { document.querySelector(`[data-testid=${id}]`).closest("details").open = true; }, testid);
  await lookAt(page, testid);
}

/** A fingerprint of a canvas's pixels as a user looking at it sees them (it is scrolled into view). */
export const canvasPrint = async (page, testid) => {
  await lookAt(page, testid);
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid=${id}]`);
    const url = c.toDataURL();
    let h = 0;
    for (let i = 0; i < url.length; i++) h = (h * 31 + url.charCodeAt(i)) | 0;
    return `${url.length}:${h}`;
  }, testid);
};

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

/**
 * A canvas's pixels within `tol` of each colour (#rrggbb), and the share that is not white, as a
 * user looking at it sees them (it is scrolled into view).
 */
export const canvasInk = async (page, testid, colors, tol = 6) => {
  await lookAt(page, testid);
  return page.evaluate(({ id, cs, tol }) => {
    const c = document.querySelector(`[data-testid=${id}]`);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const counts = cs.map(() => 0);
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) inked++;
      cs.forEach((rgb, k) => {
        if (Math.abs(d[i] - rgb[0]) <= tol && Math.abs(d[i + 1] - rgb[1]) <= tol && Math.abs(d[i + 2] - rgb[2]) <= tol) counts[k]++;
      });
    }
    return { counts, inked: inked / (d.length / 4) };
  }, { id: testid, cs: colors.map(hex), tol });
};

/** Draws polylines (pad coordinates, 280 × 280) on the pad with real mouse events. */
export async function drawStrokes(page, strokes) {
  // Mouse events only reach what is inside the viewport.
  await page.locator("[data-testid=pad]").scrollIntoViewIfNeeded();
  const box = await page.locator("[data-testid=pad]").boundingBox();
  const sx = box.width / 280, sy = box.height / 280;
  for (const stroke of strokes) {
    const [x0, y0] = stroke[0];
    await page.mouse.move(box.x + x0 * sx, box.y + y0 * sy);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1)) {
      await page.mouse.move(box.x + x * sx, box.y + y * sy);
    }
    await page.mouse.up();
  }
}

/**
 * One browser (and, unless `server: false`, one server for dist/) shared by a test file's tests:
 * registers the before/after hooks and returns `{ server, browser }`, filled in once they run.
 */
export function useBrowser({ server: withServer = true } = {}) {
  const shared = {};
  before(async () => {
    if (withServer) shared.server = await serve();
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.close();
  });
  return shared;
}
