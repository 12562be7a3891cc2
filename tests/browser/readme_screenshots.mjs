// Regenerates the README's screenshots from a real race in headless Chromium:
//   node tests/browser/readme_screenshots.mjs [race] [deep] [phone] [inside] [lesson] [layers]
//   (after a `trunk build --release`; all six without arguments)
// Not a test: it writes tests/screenshots/*.png.
import fs from "node:fs";
import path from "node:path";
import { ROOT, serve, launch, openPage, waitReady, drawStrokes } from "./harness.mjs";
import { launchPhone, touchStrokes } from "./phone.mjs";

const drawings = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/strokes/digits.json"), "utf8"));
const out = path.join(ROOT, "tests", "screenshots");
fs.mkdirSync(out, { recursive: true });

const wanted = process.argv.slice(2);
const want = (name) => wanted.length === 0 || wanted.includes(name);

const server = await serve();
const browser = await launch();
try {
  for (const [name, query, epochsShown] of [["race", "", 3], ["deep", "?hidden=128,128,128,128,128", 3]]) {
    if (!want(name)) continue;
    const { page, problems } = await openPage(browser.context, server.url + query);
    await waitReady(page);
    await page.click("[data-testid=start]");
    await page.waitForFunction((n) => window.wasmBindings.race_reports().every((l) => l.epochs.length >= n),
      epochsShown, { timeout: 120_000, polling: 100 });
    await page.click("[data-testid=pause]");
    await drawStrokes(page, drawings.digits.find((d) => d.label === 3).strokes);
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=prediction]")]
      .every((e) => /^\d$/.test(e.textContent)), null, { timeout: 10_000 });
    await page.waitForTimeout(400);
    const file = path.join(out, `${name}.png`);
    // The top of the page down to the first four charts: the lessons, the settings, the lane
    // cards (with their reading of the drawn digit) and the race's charts. The whole page is
    // several screens long since the views inside the networks.
    const bottom = await page.evaluate(() => Math.max(...["loss", "accuracy", "gradients", "units"].map((c) =>
      document.querySelector(`[data-testid=chart-${c}]`).closest("figure, section, div").getBoundingClientRect().bottom + scrollY)));
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: 1400, height: Math.ceil(bottom + 16) } });
    console.log(`${file}${problems.length ? ` (page problems: ${problems.join("; ")})` : ""}`);
    await page.close();
  }
  if (want("inside")) {
    // The views inside the networks after two epochs of the default race on 10,000 images: a
    // drawn 3 on the curves, ReLU's unit 3 shown large, the confusion matrices.
    const { page, problems } = await openPage(browser.context, server.url + "?train=10000&epochs=2");
    await waitReady(page);
    await page.click("[data-testid=start]");
    await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length >= 2),
      null, { timeout: 120_000, polling: 100 });
    await drawStrokes(page, drawings.digits.find((d) => d.label === 3).strokes);
    await page.waitForFunction(() => window.wasmBindings.inside_views().curve.panels.every((p) => p.z.length > 0),
      null, { timeout: 10_000 });
    const v = await page.evaluate(() => window.wasmBindings.inside_views());
    const [, , left, top, width] = v.tiles.find(([l, u]) => l === 1 && u === 3);
    await page.locator("[data-testid=inside-fields]").scrollIntoViewIfNeeded();
    const box = await page.locator("[data-testid=inside-fields]").boundingBox();
    await page.mouse.click(box.x + left + width / 2, box.y + top + width / 2);
    await page.waitForFunction(() => window.wasmBindings.inside_views().fields.selected?.on_digit);
    await page.waitForTimeout(400);
    const from = await page.evaluate(() => document.querySelector(".inside-units").getBoundingClientRect().top + scrollY);
    const to = await page.evaluate(() => document.querySelector("[data-testid=inside-confusion]").getBoundingClientRect().bottom + scrollY);
    const x = await page.evaluate(() => document.querySelector(".draw").getBoundingClientRect().left);
    const w = await page.evaluate(() => document.querySelector(".draw").getBoundingClientRect().width);
    const file = path.join(out, "inside_units.png");
    await page.screenshot({ path: file, fullPage: true, clip: { x, y: from - 8, width: w, height: to - from + 16 } });
    console.log(`${file}${problems.length ? ` (page problems: ${problems.join("; ")})` : ""}`);
    await page.close();
  }
  if (want("lesson")) {
    // The dead-ReLU lesson, one epoch, finished: the lessons panel with its verdict above the race.
    const { page } = await openPage(browser.context, server.url + "?lesson=dead-relu&epochs=1");
    await waitReady(page);
    await page.click("[data-testid=start]");
    await page.waitForSelector("#lesson-verdict.judged", { timeout: 120_000 });
    await page.waitForTimeout(400);
    const file = path.join(out, "lesson.png");
    await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1400, height: 1000 } });
    console.log(file);
    await page.close();
  }
  if (want("layers")) {
    // The charts inside the networks after Glorot & Bengio's race (README): a 4 × 128 Sigmoid
    // net with standard and with Glorot initialisation, and ReLU, two epochs of 55,000 images.
    const query = "?lanes=sigmoid,sigmoid,relu&lane_init=standard,glorot,standard&hidden=128,128,128,128&batch=10&lr=0.1&epochs=2";
    const { page, problems } = await openPage(browser.context, server.url + query);
    await waitReady(page);
    await page.click("[data-testid=start]");
    await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length >= 2),
      null, { timeout: 600_000, polling: 250 });
    await page.waitForTimeout(600);
    const box = (id) => page.evaluate((i) => {
      const b = document.querySelector(`[data-testid=${i}]`).closest("figure").getBoundingClientRect();
      return { left: b.left, top: b.top + scrollY, right: b.right, bottom: b.bottom + scrollY };
    }, id);
    const [from, to] = [await box("chart-gradients"), await box("chart-distributions")];
    const file = path.join(out, "layer_charts.png");
    await page.screenshot({ path: file, fullPage: true,
      clip: { x: from.left - 8, y: from.top - 8, width: to.right - from.left + 16, height: to.bottom - from.top + 16 } });
    console.log(`${file}${problems.length ? ` (page problems: ${problems.join("; ")})` : ""}`);
    await page.close();
  }
  if (want("phone")) {
    // A phone (390 × 844, touch): one epoch, then a 7 drawn with a finger; the picture shows the
    // pad and both lanes' answers.
    const phone = await launchPhone();
    try {
      const page = await phone.context.newPage();
      await page.goto(server.url + "?epochs=1");
      await waitReady(page);
      await page.tap("[data-testid=start]");
      await page.waitForFunction(() => window.wasmBindings.race_reports().every((l) => l.epochs.length >= 1),
        null, { timeout: 120_000, polling: 100 });
      await page.evaluate(() => document.querySelector(".draw").scrollIntoView());
      await touchStrokes(page, drawings.digits.find((d) => d.label === 7).strokes);
      await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=prediction]")]
        .every((e) => /^\d$/.test(e.textContent)), null, { timeout: 10_000 });
      await page.waitForTimeout(400);
      const file = path.join(out, "phone.png");
      await page.screenshot({ path: file });
      console.log(file);
    } finally {
      await phone.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
