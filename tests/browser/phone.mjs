// A phone in headless Chromium: a 390 × 844 touch screen (an iPhone 12–15's CSS size), and
// fingers on it through the DevTools protocol (Input.dispatchTouchEvent: real touch input, which
// the page sees as pointer events with pointerType "touch").
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./harness.mjs";

export const PHONE = { width: 390, height: 844 };

/** Debian's Chromium with one phone-like context: `{ context, close }`. */
export async function launchPhone() {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: PHONE, screen: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  return { context, close: () => browser.close() };
}

/**
 * Draws polylines (pad coordinates, 280 × 280) on the pad with one finger, touch point by touch
 * point. The pad must be on screen.
 */
export async function touchStrokes(page, strokes) {
  const box = await page.locator("[data-testid=pad]").boundingBox();
  const sx = box.width / 280, sy = box.height / 280;
  const cdp = await page.context().newCDPSession(page);
  const at = ([x, y]) => [{ x: box.x + x * sx, y: box.y + y * sy, id: 1, radiusX: 4, radiusY: 4, force: 1 }];
  for (const stroke of strokes) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(stroke[0]) });
    for (const p of stroke.slice(1)) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at(p) });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  }
  await cdp.detach();
}

/** A one-finger swipe from (x, y) upwards by `dy` CSS pixels, in viewport coordinates. */
export async function swipeUp(page, x, y, dy, steps = 10) {
  const cdp = await page.context().newCDPSession(page);
  const point = (py) => [{ x, y: py, id: 2, radiusX: 4, radiusY: 4, force: 1 }];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: point(y) });
  for (let i = 1; i <= steps; i++) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: point(y - (dy * i) / steps) });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}
