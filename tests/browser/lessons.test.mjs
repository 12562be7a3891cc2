// The Lessons panel in a real browser: every lesson opens from its link (an address, so the back
// button works), runs (shortened: fewer training images, one epoch — the lesson's defining
// settings unchanged) and shows a verdict that equals the one recomputed from the page's reports
// and quotes each lane's test accuracy as computed here from `race_reports()`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, screenshot, waitReady, reports, useBrowser } from "./harness.mjs";

const shared = useBrowser();

const LESSONS = [
  "fair-race", "vanishing-gradients", "initialisation", "dead-relu",
  "learning-rates", "best-rates", "modern-activations",
];
// Short runs: the training set and the epochs may change, a lesson stays a lesson.
const SHORT = "&train=1500&epochs=1&reports=4";

const verdictText = (page) => page.textContent("[data-testid=lesson-verdict]");

test("every lesson opens from its link, runs and shows the verdict its reports give", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url);
  await waitReady(page);
  assert.equal(await page.isVisible("[data-testid=lesson-current]"), false, "no lesson on the plain page");
  for (const id of LESSONS) {
    const t0 = Date.now();
    await page.click(`[data-testid=lesson-${id}]`);
    await page.waitForURL((u) => u.search.startsWith(`?lesson=${id}&`));
    await waitReady(page);
    assert.equal(await page.getAttribute(`[data-testid=lesson-${id}]`, "aria-current"), "page");
    assert.ok((await page.textContent("[data-testid=lesson-question]")).length > 20);
    assert.match(await verdictText(page), /Guess, then press Start race/);
    // The lesson's own address, shortened.
    await page.goto(page.url() + SHORT);
    await waitReady(page);
    assert.match(page.url(), new RegExp(`\\?lesson=${id}&.*train=1500`), "still the lesson, shortened");
    assert.equal(await page.isVisible("#notices"), false, "no notices");
    await page.click("[data-testid=start]");
    await page.waitForSelector("#lesson-verdict.judged", { timeout: 120_000 });
    const shown = await verdictText(page);
    const recomputed = await page.evaluate(() => window.wasmBindings.lesson_verdict());
    assert.equal(shown, recomputed, `${id}: the verdict shown is the one the reports give`);
    const lanes = await reports(page);
    for (const lane of lanes) {
      const last = lane.epochs.at(-1);
      assert.ok(last, `${id}: lane ${lane.lane} finished an epoch`);
      const pct = (100 * last.test_accuracy).toFixed(1) + "%";
      assert.ok(shown.includes(pct), `${id}: the verdict quotes lane ${lane.lane}'s test accuracy ${pct}: ${shown}`);
    }
    // Figures each lesson is about, recomputed here from the reports.
    const lastInterval = (l) => l.intervals.at(-1);
    if (id === "dead-relu") {
      const dead = (100 * lastInterval(lanes[0]).dead_fraction[0]).toFixed(1) + "%";
      assert.ok(shown.includes(`ReLU: ${dead} of the first layer's units dead`), shown);
    }
    if (id === "learning-rates" || id === "modern-activations") {
      const best = [...lanes].sort((a, b) => lastInterval(b).val_accuracy - lastInterval(a).val_accuracy)[0];
      assert.ok(shown.includes(`best first: `) && shown.includes((100 * lastInterval(best).val_accuracy).toFixed(1) + "%"), shown);
    }
    if (id === "fair-race" || id === "best-rates") {
      assert.match(shown, /(crossed|never reached) \d+\.\d%/);
    }
    const announced = await page.textContent("[data-testid=announcer]");
    assert.ok(announced === shown || announced.startsWith("The race is over"), `announced: ${announced}`);
    console.log(`# ${id}: ${((Date.now() - t0) / 1000).toFixed(1)} s — ${shown}`);
    if (id === "dead-relu") await screenshot(page, "lesson-dead-relu");
    // Back to the page the next link is clicked on.
    await page.goBack();
    await page.waitForURL((u) => u.search.startsWith(`?lesson=${id}&`) && !u.search.includes("train=1500"));
    // Let the page's workers finish loading before the next link leaves it.
    await waitReady(page);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("a lesson for a class hides the settings, a button shows them; a garbled lesson gives a notice", async () => {
  const { page, problems } = await openPage(shared.browser.context, shared.server.url + "?lesson=vanishing-gradients&class=1");
  await waitReady(page);
  assert.equal(await page.isVisible("#settings-panel"), false, "the settings are hidden");
  assert.equal(await page.textContent("[data-testid=lesson-current] h3"), "Deep nets and vanishing gradients");
  const toggle = page.locator("[data-testid=toggle-settings]");
  assert.equal(await toggle.textContent(), "Show the settings");
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  // The other lessons' links keep the class's flag.
  assert.match(await page.getAttribute("[data-testid=lesson-dead-relu]", "href"), /^\?lesson=dead-relu&class=1&/);
  await toggle.click();
  assert.equal(await page.isVisible("#settings-panel"), true);
  assert.equal(await page.inputValue("#hidden"), "128,128,128,128,128");
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  assert.ok(!page.url().includes("class=1"), page.url());
  // Changing what the lesson is about leaves the lesson.
  await page.fill("#hidden", "128,64");
  await page.press("#hidden", "Enter");
  await page.locator("#hidden").blur();
  await page.waitForFunction(() => document.querySelector("[data-testid=lesson-current]").hidden);
  assert.ok(!page.url().includes("lesson="), page.url());
  await page.goto(shared.server.url + "?lesson=nonsense&class=maybe");
  await waitReady(page);
  const notices = await page.textContent("#notices");
  assert.match(notices, /'lesson=nonsense' was refused \(the lessons are fair-race/);
  assert.match(notices, /'class=maybe' was refused/);
  assert.equal(await page.isVisible("#settings-panel"), true);
  assert.deepEqual(problems, []);
  await page.close();
});
