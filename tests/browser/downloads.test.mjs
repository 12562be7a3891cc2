// Taking the data away: after a short race, the page's downloads happen and parse — the race as
// JSON (the CLI's schema) and CSV (one row per report per lane) and each chart as PNG and SVG.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { openPage, waitReady, reports, useBrowser } from "./harness.mjs";

const shared = useBrowser();

/** Clicks `selector` and returns the download it starts: its suggested name and its bytes. */
async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent("download", { timeout: 10_000 }), page.click(selector)]);
  const file = await d.path();
  return { name: d.suggestedFilename(), bytes: fs.readFileSync(file) };
}

/** A minimal CSV reader (quoted cells with doubled quotes). */
function parseCsv(text) {
  const rows = [];
  for (const line of text.trimEnd().split("\n")) {
    const cells = [];
    let cell = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; }
        else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") { cells.push(cell); cell = ""; }
      else cell += ch;
    }
    cells.push(cell);
    rows.push(cells);
  }
  return rows;
}

test("after a race, the JSON (the CLI schema + settings URL) and CSV downloads hold every report of every lane and each chart downloads as a PNG and an SVG", async () => {
  const { page, problems } = await openPage(shared.browser.context,
    shared.server.url + "?epochs=1&train=3000&lanes=sigmoid,relu&lane_lr=0.1,0.05");
  await waitReady(page);
  await page.click("[data-testid=start]");
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 60_000, polling: 200 });
  const lanes = await reports(page);

  const json = await download(page, "[data-testid=download-json]");
  assert.match(json.name, /^activation-race-sigmoid-relu-seed42\.json$/);
  const record = JSON.parse(json.bytes.toString("utf8"));
  // The schema of `race --json`: config, layer sizes, parameters, and per lane its reports.
  assert.deepEqual(record.layer_sizes, [784, 128, 64, 10]);
  assert.equal(record.parameters, 109_386);
  assert.equal(record.config.train_size, 3000);
  assert.deepEqual(record.config.lane_learning_rates.map((r) => +r.toFixed(3)), [0.1, 0.05]);
  for (const l of lanes) {
    const mine = record.lanes[l.lane];
    assert.equal(mine.activation, l.activation);
    assert.equal(mine.state, "finished");
    assert.equal(mine.reports.length, l.intervals.length);
    assert.deepEqual(mine.epochs.map((e) => e.test_accuracy), l.epochs.map((e) => e.test_accuracy));
  }
  // The settings URL reproduces the race.
  const again = new URL(record.settings_url);
  assert.equal(again.searchParams.get("lane_lr"), "0.1,0.05");
  assert.equal(again.searchParams.get("train"), "3000");

  const csv = await download(page, "[data-testid=download-csv]");
  assert.match(csv.name, /^activation-race-sigmoid-relu-seed42\.csv$/);
  const [header, ...rows] = parseCsv(csv.bytes.toString("utf8"));
  const col = (name) => header.indexOf(name);
  for (const name of ["lane", "label", "kind", "epochs_done", "train_loss", "val_accuracy", "test_accuracy",
    "grad_norm_L1", "grad_norm_L3", "dead_h2", "inactive_h2"]) {
    assert.ok(col(name) >= 0, `column ${name}`);
  }
  assert.ok(rows.every((r) => r.length === header.length), "every row has every column");
  for (const l of lanes) {
    const mine = rows.filter((r) => Number(r[col("lane")]) === l.lane);
    assert.equal(mine.filter((r) => r[col("kind")] === "interval").length, l.intervals.length);
    assert.equal(mine.filter((r) => r[col("kind")] === "epoch").length, l.epochs.length);
    const epoch = mine.find((r) => r[col("kind")] === "epoch");
    assert.ok(Math.abs(Number(epoch[col("test_accuracy")]) - l.epochs[0].test_accuracy) < 1e-6);
    const last = mine.filter((r) => r[col("kind")] === "interval").at(-1);
    assert.ok(Math.abs(Number(last[col("train_loss")]) - l.intervals.at(-1).train_loss) < 1e-6);
  }
  assert.equal(rows[0][col("label")], "Sigmoid · lr 0.1");

  for (const chart of ["loss", "accuracy", "gradients", "units"]) {
    const png = await download(page, `[data-testid=download-${chart}-png]`);
    assert.match(png.name, new RegExp(`-${chart}\\.png$`));
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG");
    const [w, h] = [png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)];
    const size = await page.$eval(`[data-testid=chart-${chart}]`, (c) => [c.width, c.height]);
    assert.deepEqual([w, h], size, `${chart}: the PNG is the canvas`);
    assert.ok(png.bytes.length > 5_000, `${chart}: the PNG has content (${png.bytes.length} bytes)`);

    // The same drawing as vectors: a well-formed SVG (parsed by the browser's own XML parser)
    // with the lanes' names and lines.
    const svg = await download(page, `[data-testid=download-${chart}-svg]`);
    assert.match(svg.name, new RegExp(`-${chart}\\.svg$`));
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      const error = doc.querySelector("parsererror");
      return {
        error: error ? error.textContent : null,
        root: doc.documentElement.nodeName,
        text: [...doc.querySelectorAll("text")].map((t) => t.textContent).join(" | "),
        shapes: doc.querySelectorAll("polyline, path, rect, circle").length,
      };
    }, svg.bytes.toString("utf8"));
    assert.equal(parsed.error, null, `${chart}: valid SVG`);
    assert.equal(parsed.root, "svg");
    assert.match(parsed.text, /Sigmoid · lr 0\.1/, `${chart}: lane names`);
    assert.match(parsed.text, /ReLU · lr 0\.05/);
    assert.ok(parsed.shapes > 20, `${chart}: ${parsed.shapes} shapes`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});
