// Phones and touch: at 390 × 844 with a touch screen the page fits the screen, a finger draws on
// the pad without scrolling the page (the pad has touch-action: none; elsewhere a swipe does
// scroll, so the check can fail), and every lane answers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, ARTIFACTS, serve, waitReady } from "./harness.mjs";
import { PHONE, launchPhone, touchStrokes, swipeUp } from "./phone.mjs";
import { runAxe, recordAxe } from "./a11y.mjs";

const drawings = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/strokes/digits.json"), "utf8"));

let server, phone;
before(async () => {
  server = await serve();
  phone = await launchPhone();
});
after(async () => {
  await phone?.close();
  await server?.close();
});

/** Opens the page on the phone, recording console errors and failed requests. */
async function open(query = "") {
  const page = await phone.context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  await page.goto(server.url + query);
  return { page, problems };
}

test("on a phone the layout fits the screen: nothing wider than 390 px, controls big enough to tap, axe clean", async () => {
  const { page, problems } = await open("?epochs=1&train=5000");
  await waitReady(page);
  assert.equal(await page.evaluate(() => innerWidth), PHONE.width, "the layout viewport is the screen");
  assert.equal(await page.evaluate(() => navigator.maxTouchPoints > 0 && matchMedia("(pointer: coarse)").matches), true);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= PHONE.width, `the page is ${overflow} px wide`);
  const wide = await page.$$eval("body *", (els) => els.filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > innerWidth + 0.5 && !e.closest(".chart-data");
  }).map((e) => `${e.tagName}.${e.className}`));
  assert.deepEqual(wide, [], "elements past the right edge");
  // Tap targets: every enabled button, field and menu at least 24 × 24 CSS px (WCAG 2.5.8).
  const small = await page.$$eval("button, input, select, summary", (els) => els.filter((e) => {
    if (!e.checkVisibility() || e.disabled || e.type === "checkbox") return false;
    const r = e.getBoundingClientRect();
    return r.width < 24 || r.height < 24;
  }).map((e) => e.id || e.textContent.trim().slice(0, 20)));
  assert.deepEqual(small, [], "controls smaller than 24 px");
  // The pad keeps its full size and fits between the page's margins.
  const pad = await page.locator("[data-testid=pad]").boundingBox();
  assert.ok(pad.width === 280 && pad.x >= 8 && pad.x + pad.width <= PHONE.width - 8, JSON.stringify(pad));
  const { counts, violations } = await runAxe(page);
  recordAxe("phone, idle", counts);
  assert.deepEqual(violations.filter((v) => /^(critical|serious) /.test(v)), [], violations.join("\n"));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, "phone-top.png") });
  assert.deepEqual(problems, []);
  await page.close();
});

test("a finger draws on the pad with touch pointer events, the page does not scroll, and every lane answers", async () => {
  const { page, problems } = await open("?epochs=1&train=5000");
  await waitReady(page);
  await page.locator("[data-testid=pad]").scrollIntoViewIfNeeded();
  await page.evaluate(() => {
    window.__pointers = [];
    const pad = document.querySelector("[data-testid=pad]");
    for (const type of ["pointerdown", "pointermove", "pointerup", "pointercancel"]) {
      pad.addEventListener(type, (e) => window.__pointers.push(`${e.type}:${e.pointerType}`));
    }
  });
  const before = await page.evaluate(() => [scrollX, scrollY]);
  // A 7 drawn top right to bottom left: most of the finger's way runs downwards, which on any
  // other part of the page scrolls it.
  const seven = drawings.digits.find((d) => d.label === 7);
  await touchStrokes(page, seven.strokes);
  await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=prediction]")]
    .every((e) => /^\d$/.test(e.textContent)), null, { timeout: 10_000 });
  assert.deepEqual(await page.evaluate(() => [scrollX, scrollY]), before, "the page did not scroll while drawing");
  const seen = await page.evaluate(() => window.__pointers);
  assert.ok(seen.includes("pointerdown:touch") && seen.includes("pointerup:touch"), seen.slice(0, 5).join());
  const moves = seen.filter((e) => e === "pointermove:touch").length;
  assert.ok(moves >= seven.strokes[0].length / 2, `${moves} touch moves reached the pad`);
  assert.ok(!seen.includes("pointercancel:touch"), "the browser did not take the touch over for scrolling");
  // The drawing is on the pad and in the 28 × 28 input; each lane's card shows an answer.
  const ink = await page.evaluate(() => {
    const d = document.querySelector("#input-preview").getContext("2d").getImageData(0, 0, 28, 28).data;
    let m = 0;
    for (let i = 0; i < d.length; i += 4) m += d[i];
    return m;
  });
  assert.ok(ink > 0, "the preview has ink");
  const answers = await page.textContent("[data-testid=answers]");
  assert.match(answers, /^Sigmoid reads \d \(\d+% sure\); ReLU reads \d \(\d+% sure\)\.$/);
  await page.screenshot({ path: path.join(ARTIFACTS, "phone-drawn.png") });

  // The same finger movement beside the pad scrolls the page: the check above can fail.
  const explain = await page.locator(".draw h2").boundingBox();
  await swipeUp(page, PHONE.width / 2, Math.min(explain.y + 20, PHONE.height - 50), 200);
  await page.waitForFunction((y) => scrollY > y + 50, before[1], { timeout: 5_000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test("on a phone a whole short race runs from taps: start, answers while racing, the winner", async () => {
  const { page, problems } = await open("?epochs=1&train=10000&target=85");
  await waitReady(page);
  await page.tap("[data-testid=start]");
  await page.waitForFunction(() => document.querySelector("[data-testid=start]").textContent === "Race again",
    null, { timeout: 60_000, polling: 200 });
  await page.locator("[data-testid=random-digit]").scrollIntoViewIfNeeded();
  await page.tap("[data-testid=random-digit]");
  await page.waitForFunction(() => /^MNIST test image/.test(document.querySelector("[data-testid=announcer]").textContent));
  assert.match(await page.textContent("#finish"), /crossed it first/);
  assert.deepEqual(problems, []);
  await page.close();
});
