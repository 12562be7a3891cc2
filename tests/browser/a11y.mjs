// Accessibility helpers of the browser tests: axe-core (pinned in package.json, injected into the
// page from node_modules: nothing is fetched) and the keyboard's view of the page.
import fs from "node:fs";
import path from "node:path";
import { ROOT, ARTIFACTS } from "./harness.mjs";

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");

/**
 * Runs axe-core on the whole page as it is now (every rule axe runs by default: WCAG 2.0–2.2
 * A/AA and best practices). Returns `{counts: {critical, serious, moderate, minor}, violations}`
 * with each violation as "impact rule: help (targets)".
 */
export async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const counts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  const violations = [];
  for (const v of result.violations) {
    counts[v.impact] += v.nodes.length;
    const targets = v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ");
    violations.push(`${v.impact} ${v.id}: ${v.help} (${v.nodes.length}: ${targets})`);
  }
  return { counts, violations };
}

/** Adds `state: counts` to tests/artifacts/axe.json (the README's figures). */
export function recordAxe(state, counts) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, "axe.json");
  const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  all[state] = counts;
  fs.writeFileSync(file, JSON.stringify(all, null, 2));
  console.log(`# axe, ${state}: ${JSON.stringify(counts)}`);
}

/**
 * The elements the Tab key should visit, in document order: every enabled, rendered control and
 * `tabindex >= 0` element (one radio per group: the checked one, else the first), as
 * descriptors. Runs in the page.
 */
export const expectedTabStops = (page) => page.evaluate(() => {
  const selector = "a[href], button, input, select, textarea, summary, [tabindex], [contenteditable=true]";
  const describe = (e) => e.id ? `#${e.id}` : e.dataset.testid ? `[data-testid=${e.dataset.testid}]`
    : `${e.tagName.toLowerCase()}:${(e.getAttribute("aria-label") || e.textContent || "").trim().slice(0, 40)}`;
  const radios = new Set();
  const stops = [];
  for (const e of document.querySelectorAll(selector)) {
    if (e.disabled || e.tabIndex < 0 || e.closest("[inert]")) continue;
    if (e.type === "hidden" || !e.checkVisibility({ visibilityProperty: true })) continue;
    if (e.tagName === "SUMMARY" && e.parentElement.tagName !== "DETAILS") continue;
    if (e.type === "radio" && e.name) {
      if (radios.has(e.name)) continue;
      const group = [...document.querySelectorAll(`input[type=radio][name="${e.name}"]`)];
      const chosen = group.find((r) => r.checked) || group[0];
      if (e !== chosen) continue;
      radios.add(e.name);
    }
    stops.push(describe(e));
  }
  return stops;
});

/**
 * Presses Tab from the top of the page until the focus comes back round (or `max` presses), and
 * for each stop reports what a sighted keyboard user would see: its descriptor, whether
 * `:focus-visible` applies, its outline or box shadow, the contrast of that ring against what is
 * behind it, and whether it is inside the viewport.
 */
export async function tabThrough(page, max = 400) {
  // Start from the top of the document, as after loading the page: focus a throwaway element
  // placed first (blurring alone leaves the browser's starting point where the focus was).
  await page.evaluate(() => {
    const start = document.createElement("span");
    start.tabIndex = -1;
    start.id = "tab-start";
    document.body.prepend(start);
    start.focus();
    window.scrollTo(0, 0);
  });
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const describe = (e) => e.id ? `#${e.id}` : e.dataset.testid ? `[data-testid=${e.dataset.testid}]`
        : `${e.tagName.toLowerCase()}:${(e.getAttribute("aria-label") || e.textContent || "").trim().slice(0, 40)}`;
      const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
      const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
      const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)]; return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
      // The colours behind the element: the first opaque background up the tree (every colour
      // stop of a gradient).
      const behind = () => {
        for (let a = e.parentElement; a; a = a.parentElement) {
          const s = getComputedStyle(a);
          const stopsOf = s.backgroundImage.match(/rgba?\([^)]*\)/g);
          if (stopsOf) return stopsOf.map(parse);
          const c = parse(s.backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return [c];
        }
        return [[255, 255, 255]];
      };
      const s = getComputedStyle(e);
      const width = parseFloat(s.outlineWidth) || 0;
      const outline = s.outlineStyle !== "none" && width >= 2;
      const shadow = s.boxShadow !== "none";
      const ring = parse(s.outlineColor).slice(0, 3);
      const ringContrast = outline ? Math.min(...behind().map((b) => contrast(ring, b.slice(0, 3)))) : null;
      const r = e.getBoundingClientRect();
      const inView = r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
      return {
        id: describe(e), focusVisible: e.matches(":focus-visible"), outline, shadow, width,
        ringContrast, inView, tabIndex: e.tabIndex,
      };
    });
    if (i === 0) await page.evaluate(() => document.getElementById("tab-start")?.remove());
    if (stop === null || (stops.length > 0 && stop.id === stops[0].id)) break;
    stops.push(stop);
  }
  return stops;
}
