//! The charts' painter for HTML canvases: the Canvas 2D context, with text measured by the
//! canvas's own `measureText`. The charts themselves are in `crate::charts`.

use super::dom::log_failure;
use crate::charts::{Anchor, Chart, Color, Font, HAlign, LaneSeries, Painter, Rect, Stroke};
use crate::charts::{TextMeasure, VAlign};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Draws `chart` of `lanes` on `canvas` (sized in device pixels, e.g. with
/// [`crate::charts::canvas_pixels`]) at device pixel ratio `dpr`. Returns the plot rectangle,
/// or `None` when the canvas is too small for a chart (it is then cleared).
pub fn draw(
    canvas: &HtmlCanvasElement,
    chart: Chart,
    lanes: &[LaneSeries<'_>],
    target: f32,
    dpr: f64,
) -> Result<Option<Rect>, String> {
    let mut painter = CanvasPainter::new(canvas)?;
    Ok(chart.draw(&mut painter, lanes, target, dpr))
}

/// A [`Painter`] on a canvas's 2D context.
pub struct CanvasPainter {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    /// The context's current font: setting it makes the browser parse CSS, so only on change.
    font: RefCell<String>,
    clipped: bool,
    /// An off-screen canvas for cell grids, made on first use.
    scratch: Option<HtmlCanvasElement>,
}

impl CanvasPainter {
    pub fn new(canvas: &HtmlCanvasElement) -> Result<CanvasPainter, String> {
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .map_err(|e| format!("no 2D context: {e:?}"))?
            .ok_or("the canvas has no 2D context")?
            .dyn_into()
            .map_err(|_| "the canvas context is not 2D".to_string())?;
        ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
            .map_err(|e| format!("cannot reset the canvas transform: {e:?}"))?;
        ctx.set_line_join("round");
        ctx.set_line_cap("round");
        ctx.set_global_alpha(1.0);
        Ok(CanvasPainter {
            canvas: canvas.clone(),
            ctx,
            font: RefCell::new(String::new()),
            clipped: false,
            scratch: None,
        })
    }

    fn set_font(&self, font: &Font) {
        let css = font.css();
        let mut current = self.font.borrow_mut();
        if *current != css {
            self.ctx.set_font(&css);
            *current = css;
        }
    }

    fn set_stroke(&self, s: &Stroke) {
        self.ctx.set_stroke_style_str(&s.color.css());
        self.ctx.set_line_width(s.width);
        let dash = match s.dash {
            Some((a, b)) => js_sys::Array::of2(&a.into(), &b.into()),
            None => js_sys::Array::new(),
        };
        // Only fails for non-finite lengths, which then draw solid.
        log_failure(self.ctx.set_line_dash(&dash), "a dash pattern");
    }

    fn path(&self, pts: &[(f64, f64)]) {
        self.ctx.begin_path();
        self.ctx.move_to(pts[0].0, pts[0].1);
        for &(x, y) in &pts[1..] {
            self.ctx.line_to(x, y);
        }
    }

    fn scratch(&mut self, w: u32, h: u32) -> Option<HtmlCanvasElement> {
        if self.scratch.is_none() {
            self.scratch = self
                .canvas
                .owner_document()?
                .create_element("canvas")
                .ok()?
                .dyn_into()
                .ok();
        }
        let c = self.scratch.clone()?;
        c.set_width(w);
        c.set_height(h);
        Some(c)
    }
}

thread_local! {
    /// Text widths by (CSS font, text). The charts lay out the same tick labels, legends and
    /// titles at every redraw (up to four times a second per chart while racing), and each
    /// `measureText` is a call into the browser's text shaping; the page's fonts are the
    /// system's, so a width never changes once measured.
    static TEXT_WIDTHS: RefCell<HashMap<(String, String), f64>> = RefCell::new(HashMap::new());
}

/// Enough for every label of every chart at a few sizes; past it the cache starts over (tick
/// labels of a long race keep changing, so it would otherwise grow without end).
const TEXT_WIDTHS_KEPT: usize = 4096;

impl TextMeasure for CanvasPainter {
    fn text_width(&self, text: &str, font: &Font) -> f64 {
        let key = (font.css(), text.to_string());
        if let Some(w) = TEXT_WIDTHS.with_borrow(|c| c.get(&key).copied()) {
            return w;
        }
        self.set_font(font);
        let Ok(metrics) = self.ctx.measure_text(text) else {
            return text.chars().count() as f64 * font.size * 0.55;
        };
        let width = metrics.width();
        TEXT_WIDTHS.with_borrow_mut(|c| {
            if c.len() >= TEXT_WIDTHS_KEPT {
                c.clear();
            }
            c.insert(key, width);
        });
        width
    }
}

fn finite(pts: &[(f64, f64)]) -> bool {
    crate::charts::painter::all_finite(pts)
}

impl Painter for CanvasPainter {
    fn size(&self) -> (f64, f64) {
        (
            f64::from(self.canvas.width()),
            f64::from(self.canvas.height()),
        )
    }

    fn fill(&mut self, color: Color) {
        let (w, h) = self.size();
        self.ctx.clear_rect(0.0, 0.0, w, h);
        self.ctx.set_fill_style_str(&color.css());
        self.ctx.fill_rect(0.0, 0.0, w, h);
    }

    fn polyline(&mut self, pts: &[(f64, f64)], stroke: &Stroke) {
        if pts.len() < 2 || !finite(pts) {
            return;
        }
        self.set_stroke(stroke);
        self.path(pts);
        self.ctx.stroke();
    }

    fn polygon(&mut self, pts: &[(f64, f64)], fill: Color) {
        if pts.len() < 3 || !finite(pts) {
            return;
        }
        self.ctx.set_fill_style_str(&fill.css());
        self.path(pts);
        self.ctx.close_path();
        self.ctx.fill();
    }

    fn rect(&mut self, r: Rect, fill: Color) {
        if !r.is_finite() {
            return;
        }
        self.ctx.set_fill_style_str(&fill.css());
        self.ctx.fill_rect(r.left, r.top, r.width(), r.height());
    }

    fn circle(&mut self, c: (f64, f64), radius: f64, fill: Option<Color>, stroke: Option<&Stroke>) {
        if !finite(&[c]) || radius.is_nan() || radius <= 0.0 {
            return;
        }
        self.ctx.begin_path();
        // Only fails for a negative radius, excluded above.
        log_failure(
            self.ctx.arc(c.0, c.1, radius, 0.0, std::f64::consts::TAU),
            "a circle",
        );
        if let Some(f) = fill {
            self.ctx.set_fill_style_str(&f.css());
            self.ctx.fill();
        }
        if let Some(s) = stroke {
            self.set_stroke(s);
            self.ctx.stroke();
        }
    }

    fn text(&mut self, text: &str, at: (f64, f64), font: &Font, anchor: Anchor, color: Color) {
        if text.is_empty() || !finite(&[at]) {
            return;
        }
        self.set_font(font);
        self.ctx.set_text_align(match anchor.h {
            HAlign::Left => "left",
            HAlign::Center => "center",
            HAlign::Right => "right",
        });
        self.ctx.set_text_baseline(match anchor.v {
            VAlign::Top => "top",
            VAlign::Middle => "middle",
            VAlign::Bottom => "bottom",
        });
        self.ctx.set_fill_style_str(&color.css());
        // Fails only for non-finite coordinates, excluded above.
        log_failure(self.ctx.fill_text(text, at.0, at.1), "a text");
    }

    fn cells(&mut self, r: Rect, cols: usize, rows: usize, colors: &[Color]) {
        if cols == 0 || rows == 0 || colors.len() != cols * rows || !r.is_finite() {
            return;
        }
        let rgba: Vec<u8> = colors
            .iter()
            .flat_map(|c| [c.r, c.g, c.b, (c.a.clamp(0.0, 1.0) * 255.0).round() as u8])
            .collect();
        // The cells as a cols × rows image, scaled up without smoothing: one drawImage call
        // however many cells (a layer of 28×28 weight images is ~100k of them).
        let (w, h) = (cols as u32, rows as u32);
        let Ok(image) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), w, h) else {
            return;
        };
        let Some(scratch) = self.scratch(w, h) else {
            return;
        };
        let Some(sctx) = scratch
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        if sctx.put_image_data(&image, 0.0, 0.0).is_err() {
            return;
        }
        self.ctx.set_image_smoothing_enabled(false);
        log_failure(
            self.ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
                &scratch,
                r.left,
                r.top,
                r.width(),
                r.height(),
            ),
            "a cell grid",
        );
        self.ctx.set_image_smoothing_enabled(true);
    }

    fn clip(&mut self, r: Option<Rect>) {
        if self.clipped {
            self.ctx.restore();
            self.clipped = false;
            // restore() brings back the font saved with the state.
            self.font.borrow_mut().clear();
        }
        if let Some(r) = r.filter(Rect::is_finite) {
            self.ctx.save();
            self.ctx.begin_path();
            self.ctx.rect(r.left, r.top, r.width(), r.height());
            self.ctx.clip();
            self.clipped = true;
        }
    }
}

impl Drop for CanvasPainter {
    fn drop(&mut self) {
        // Leave the context as found: no clip saved on its state stack.
        self.clip(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::fixtures::{
        EMPTY, RELU, Reports, SIGMOID, WILD, lane_reports, lanes, largest_race, race,
    };
    use crate::charts::{SvgPainter, canvas_pixels};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn canvas(width: u32, height: u32) -> HtmlCanvasElement {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .expect("a document");
        let canvas: HtmlCanvasElement = document
            .create_element("canvas")
            .expect("a canvas")
            .dyn_into()
            .expect("an HtmlCanvasElement");
        canvas.set_width(width);
        canvas.set_height(height);
        canvas
    }

    fn pixels(canvas: &HtmlCanvasElement, r: Rect) -> Vec<u8> {
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .expect("context")
            .expect("2d")
            .dyn_into()
            .expect("2d context");
        let (x, y) = (r.left.floor(), r.top.floor());
        ctx.get_image_data(x, y, r.right.ceil() - x, r.bottom.ceil() - y)
            .expect("image data")
            .data()
            .to_vec()
    }

    fn pixel(canvas: &HtmlCanvasElement, x: f64, y: f64) -> [u8; 4] {
        let p = pixels(canvas, Rect::new(x, y, x + 1.0, y + 1.0));
        [p[0], p[1], p[2], p[3]]
    }

    /// Pixels within `rect` whose colour is within 2 of `color` on every channel.
    fn count_colour(canvas: &HtmlCanvasElement, rect: Rect, color: (u8, u8, u8)) -> usize {
        let near = |a: u8, b: u8| a.abs_diff(b) <= 2;
        pixels(canvas, rect)
            .chunks_exact(4)
            .filter(|p| near(p[0], color.0) && near(p[1], color.1) && near(p[2], color.2))
            .count()
    }

    fn whole(canvas: &HtmlCanvasElement) -> Rect {
        Rect::new(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        )
    }

    fn dark_pixels(canvas: &HtmlCanvasElement, r: Rect) -> usize {
        pixels(canvas, r)
            .chunks_exact(4)
            .filter(|p| p[0] < 160 && p[1] < 160 && p[2] < 160)
            .count()
    }

    /// Rows of `r` with ink darker than the grid lines: the height of the text drawn there.
    /// (Small antialiased text is pale: a dark threshold would miss most of it.)
    fn ink_rows(canvas: &HtmlCanvasElement, r: Rect) -> usize {
        let width = (r.right.ceil() - r.left.floor()) as usize;
        pixels(canvas, r)
            .chunks_exact(width * 4)
            .filter(|row| row.chunks_exact(4).any(|p| p[0].min(p[1]).min(p[2]) < 200))
            .count()
    }

    #[wasm_bindgen_test]
    fn every_chart_draws_each_reporting_lane_in_its_colour() {
        let data = race(6, 20);
        let lanes = lanes(&data);
        for chart in Chart::ALL {
            let c = canvas(640, 360);
            let rect = draw(&c, chart, &lanes, 0.97, 1.0)
                .unwrap_or_else(|e| panic!("{chart:?}: {e}"))
                .unwrap_or_else(|| panic!("{chart:?}: canvas judged too small"));
            for (colour, lane) in [(SIGMOID, "Sigmoid"), (RELU, "ReLU"), (WILD, "diverged")] {
                let n = count_colour(&c, rect, colour);
                assert!(
                    n >= 10,
                    "{chart:?}: only {n} pixels of the {lane} lane's colour"
                );
            }
            // The lane without reports is in the legend only, not in the plot.
            assert_eq!(
                count_colour(&c, rect, EMPTY),
                0,
                "{chart:?}: the empty lane was drawn"
            );
        }
    }

    #[wasm_bindgen_test]
    fn empty_charts_draw_cleanly() {
        let data = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
        let waiting = lanes(&data);
        for chart in Chart::ALL {
            for lanes in [&waiting[..], &[]] {
                let c = canvas(480, 270);
                let rect = draw(&c, chart, lanes, 0.97, 1.0)
                    .unwrap_or_else(|e| panic!("{chart:?}: {e}"))
                    .unwrap_or_else(|| panic!("{chart:?}: canvas judged too small"));
                // Tick labels and the hint were drawn, and no lane's colour in the plot.
                assert!(dark_pixels(&c, whole(&c)) > 200, "{chart:?}: blank");
                assert_eq!(count_colour(&c, rect, SIGMOID), 0, "{chart:?}");
            }
        }
    }

    #[wasm_bindgen_test]
    fn non_finite_and_degenerate_data_never_fail() {
        // A lane that diverged at once: every value NaN or infinite.
        let mut bad = lane_reports(0, Activation::Sigmoid, 1, 5, 1.0, None);
        for r in &mut bad.0 {
            r.train_loss = f32::NAN;
            r.val_accuracy = f32::INFINITY;
            r.epochs_done = f64::NAN;
            r.grad_norms = vec![f32::NAN, f32::NEG_INFINITY];
            r.dead_fraction = vec![f32::NAN];
            r.saturated_fraction = vec![];
        }
        // A lane with a single report, zero losses and zero gradients.
        let mut one = lane_reports(1, Activation::Relu, 1, 1, 1.0, None);
        one.0[0].train_loss = 0.0;
        one.0[0].grad_norms = vec![0.0, 0.0, 0.0];
        one.1[0].grad_norms = vec![0.0, 1e-30, 5.0];
        let data = [bad, one];
        let lanes = lanes(&data);
        for chart in Chart::ALL {
            let c = canvas(500, 300);
            for target in [f32::NAN, 0.0, 1.5, 1.0, 0.97] {
                for dpr in [f64::NAN, 0.0, 0.3, 1.0, 7.0] {
                    draw(&c, chart, &lanes, target, dpr)
                        .unwrap_or_else(|e| panic!("{chart:?}: {e}"));
                }
            }
        }
        // Canvases too small (or hidden) to hold a chart are cleared, not an error.
        for (w, h) in [(0, 0), (1, 1), (100, 40)] {
            for chart in Chart::ALL {
                let c = canvas(w, h);
                let drawn = draw(&c, chart, &lanes, 0.97, 1.0).expect("no error");
                assert!(drawn.is_none(), "{chart:?} on {w}×{h}");
            }
        }
    }

    #[wasm_bindgen_test]
    fn text_keeps_its_css_size_below_100_percent_zoom() {
        // The same 600 × 300 CSS px chart at ratio 1 and 0.5 (browser zoom 50%): the canvas has
        // half the pixels each way, and the hint's ink is half as many pixel rows tall, i.e. the
        // same CSS height.
        let mut heights = Vec::new();
        for dpr in [1.0, 0.5] {
            let (w, h) = canvas_pixels(600.0, 300.0, dpr);
            let c = canvas(w, h);
            let plot = draw(&c, Chart::Loss, &[], 0.97, dpr)
                .expect("drawn")
                .expect("room");
            let band = Rect::new(
                plot.left + plot.width() * 0.3,
                plot.top + plot.height() * 0.3,
                plot.right - plot.width() * 0.3,
                plot.bottom - plot.height() * 0.3,
            );
            heights.push(ink_rows(&c, band) as f64 / dpr);
        }
        assert!(heights[0] >= 8.0, "the hint is {} CSS px tall", heights[0]);
        assert!(
            (heights[1] - heights[0]).abs() <= 2.0 / 0.5,
            "hint ink {} CSS px tall at 50% zoom vs {} at 100%",
            heights[1],
            heights[0]
        );
    }

    #[wasm_bindgen_test]
    fn canvas_text_widths_follow_the_font_and_svg_estimates_are_close() {
        let c = canvas(10, 10);
        let p = CanvasPainter::new(&c).expect("painter");
        let font = |size: f64| Font {
            family: crate::charts::theme::FONT,
            size,
            italic: false,
        };
        let text = "ReLU (lr 0.01) · L1/L4 = 0.0067";
        let (small, big) = (
            p.text_width(text, &font(11.0)),
            p.text_width(text, &font(22.0)),
        );
        assert!(
            small > 50.0 && (big / small - 2.0).abs() < 0.1,
            "{small} {big}"
        );
        let estimate = SvgPainter::new(1.0, 1.0).text_width(text, &font(11.0));
        wasm_bindgen_test::console_log!(
            "text width: measured {small:.1}, SVG estimate {estimate:.1}"
        );
        assert!(
            (estimate / small - 1.0).abs() < 0.25,
            "SVG estimate {estimate} vs measured {small}"
        );
    }

    #[wasm_bindgen_test]
    fn primitives_paint_where_asked() {
        let c = canvas(100, 100);
        let mut p = CanvasPainter::new(&c).expect("painter");
        let red = Color::rgb(255, 0, 0);
        let blue = Color::rgb(0, 0, 255);
        p.fill(Color::rgb(255, 255, 255));
        // A filled triangle over the top-left corner.
        p.polygon(&[(0.0, 0.0), (40.0, 0.0), (0.0, 40.0)], red);
        assert_eq!(pixel(&c, 5.0, 5.0), [255, 0, 0, 255]);
        assert_eq!(pixel(&c, 35.0, 35.0), [255, 255, 255, 255]);
        // A 2 × 2 cell grid scaled to 20 × 20 px, hard-edged.
        let cells = [red, blue, blue.alpha(0.0), Color::rgb(0, 255, 0)];
        p.cells(Rect::new(60.0, 60.0, 80.0, 80.0), 2, 2, &cells);
        assert_eq!(pixel(&c, 61.0, 61.0), [255, 0, 0, 255]);
        assert_eq!(pixel(&c, 69.0, 61.0), [255, 0, 0, 255]);
        assert_eq!(pixel(&c, 71.0, 61.0), [0, 0, 255, 255]);
        assert_eq!(
            pixel(&c, 61.0, 71.0),
            [255, 255, 255, 255],
            "transparent cell"
        );
        assert_eq!(pixel(&c, 79.0, 79.0), [0, 255, 0, 255]);
        // A clipped line stops at the clip; a rect and a circle.
        p.clip(Some(Rect::new(0.0, 50.0, 30.0, 60.0)));
        p.polyline(&[(0.0, 55.0), (100.0, 55.0)], &Stroke::new(blue, 4.0));
        p.clip(None);
        assert_eq!(pixel(&c, 20.0, 55.0), [0, 0, 255, 255]);
        assert_eq!(pixel(&c, 40.0, 55.0), [255, 255, 255, 255]);
        p.rect(Rect::new(40.0, 80.0, 50.0, 90.0), blue);
        assert_eq!(pixel(&c, 45.0, 85.0), [0, 0, 255, 255]);
        p.circle((90.0, 10.0), 5.0, Some(red), None);
        assert_eq!(pixel(&c, 90.0, 10.0), [255, 0, 0, 255]);
        // A dashed line leaves gaps.
        p.polyline(
            &[(0.0, 95.5), (40.0, 95.5)],
            &Stroke::new(blue, 1.0).dashed(5.0, 5.0),
        );
        let row = pixels(&c, Rect::new(0.0, 95.0, 40.0, 96.0));
        let inked = row.chunks_exact(4).filter(|p| p[0] < 128).count();
        assert!((10..=30).contains(&inked), "{inked} of 40 pixels dashed");
    }

    #[wasm_bindgen_test]
    fn a_long_race_redraws_within_a_frame() {
        // The largest race: 4 lanes × 100 epochs × 20 reports, on a HiDPI-sized canvas.
        let data: Vec<Reports> = largest_race();
        let lanes = lanes(&data);
        let perf = web_sys::window()
            .and_then(|w| w.performance())
            .expect("performance");
        let c = canvas(920, 500);
        let mut times = Vec::new();
        for chart in Chart::ALL {
            draw(&c, chart, &lanes, 0.97, 2.0).expect("drawn"); // warm-up
            // The fastest of a few runs: the test machine may be busy with other work.
            let mut best = f64::INFINITY;
            for _ in 0..7 {
                let start = perf.now();
                draw(&c, chart, &lanes, 0.97, 2.0).expect("drawn");
                best = best.min(perf.now() - start);
            }
            times.push((chart.name(), best));
        }
        let total: f64 = times.iter().map(|t| t.1).sum();
        wasm_bindgen_test::console_log!("chart draw times (ms): {times:?}, all four: {total:.2}");
        // Generous bound for slow CI machines; typically a few milliseconds.
        assert!(total < 100.0, "drawing all four charts took {total:.1} ms");
    }

    /// Not a check: logs each chart as a PNG data URL for looking at them
    /// (`cargo test --target wasm32-unknown-unknown --lib canvas::tests::preview -- --include-ignored --nocapture`).
    #[wasm_bindgen_test]
    #[ignore]
    fn preview() {
        let data = race(6, 20);
        let all = lanes(&data);
        let two = lanes(&data[..2]);
        let nothing = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
        let empty = lanes(&nothing);
        let long_data = race(40, 20);
        let long = lanes(&long_data[..2]);
        for (set, lanes) in [
            ("long", &long[..]),
            ("race", &all[..]),
            ("two", &two[..]),
            ("empty", &empty[..]),
        ] {
            for (w, h, dpr) in [(460.0, 250.0, 2.0), (720.0, 300.0, 1.0)] {
                for chart in Chart::ALL {
                    let (cw, ch) = canvas_pixels(w, h, dpr);
                    let c = canvas(cw, ch);
                    draw(&c, chart, lanes, 0.97, dpr).expect("drawn");
                    let url = c.to_data_url().expect("data url");
                    let name = chart.name();
                    wasm_bindgen_test::console_log!("PREVIEW {set}-{name}-{w}x{h}@{dpr} {url}");
                }
            }
        }
    }
}
