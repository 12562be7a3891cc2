//! The page's four live charts, drawn with plotters on HTML canvases.
//!
//! Every chart shares one look: white background, light grey grid, #333 system-ui text, no title
//! (the page's HTML has it), a legend band on top that wraps to the canvas width, and axis names
//! written horizontally ("↑ loss" above the y axis, "epochs →" under the x axis). Everything is
//! drawn in device pixels: the page sizes `canvas.width` to CSS width × devicePixelRatio, and
//! fonts and line widths here are CSS sizes scaled by that ratio.
//!
//! Choices: x is progress in epochs (what learners count in; the axis name says how many images an
//! epoch is), growing a whole epoch at a time. Per-report lines are drawn thin and pale under a
//! lightly smoothed line (centred, ±5 CSS px) so report noise doesn't hide the trend. Accuracy
//! uses an axis stretched toward 100% (−log10 of the error rate, labelled in %): the race is
//! decided in the last few percent.
//!
//! Robustness: a lane without reports is listed in the legend as "waiting"; a chart with no data
//! at all draws its axes and a centred "waiting for the first report". Non-finite values (a
//! diverged lane) are skipped and break the line; a diverged lane's blow-up is cut at half a
//! decade (loss) or a decade (gradients) above the healthy lanes, so it can't flatten them. Log
//! axes put zero and below on the bottom edge. Long runs are thinned to at most two points per
//! CSS pixel column before drawing.
//!
//! Text is measured with the canvas's own `measureText` (plotters' legend and multi-line text
//! would measure by inserting DOM elements, which forces a page layout per label).

use crate::activation::Activation;
use crate::report::{EpochReport, IntervalReport};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// One lane's data for the charts.
pub struct LaneSeries<'a> {
    /// Shown in the legend, e.g. "Sigmoid" or "ReLU (lr 0.01)".
    pub label: String,
    /// The lane's colour (the page picks a colour-blind-safe palette).
    pub color: (u8, u8, u8),
    pub intervals: &'a [IntervalReport],
    pub epochs: &'a [EpochReport],
}

/// Training loss against epochs, log-scale y. All lanes overlaid.
pub fn draw_loss(canvas: &HtmlCanvasElement, lanes: &[LaneSeries]) -> Result<(), String> {
    draw_loss_at(canvas, lanes, device_pixel_ratio()).map(drop)
}

/// Validation accuracy (%) against epochs, with the target (a fraction in (0, 1]) as a dashed
/// finish line.
pub fn draw_accuracy(
    canvas: &HtmlCanvasElement,
    lanes: &[LaneSeries],
    target: f32,
) -> Result<(), String> {
    draw_accuracy_at(canvas, lanes, target, device_pixel_ratio()).map(drop)
}

/// Gradient flow: each layer's weight-gradient L2 norm (log scale) from the input side (L1) to
/// the output layer; bold for the latest report, faint for earlier epochs.
pub fn draw_gradients(canvas: &HtmlCanvasElement, lanes: &[LaneSeries]) -> Result<(), String> {
    draw_gradients_at(canvas, lanes, device_pixel_ratio()).map(drop)
}

/// Dead and saturated (inactive) units per hidden layer, latest report, as grouped bars.
pub fn draw_units(canvas: &HtmlCanvasElement, lanes: &[LaneSeries]) -> Result<(), String> {
    draw_units_at(canvas, lanes, device_pixel_ratio()).map(drop)
}

// ---------------------------------------------------------------------------------------------
// Theme

const FONT: &str = "system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif";
const BACKGROUND: RGBColor = RGBColor(0xff, 0xff, 0xff);
const GRID: RGBColor = RGBColor(0xe8, 0xe8, 0xee);
const GRID_MINOR: RGBColor = RGBColor(0xf4, 0xf4, 0xf7);
const AXIS: RGBColor = RGBColor(0xb4, 0xb7, 0xc4);
const TEXT: RGBColor = RGBColor(0x33, 0x33, 0x33);
const MUTED: RGBColor = RGBColor(0x6b, 0x6f, 0x7d);
const WAITING: &str = "waiting for the first report";

/// CSS pixel sizes, scaled by the device pixel ratio when drawn.
const PAD: f64 = 8.0;
const TICK_FONT: f64 = 11.0;
const LEGEND_FONT: f64 = 11.5;
const NOTE_FONT: f64 = 10.5;
const LINE_WIDTH: f64 = 2.0;

fn device_pixel_ratio() -> f64 {
    web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .filter(|r| r.is_finite() && *r > 0.0)
        .unwrap_or(1.0)
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("chart drawing failed: {e:?}")
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// `c` at `opacity` over white, as an opaque colour (so overlapping faint shapes don't darken).
fn tint(c: RGBColor, opacity: f64) -> RGBColor {
    let f = |v: u8| (255.0 - (255.0 - f64::from(v)) * opacity).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// `c` darkened to `factor` of its brightness (for text in a lane's colour over its pale tint).
fn shade(c: RGBColor, factor: f64) -> RGBColor {
    let f = |v: u8| (f64::from(v) * factor).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Plot rectangle in device pixels (returned for tests).
#[derive(Clone, Copy, Debug)]
struct PlotRect {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

type Area = DrawingArea<CanvasBackend, Shift>;
type Coords = Cartesian2d<RangedCoordf64, RangedCoordf64>;
type Chart<'a> = ChartContext<'a, CanvasBackend, Coords>;

/// A canvas ready to draw on, with its 2D context for measuring text.
struct Surface {
    ctx: CanvasRenderingContext2d,
    root: Area,
    width: i32,
    height: i32,
    dpr: f64,
}

impl Surface {
    /// `None` when the canvas is too small to hold a chart (e.g. hidden); it is then cleared.
    fn open(canvas: &HtmlCanvasElement, dpr: f64) -> Result<Option<Surface>, String> {
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .map_err(err)?
            .ok_or("the canvas has no 2D context")?
            .dyn_into()
            .map_err(|_| "the canvas context is not 2D".to_string())?;
        ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
            .map_err(err)?;
        ctx.set_line_join("round");
        ctx.set_line_cap("round");
        ctx.set_global_alpha(1.0);
        let (width, height) = (canvas.width() as i32, canvas.height() as i32);
        let dpr = if dpr.is_finite() && dpr > 0.0 {
            dpr
        } else {
            1.0
        };
        let backend = CanvasBackend::with_canvas_object(canvas.clone())
            .ok_or("the canvas cannot be drawn on")?;
        let root = backend.into_drawing_area();
        root.fill(&BACKGROUND).map_err(err)?;
        if f64::from(width) < 120.0 * dpr || f64::from(height) < 90.0 * dpr {
            return Ok(None);
        }
        Ok(Some(Surface {
            ctx,
            root,
            width,
            height,
            dpr,
        }))
    }

    /// CSS pixels to device pixels.
    fn px(&self, css: f64) -> i32 {
        (css * self.dpr).round() as i32
    }

    /// A line width in device pixels (at least 1).
    fn stroke(&self, css: f64) -> u32 {
        (css * self.dpr).round().max(1.0) as u32
    }

    fn font(&self, css_size: f64, color: RGBColor) -> TextStyle<'static> {
        (FontFamily::Name(FONT), css_size * self.dpr)
            .into_font()
            .color(&color)
    }

    fn text_width(&self, text: &str, css_size: f64) -> i32 {
        let size = css_size * self.dpr;
        self.ctx.set_font(&format!("normal {size}px {FONT}"));
        self.ctx
            .measure_text(text)
            .map(|m| m.width())
            .unwrap_or(text.chars().count() as f64 * size * 0.55)
            .ceil() as i32
    }

    fn text(
        &self,
        text: &str,
        (x, y): (i32, i32),
        style: &TextStyle,
        h: HPos,
        v: VPos,
    ) -> Result<(), String> {
        self.root
            .draw(&Text::new(
                text.to_string(),
                (x, y),
                style.pos(Pos::new(h, v)),
            ))
            .map_err(err)
    }

    fn hline(&self, x0: i32, x1: i32, y: i32, style: ShapeStyle) -> Result<(), String> {
        self.root
            .draw(&PathElement::new(vec![(x0, y), (x1, y)], style))
            .map_err(err)
    }

    fn vline(&self, x: i32, y0: i32, y1: i32, style: ShapeStyle) -> Result<(), String> {
        self.root
            .draw(&PathElement::new(vec![(x, y0), (x, y1)], style))
            .map_err(err)
    }
}

// ---------------------------------------------------------------------------------------------
// Legend: a band above the plot that wraps entries to the width of the canvas.

#[derive(Clone, Copy)]
enum Swatch {
    /// A lane's line.
    Line(RGBColor),
    /// A line with a dot on it.
    LineDot(RGBColor),
    /// A single dot.
    Dot(RGBColor),
    /// Thin, pale lines.
    Faint(RGBColor),
    /// A pale bar with a solid bar inside.
    Bars(RGBColor),
}

struct Entry {
    swatch: Swatch,
    label: String,
    /// Muted text after the label: a value or a status.
    note: String,
}

#[derive(Default)]
struct Legend {
    entries: Vec<Entry>,
    /// Explanations, in small muted text under the entries (wrapped).
    notes: Vec<String>,
}

struct LegendLayout {
    /// Position (top-left) of each entry.
    entries: Vec<(i32, i32)>,
    /// Wrapped note lines and their top y.
    notes: Vec<(String, i32)>,
    height: i32,
}

const SWATCH_W: f64 = 18.0;
const SWATCH_GAP: f64 = 5.0;
const ENTRY_GAP: f64 = 14.0;
const LEGEND_LINE: f64 = 16.0;
const NOTE_LINE: f64 = 14.0;

impl Legend {
    fn entry_width(&self, s: &Surface, e: &Entry) -> i32 {
        let mut w = s.px(SWATCH_W + SWATCH_GAP) + s.text_width(&e.label, LEGEND_FONT);
        if !e.note.is_empty() {
            w += s.text_width(" ", LEGEND_FONT) + s.text_width(&e.note, LEGEND_FONT);
        }
        w
    }

    fn layout(&self, s: &Surface, x0: i32, y0: i32, max_width: i32) -> LegendLayout {
        let mut entries = Vec::with_capacity(self.entries.len());
        let (mut x, mut y) = (x0, y0);
        let line = s.px(LEGEND_LINE);
        for e in &self.entries {
            let w = self.entry_width(s, e);
            if x > x0 && x + w > x0 + max_width {
                x = x0;
                y += line;
            }
            entries.push((x, y));
            x += w + s.px(ENTRY_GAP);
        }
        if !self.entries.is_empty() {
            y += line;
        }
        let mut notes = Vec::new();
        for note in &self.notes {
            for l in wrap(s, note, NOTE_FONT, max_width) {
                notes.push((l, y));
                y += s.px(NOTE_LINE);
            }
        }
        LegendLayout {
            entries,
            notes,
            height: y - y0,
        }
    }

    fn draw(&self, s: &Surface, layout: &LegendLayout) -> Result<(), String> {
        let label_style = s.font(LEGEND_FONT, TEXT);
        let note_style = s.font(LEGEND_FONT, MUTED);
        let mid = s.px(LEGEND_LINE / 2.0);
        for (e, &(x, y)) in self.entries.iter().zip(&layout.entries) {
            let cy = y + mid;
            draw_swatch(s, e.swatch, x, cy)?;
            let tx = x + s.px(SWATCH_W + SWATCH_GAP);
            s.text(&e.label, (tx, cy), &label_style, HPos::Left, VPos::Center)?;
            if !e.note.is_empty() {
                let nx = tx + s.text_width(&e.label, LEGEND_FONT) + s.text_width(" ", LEGEND_FONT);
                s.text(&e.note, (nx, cy), &note_style, HPos::Left, VPos::Center)?;
            }
        }
        let small = s.font(NOTE_FONT, MUTED);
        for (line, y) in &layout.notes {
            let x = layout.entries.first().map_or(s.px(PAD), |p| p.0);
            s.text(
                line,
                (x, y + s.px(NOTE_LINE / 2.0)),
                &small,
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}

fn draw_swatch(s: &Surface, swatch: Swatch, x: i32, cy: i32) -> Result<(), String> {
    let w = s.px(SWATCH_W);
    let line = |c: RGBColor, width: f64| c.stroke_width(s.stroke(width));
    match swatch {
        Swatch::Line(c) => s.hline(x, x + w, cy, line(c, 2.5)),
        Swatch::LineDot(c) => {
            s.hline(x, x + w, cy, line(c, 2.0))?;
            s.root
                .draw(&Circle::new((x + w / 2, cy), s.px(3.5), c.filled()))
                .map_err(err)
        }
        Swatch::Dot(c) => {
            let r = s.px(3.5);
            s.root
                .draw(&Circle::new((x + w / 2, cy), r, c.filled()))
                .map_err(err)?;
            s.root
                .draw(&Circle::new((x + w / 2, cy), r, line(BACKGROUND, 1.0)))
                .map_err(err)
        }
        Swatch::Faint(c) => {
            let gap = s.px(3.0);
            s.hline(x, x + w, cy - gap, line(tint(c, 0.25), 1.25))?;
            s.hline(x, x + w, cy + gap, line(tint(c, 0.45), 1.25))
        }
        Swatch::Bars(c) => {
            let (bw, h) = (s.px(8.0), s.px(11.0));
            let bottom = cy + h / 2;
            let x1 = x + (w - bw) / 2;
            s.root
                .draw(&Rectangle::new(
                    [(x1, bottom - h), (x1 + bw, bottom)],
                    tint(c, 0.3).filled(),
                ))
                .map_err(err)?;
            s.root
                .draw(&Rectangle::new(
                    [(x1, bottom - h * 2 / 5), (x1 + bw, bottom)],
                    c.filled(),
                ))
                .map_err(err)
        }
    }
}

/// Splits `text` at spaces into lines no wider than `max_width` device pixels.
fn wrap(s: &Surface, text: &str, css_size: f64, max_width: i32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && s.text_width(&candidate, css_size) > max_width {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// Axes

/// One axis: its range (in plot units, i.e. log10 of the value on log axes), labelled ticks,
/// unlabelled minor grid lines and its name.
struct Axis {
    range: (f64, f64),
    ticks: Vec<(f64, String)>,
    minor: Vec<f64>,
    name: String,
    /// Vertical grid lines at the ticks (x axes only).
    grid: bool,
}

/// A step of 1, 2 or 5 × 10ⁿ giving at most `max_ticks` ticks over `span`.
fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 2.5 {
        2.5
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Ticks at multiples of a nice step within `[lo, hi]`, formatted with the step's decimals
/// and `suffix`.
fn linear_ticks(lo: f64, hi: f64, max_ticks: usize, suffix: &str) -> Vec<(f64, String)> {
    let step = nice_step(hi - lo, max_ticks);
    // The fewest decimals that show the step exactly (2.5 → 1, 0.25 → 2, 20 → 0).
    let decimals = (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6) as usize;
    let mut ticks = Vec::new();
    let mut k = (lo / step - 1e-9).ceil();
    while k * step <= hi + step * 1e-9 && ticks.len() < 100 {
        let v = k * step;
        let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
        ticks.push((v, format!("{v:.decimals$}{suffix}")));
        k += 1.0;
    }
    ticks
}

/// Labelled and minor ticks for a log axis spanning `[lo, hi]` in log10 units, drawn
/// `height` CSS pixels tall: labels at 1-2-5 × 10ⁿ, 1-3 × 10ⁿ, every decade or every few
/// decades, whichever is the densest whose closest labels are 26 px apart; unlabelled grid
/// lines at 2…9 × 10ⁿ where decades are tall enough to take them.
fn log_ticks(lo: f64, hi: f64, height: f64) -> (Vec<(f64, String)>, Vec<f64>) {
    const MIN_GAP: f64 = 26.0;
    let decades = (hi - lo).max(1e-9);
    let per_decade = height / decades;
    let (first, last) = (lo.floor() as i32, hi.ceil() as i32);
    let inside = |l: f64| l >= lo - 1e-9 && l <= hi + 1e-9;
    let mantissas: &[f64] = if per_decade * 2f64.log10() >= MIN_GAP {
        &[1.0, 2.0, 5.0]
    } else if per_decade * (10f64 / 3.0).log10() >= MIN_GAP {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let every = ((MIN_GAP / per_decade).ceil() as i32).max(1);
    let mut ticks = Vec::new();
    let mut minor = Vec::new();
    for e in first..=last {
        let decade = f64::from(e);
        for m in 1..10 {
            let m = f64::from(m);
            let l = decade + m.log10();
            if !inside(l) {
                continue;
            }
            if mantissas.contains(&m) && (m != 1.0 || e.rem_euclid(every) == 0) {
                ticks.push((l, format_sig(m * 10f64.powi(e))));
            } else if m == 1.0 || per_decade >= 60.0 {
                minor.push(l);
            }
        }
    }
    (ticks, minor)
}

/// A 1-, 2- or 5-like value for a tick label: "0.05", "2", "10⁻⁴", "2×10⁻⁵".
fn format_sig(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let e = v.abs().log10().floor() as i32;
    if (-3..5).contains(&e) {
        let decimals = (-e).max(0) as usize;
        return format!("{v:.decimals$}");
    }
    let m = (v / 10f64.powi(e)).round();
    let power = format!("10{}", superscript(e));
    if m == 1.0 {
        power
    } else {
        format!("{m}×{power}")
    }
}

fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// A value with two significant digits, for legends ("0.084", "2.3", "3.1×10⁻⁴").
fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let e = v.abs().log10().floor() as i32;
    if (-3..4).contains(&e) {
        let decimals = (1 - e).max(0) as usize;
        return format!("{v:.decimals$}");
    }
    let m = v / 10f64.powi(e);
    format!("{m:.1}×10{}", superscript(e))
}

/// A log10 range around positive values `lo..=hi`, at least `min_decades` wide, with a little
/// padding.
fn log_range(lo: f64, hi: f64, min_decades: f64) -> (f64, f64) {
    let (mut a, mut b) = (lo.log10(), hi.log10());
    if b - a < min_decades {
        let mid = (a + b) / 2.0;
        a = mid - min_decades / 2.0;
        b = mid + min_decades / 2.0;
    }
    let pad = (b - a) * 0.04;
    (a - pad, b + pad)
}

/// How a chart's frame is laid out before drawing the data.
struct FrameSpec<'a> {
    legend: &'a Legend,
    /// Builds the y axis once the plot height (device pixels) is known.
    y: &'a dyn Fn(i32) -> Axis,
    /// Builds the x axis once the plot width is known.
    x: &'a dyn Fn(i32) -> Axis,
}

/// Draws the background, legend, axes, grid and axis names; returns the chart to draw data on.
fn frame<'a>(s: &'a Surface, spec: &FrameSpec) -> Result<(Chart<'a>, PlotRect), String> {
    let pad = s.px(PAD);
    let legend = spec.legend.layout(s, pad, pad, s.width - 2 * pad);
    let name_row = s.px(16.0);
    let top =
        pad + legend.height + if legend.height > 0 { s.px(4.0) } else { 0 } + name_row + s.px(6.0);
    let tick = s.px(4.0);
    let x_area = tick + s.px(5.0 + TICK_FONT * 1.25) + name_row;
    let bottom = s.height - pad - x_area;
    let plot_h = (bottom - top).max(1);
    let y = (spec.y)(plot_h);
    let y_label_w = y
        .ticks
        .iter()
        .map(|(_, l)| s.text_width(l, TICK_FONT))
        .max()
        .unwrap_or(0);
    let y_area = y_label_w + tick + s.px(6.0);
    // Room on the right for half of a tick label at the right end of the x axis.
    let plot_width = |right_pad: i32| (s.width - pad - y_area - right_pad).max(1);
    let mut right_pad = s.px(12.0);
    let mut x = (spec.x)(plot_width(right_pad));
    let end_label = |x: &Axis| {
        x.ticks
            .last()
            .filter(|(v, _)| (v - x.range.1).abs() <= (x.range.1 - x.range.0).abs() * 1e-6)
            .map_or(0, |(_, l)| s.text_width(l, TICK_FONT) / 2 + s.px(2.0))
    };
    if end_label(&x) > right_pad {
        right_pad = end_label(&x);
        x = (spec.x)(plot_width(right_pad));
    }

    let right = s.width - right_pad;
    let left = pad + y_area;
    let chart = ChartBuilder::on(&s.root)
        .margin_top(top)
        .margin_bottom(s.height - bottom)
        .margin_left(left)
        .margin_right(right_pad)
        .build_cartesian_2d(x.range.0..x.range.1, y.range.0..y.range.1)
        .map_err(err)?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let rect = PlotRect {
        left: xs.start,
        top: ys.start,
        right: xs.end.min(right),
        bottom: ys.end.min(bottom),
    };
    let to_x = |v: f64| chart.backend_coord(&(v, y.range.0)).0;
    let to_y = |v: f64| chart.backend_coord(&(x.range.0, v)).1;
    let thin = s.stroke(1.0);
    // Grid: minor lines, then major lines at the ticks.
    for &v in &y.minor {
        s.hline(
            rect.left,
            rect.right,
            to_y(v),
            GRID_MINOR.stroke_width(thin),
        )?;
    }
    for (v, _) in &y.ticks {
        s.hline(rect.left, rect.right, to_y(*v), GRID.stroke_width(thin))?;
    }
    if x.grid {
        for (v, _) in &x.ticks {
            s.vline(to_x(*v), rect.top, rect.bottom, GRID.stroke_width(thin))?;
        }
    }
    // Axes, tick marks and tick labels.
    let axis = AXIS.stroke_width(thin);
    s.hline(rect.left, rect.right, rect.bottom, axis)?;
    s.vline(rect.left, rect.top, rect.bottom, axis)?;
    let label_style = s.font(TICK_FONT, TEXT);
    for (v, label) in &y.ticks {
        let py = to_y(*v);
        s.hline(rect.left - tick, rect.left, py, axis)?;
        let at = (rect.left - tick - s.px(4.0), py);
        s.text(label, at, &label_style, HPos::Right, VPos::Center)?;
    }
    for (v, label) in &x.ticks {
        let px = to_x(*v);
        s.vline(px, rect.bottom, rect.bottom + tick, axis)?;
        let at = (px, rect.bottom + tick + s.px(3.0));
        s.text(label, at, &label_style, HPos::Center, VPos::Top)?;
    }
    let name_style = s.font(TICK_FONT, TEXT);
    s.text(
        &y.name,
        (pad, rect.top - s.px(10.0)),
        &name_style,
        HPos::Left,
        VPos::Bottom,
    )?;
    s.text(
        &x.name,
        (rect.right, s.height - pad),
        &name_style,
        HPos::Right,
        VPos::Bottom,
    )?;
    spec.legend.draw(s, &legend)?;
    Ok((chart, rect))
}

/// The centred hint on an empty chart.
fn draw_hint(s: &Surface, rect: PlotRect, text: &str) -> Result<(), String> {
    let style = (FontFamily::Name(FONT), 13.0 * s.dpr, FontStyle::Italic)
        .into_font()
        .color(&MUTED);
    s.text(
        text,
        ((rect.left + rect.right) / 2, (rect.top + rect.bottom) / 2),
        &style,
        HPos::Center,
        VPos::Center,
    )
}

// ---------------------------------------------------------------------------------------------
// Series helpers

/// Points in runs of finite values: a non-finite value ends a run (the line breaks there).
fn finite_runs(points: impl Iterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for (x, y) in points {
        if x.is_finite() && y.is_finite() {
            run.push((x, y));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Thins a long run to the lowest and highest point of each of `columns` columns (in their
/// original order), keeping the first and last point: at one column per CSS pixel the drawn
/// line looks the same, with at most two points per column.
fn downsample(points: &[(f64, f64)], x0: f64, x1: f64, columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * columns.max(1) + 2 {
        return points.to_vec();
    }
    let scale = columns as f64 / (x1 - x0).max(1e-12);
    let column = |x: f64| ((x - x0) * scale).floor() as i64;
    let mut out = Vec::with_capacity(2 * columns + 4);
    out.push(points[0]);
    let mut i = 1;
    let end = points.len() - 1;
    while i < end {
        let col = column(points[i].0);
        let (mut lo, mut hi) = (i, i);
        while i < end && column(points[i].0) == col {
            if points[i].1 < points[lo].1 {
                lo = i;
            }
            if points[i].1 > points[hi].1 {
                hi = i;
            }
            i += 1;
        }
        out.push(points[lo.min(hi)]);
        if lo != hi {
            out.push(points[lo.max(hi)]);
        }
    }
    out.push(points[end]);
    out
}

/// Centred moving average over `±half_width` in x: no lag, and only as wide as a few pixels.
fn smooth(run: &[(f64, f64)], half_width: f64) -> Vec<(f64, f64)> {
    // The window is run[lo..hi], which always holds point i (even if x went backwards).
    let (mut lo, mut hi, mut sum) = (0, 0, 0.0);
    let mut out = Vec::with_capacity(run.len());
    for (i, &(x, _)) in run.iter().enumerate() {
        while hi < run.len() && (hi <= i || run[hi].0 <= x + half_width) {
            sum += run[hi].1;
            hi += 1;
        }
        while lo < i && run[lo].0 < x - half_width {
            sum -= run[lo].1;
            lo += 1;
        }
        out.push((x, sum / (hi - lo) as f64));
    }
    out
}

/// The frame of a chart over epochs (x) with a y axis over `y_range` whose ticks `ticks` makes
/// for a plot height in CSS pixels. Returns the chart, its plot area, the x range and the number
/// of CSS-pixel columns used to thin long lines.
fn epoch_frame<'a>(
    s: &'a Surface,
    lanes: &[LaneSeries],
    legend: &Legend,
    y_range: (f64, f64),
    ticks: &dyn Fn(f64) -> (Vec<(f64, String)>, Vec<f64>),
    name: &str,
) -> Result<(Chart<'a>, PlotRect, (f64, f64), usize), String> {
    let y_axis = |h: i32| {
        let (ticks, minor) = ticks(f64::from(h) / s.dpr);
        Axis {
            range: y_range,
            ticks,
            minor,
            name: name.into(),
            grid: true,
        }
    };
    let x_axis = |w: i32| epoch_axis(lanes, w, s.dpr);
    let (chart, rect) = frame(
        s,
        &FrameSpec {
            legend,
            y: &y_axis,
            x: &x_axis,
        },
    )?;
    let x_range = (0.0, epoch_axis_end(lanes));
    let columns = (f64::from(rect.right - rect.left) / s.dpr).max(1.0) as usize;
    Ok((chart, rect, x_range, columns))
}

/// Every lane's line, from its runs of finite points.
fn draw_lane_lines(
    s: &Surface,
    chart: &mut Chart,
    lanes: &[LaneSeries],
    runs: &[Vec<Vec<(f64, f64)>>],
    x_range: (f64, f64),
    columns: usize,
) -> Result<(), String> {
    for (l, lane_runs) in lanes.iter().zip(runs) {
        draw_lane_line(
            s,
            chart,
            lane_runs,
            x_range,
            columns,
            rgb(l.color),
            lane_diverged(l),
        )?;
    }
    Ok(())
}

/// A lane's line: the reports as a thin pale line, and over it the same smoothed across ±5
/// CSS px in the lane's colour, so that per-report noise doesn't turn long races into a band.
/// `columns` is the plot width in CSS pixels. A diverged lane is drawn as reported: smoothing
/// would blunt the blow-up.
fn draw_lane_line(
    s: &Surface,
    chart: &mut Chart,
    runs: &[Vec<(f64, f64)>],
    x_range: (f64, f64),
    columns: usize,
    color: RGBColor,
    diverged: bool,
) -> Result<(), String> {
    let half_width = 5.0 * (x_range.1 - x_range.0) / columns.max(1) as f64;
    let raw = tint(color, 0.4).stroke_width(s.stroke(1.0));
    let bold = color.stroke_width(s.stroke(LINE_WIDTH));
    for run in runs {
        if run.len() == 1 {
            chart
                .draw_series(std::iter::once(Circle::new(
                    run[0],
                    s.px(2.5),
                    color.filled(),
                )))
                .map_err(err)?;
            continue;
        }
        if diverged {
            let points = downsample(run, x_range.0, x_range.1, columns);
            chart
                .draw_series(std::iter::once(PathElement::new(points, bold)))
                .map_err(err)?;
            continue;
        }
        let smoothed = smooth(run, half_width);
        for (points, style) in [(run, raw), (&smoothed, bold)] {
            let points = downsample(points, x_range.0, x_range.1, columns);
            chart
                .draw_series(std::iter::once(PathElement::new(points, style)))
                .map_err(err)?;
        }
    }
    Ok(())
}

fn lane_activation(lane: &LaneSeries) -> Option<Activation> {
    lane.intervals
        .first()
        .map(|r| r.activation)
        .or_else(|| lane.epochs.first().map(|r| r.activation))
}

fn lane_diverged(lane: &LaneSeries) -> bool {
    lane.epochs.iter().any(|e| e.diverged)
        || lane
            .intervals
            .last()
            .is_some_and(|r| !r.train_loss.is_finite())
}

fn lane_is_empty(lane: &LaneSeries) -> bool {
    lane.intervals.is_empty() && lane.epochs.is_empty()
}

/// Progress of the furthest lane in epochs, rounded up to a whole epoch (at least 1): the x
/// axis grows an epoch at a time.
fn epoch_axis_end(lanes: &[LaneSeries]) -> f64 {
    let furthest = lanes
        .iter()
        .flat_map(|l| {
            l.intervals
                .iter()
                .map(|r| r.epochs_done)
                .chain(l.epochs.iter().map(|e| f64::from(e.epoch)))
        })
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    (furthest - 1e-9).ceil().clamp(1.0, 1e6)
}

/// Images per epoch, read off the reports (samples seen ÷ epochs done), for the x axis name.
fn samples_per_epoch(lanes: &[LaneSeries]) -> Option<u64> {
    lanes
        .iter()
        .flat_map(|l| l.intervals.iter().rev().take(1))
        .find(|r| r.epochs_done >= 0.25 && r.samples_seen > 0)
        .map(|r| (r.samples_seen as f64 / r.epochs_done).round() as u64)
        .or_else(|| {
            lanes
                .iter()
                .flat_map(|l| l.epochs.first())
                .find(|e| e.epoch > 0 && e.samples_seen > 0)
                .map(|e| e.samples_seen / u64::from(e.epoch))
        })
}

fn epoch_axis(lanes: &[LaneSeries], plot_w: i32, dpr: f64) -> Axis {
    let end = epoch_axis_end(lanes);
    let max_ticks = ((f64::from(plot_w) / dpr / 55.0).floor() as usize).clamp(2, 12);
    let name = match samples_per_epoch(lanes) {
        Some(n) if n >= 1000 => format!("epochs (1 epoch = {} images) →", thousands(n)),
        _ => "epochs →".to_string(),
    };
    Axis {
        range: (0.0, end),
        ticks: linear_ticks(0.0, end, max_ticks, ""),
        minor: Vec::new(),
        name,
        grid: true,
    }
}

/// 55000 → "55,000"; rounded to the nearest hundred above 10,000.
fn thousands(n: u64) -> String {
    let n = if n >= 10_000 { (n + 50) / 100 * 100 } else { n };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn lane_note_waiting(lane: &LaneSeries) -> Option<String> {
    if lane_is_empty(lane) {
        Some("· waiting".into())
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Loss

fn draw_loss_at(
    canvas: &HtmlCanvasElement,
    lanes: &[LaneSeries],
    dpr: f64,
) -> Result<Option<PlotRect>, String> {
    let Some(s) = Surface::open(canvas, dpr)? else {
        return Ok(None);
    };
    // Loss (log10) against epochs, per lane, in runs of finite positive values.
    let mut runs: Vec<Vec<Vec<(f64, f64)>>> = lanes
        .iter()
        .map(|l| {
            finite_runs(l.intervals.iter().map(|r| {
                let loss = f64::from(r.train_loss);
                (
                    r.epochs_done,
                    if loss > 0.0 { loss.log10() } else { f64::NAN },
                )
            }))
        })
        .collect();
    // A diverging loss can climb to 10³⁰ before it turns NaN: cut diverged lanes where they
    // leave the healthy lanes' range (half a decade above), so the race stays readable.
    let healthy_max = lanes
        .iter()
        .zip(&runs)
        .filter(|(l, _)| !lane_diverged(l))
        .flat_map(|(_, r)| r.iter().flatten())
        .map(|p| p.1)
        .fold(f64::NEG_INFINITY, f64::max);
    if healthy_max.is_finite() {
        let cap = healthy_max + 0.5;
        for (l, lane_runs) in lanes.iter().zip(runs.iter_mut()) {
            if lane_diverged(l) {
                clip_runs_above(lane_runs, cap);
            }
        }
    }
    let (lo, hi) = runs
        .iter()
        .flatten()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let y_range = if lo.is_finite() {
        log_range(10f64.powf(lo), 10f64.powf(hi), 1.0)
    } else {
        log_range(0.05, 2.5, 1.0)
    };

    let mut legend = Legend::default();
    for l in lanes {
        let c = rgb(l.color);
        let note = lane_note_waiting(l).unwrap_or_else(|| {
            if lane_diverged(l) {
                "· diverged".into()
            } else {
                l.intervals
                    .last()
                    .map(|r| format_value(f64::from(r.train_loss)))
                    .unwrap_or_default()
            }
        });
        legend.entries.push(Entry {
            swatch: Swatch::Line(c),
            label: l.label.clone(),
            note,
        });
    }

    let (mut chart, rect, x_range, columns) = epoch_frame(
        &s,
        lanes,
        &legend,
        y_range,
        &|h| log_ticks(y_range.0, y_range.1, h),
        "↑ training loss (log scale)",
    )?;

    draw_lane_lines(&s, &mut chart, lanes, &runs, x_range, columns)?;
    // Where a diverged lane stopped: a cross at its last finite loss.
    for (l, lane_runs) in lanes.iter().zip(&runs) {
        if !lane_diverged(l) {
            continue;
        }
        if let Some(&p) = lane_runs.last().and_then(|r| r.last()) {
            let (cx, cy) = chart.backend_coord(&p);
            draw_cross(&s, (cx, cy), rgb(l.color))?;
            let style = s.font(LEGEND_FONT, rgb(l.color));
            let right_side = cx + s.px(70.0) < rect.right;
            let (tx, h) = if right_side {
                (cx + s.px(8.0), HPos::Left)
            } else {
                (cx - s.px(8.0), HPos::Right)
            };
            let ty = (cy - s.px(8.0)).max(rect.top + s.px(6.0));
            s.text("diverged", (tx, ty), &style, h, VPos::Center)?;
        }
    }
    if runs.iter().all(|r| r.is_empty()) {
        draw_hint(&s, rect, WAITING)?;
    }
    Ok(Some(rect))
}

/// Ends the line where it first rises above `cap` (at the crossing, interpolated) and drops
/// everything after.
fn clip_runs_above(runs: &mut Vec<Vec<(f64, f64)>>, cap: f64) {
    for i in 0..runs.len() {
        if let Some(j) = runs[i].iter().position(|p| p.1 > cap) {
            let run = &mut runs[i];
            if j > 0 {
                let (a, b) = (run[j - 1], run[j]);
                let t = (cap - a.1) / (b.1 - a.1);
                run[j] = (a.0 + (b.0 - a.0) * t, cap);
                run.truncate(j + 1);
            } else {
                run.clear();
            }
            runs.truncate(i + 1);
            runs.retain(|r| !r.is_empty());
            return;
        }
    }
}

fn draw_cross(s: &Surface, (x, y): (i32, i32), c: RGBColor) -> Result<(), String> {
    let r = s.px(4.5);
    let style = c.stroke_width(s.stroke(2.0));
    for (dx, dy) in [(r, r), (r, -r)] {
        s.root
            .draw(&PathElement::new(
                vec![(x - dx, y - dy), (x + dx, y + dy)],
                style,
            ))
            .map_err(err)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Accuracy

fn draw_accuracy_at(
    canvas: &HtmlCanvasElement,
    lanes: &[LaneSeries],
    target: f32,
    dpr: f64,
) -> Result<Option<PlotRect>, String> {
    let Some(s) = Surface::open(canvas, dpr)? else {
        return Ok(None);
    };
    let target = f64::from(target);
    let target_pct =
        (target.is_finite() && target > 0.0 && target <= 1.0).then_some(target * 100.0);
    let pct = |v: f32| {
        let v = f64::from(v) * 100.0;
        if (0.0..=100.0).contains(&v) {
            v
        } else {
            f64::NAN
        }
    };
    let runs: Vec<Vec<Vec<(f64, f64)>>> = lanes
        .iter()
        .map(|l| {
            finite_runs(
                l.intervals
                    .iter()
                    .map(|r| (r.epochs_done, accuracy_pos(pct(r.val_accuracy)))),
            )
        })
        .collect();
    let dots: Vec<Vec<(f64, f64)>> = lanes
        .iter()
        .map(|l| {
            l.epochs
                .iter()
                .map(|e| (f64::from(e.epoch), accuracy_pos(pct(e.val_accuracy))))
                .filter(|p| p.1.is_finite())
                .collect()
        })
        .collect();
    // 0% at the bottom; on top at least 99%, and room above the best value and the target.
    let highest = runs
        .iter()
        .flatten()
        .flatten()
        .chain(dots.iter().flatten())
        .map(|p| p.1)
        .chain(target_pct.map(accuracy_pos))
        .fold(accuracy_pos(99.0) - 0.1, f64::max);
    let y_range = (0.0, highest + 0.1);

    // The first report at or above the target, per lane.
    let reached: Vec<Option<f64>> = lanes
        .iter()
        .map(|l| {
            let t = target_pct?;
            l.intervals
                .iter()
                .find(|r| pct(r.val_accuracy) >= t && r.epochs_done.is_finite())
                .map(|r| r.epochs_done)
        })
        .collect();

    let mut legend = Legend::default();
    for (i, l) in lanes.iter().enumerate() {
        let note = lane_note_waiting(l).unwrap_or_else(|| {
            let latest = l
                .intervals
                .iter()
                .rev()
                .map(|r| pct(r.val_accuracy))
                .find(|v| v.is_finite());
            let mut note = latest.map(|v| format!("{v:.1}%")).unwrap_or_default();
            if let (Some(x), Some(t)) = (reached[i], target_pct) {
                note = format!("{note} · hit {} at {x:.2} ep", format_pct(t));
            } else if lane_diverged(l) {
                note = format!("{note} · diverged");
            }
            note
        });
        legend.entries.push(Entry {
            swatch: Swatch::Line(rgb(l.color)),
            label: l.label.clone(),
            note,
        });
    }
    if dots.iter().any(|d| !d.is_empty()) {
        legend.entries.push(Entry {
            swatch: Swatch::Dot(MUTED),
            label: "epoch end, all validation images".into(),
            note: String::new(),
        });
    }

    let (mut chart, rect, x_range, columns) = epoch_frame(
        &s,
        lanes,
        &legend,
        y_range,
        &|h| accuracy_ticks(y_range, h),
        "↑ validation accuracy (scale stretched toward 100%)",
    )?;

    // The finish line, under the data.
    if let Some(t) = target_pct {
        let y = chart.backend_coord(&(0.0, accuracy_pos(t))).1;
        let style = TEXT.mix(0.75).stroke_width(s.stroke(1.25));
        s.root
            .draw(&DashedPathElement::new(
                vec![(rect.left, y), (rect.right, y)],
                s.px(5.0),
                s.px(4.0),
                style,
            ))
            .map_err(err)?;
    }

    draw_lane_lines(&s, &mut chart, lanes, &runs, x_range, columns)?;
    // Epoch-end dots at least 20 CSS px apart (every k-th epoch on long races), and the latest.
    let r = s.px(3.5);
    let epoch_px = f64::from(rect.right - rect.left) / s.dpr / (x_range.1 - x_range.0);
    let every = (20.0 / epoch_px).ceil().max(1.0) as u32;
    for (l, lane_dots) in lanes.iter().zip(&dots) {
        let c = rgb(l.color);
        let shown: Vec<(f64, f64)> = lane_dots
            .iter()
            .enumerate()
            .filter(|&(i, p)| (p.0 as u32).is_multiple_of(every) || i + 1 == lane_dots.len())
            .map(|(_, &p)| p)
            .collect();
        chart
            .draw_series(shown.iter().map(|&p| Circle::new(p, r, c.filled())))
            .map_err(err)?;
        chart
            .draw_series(
                shown
                    .iter()
                    .map(|&p| Circle::new(p, r, BACKGROUND.stroke_width(s.stroke(1.0)))),
            )
            .map_err(err)?;
    }
    // Where each lane crossed the finish line: a ring on the line.
    if let Some(t) = target_pct {
        for (l, x) in lanes.iter().zip(&reached) {
            if let Some(x) = *x {
                let p = chart.backend_coord(&(x, accuracy_pos(t)));
                let c = rgb(l.color);
                s.root
                    .draw(&Circle::new(p, s.px(5.0), BACKGROUND.filled()))
                    .map_err(err)?;
                s.root
                    .draw(&Circle::new(p, s.px(5.0), c.stroke_width(s.stroke(2.0))))
                    .map_err(err)?;
            }
        }
    }
    if let Some(t) = target_pct {
        let points: Vec<(i32, i32)> = runs
            .iter()
            .flatten()
            .flatten()
            .chain(dots.iter().flatten())
            .map(|p| chart.backend_coord(p))
            .collect();
        let y = chart.backend_coord(&(0.0, accuracy_pos(t))).1;
        draw_target_label(&s, rect, y, &format!("target {}", format_pct(t)), &points)?;
    }
    if runs.iter().all(|r| r.is_empty()) && dots.iter().all(|d| d.is_empty()) {
        draw_hint(&s, rect, WAITING)?;
    }
    Ok(Some(rect))
}

/// Labels the finish line at `y` at whichever end, above or below, covers the fewest data
/// points, on a translucent white box over the data.
fn draw_target_label(
    s: &Surface,
    rect: PlotRect,
    y: i32,
    label: &str,
    points: &[(i32, i32)],
) -> Result<(), String> {
    let (w, h) = (
        s.text_width(label, TICK_FONT) + s.px(6.0),
        s.px(TICK_FONT + 4.0),
    );
    let gap = s.px(2.0);
    let (left, right) = (rect.left + s.px(4.0), rect.right - s.px(4.0) - w);
    let (above, below) = (y - gap - h, y + gap);
    let candidates = [(left, above), (right, above), (left, below), (right, below)];
    let fits = |&&(_, top): &&(i32, i32)| top >= rect.top && top + h <= rect.bottom;
    let margin = s.px(3.0);
    let covered = |&(x, top): &(i32, i32)| {
        points
            .iter()
            .filter(|p| {
                p.0 >= x - margin
                    && p.0 <= x + w + margin
                    && p.1 >= top - margin
                    && p.1 <= top + h + margin
            })
            .count()
    };
    let Some(&(x, top)) = candidates.iter().filter(fits).min_by_key(|c| covered(c)) else {
        return Ok(());
    };
    s.root
        .draw(&Rectangle::new(
            [(x, top), (x + w, top + h)],
            BACKGROUND.mix(0.85).filled(),
        ))
        .map_err(err)?;
    s.text(
        label,
        (x + s.px(3.0), top + h / 2),
        &s.font(TICK_FONT, TEXT),
        HPos::Left,
        VPos::Center,
    )
}

/// Where an accuracy (in %) sits on the accuracy axis: −log10 of the error rate, so that 90%,
/// 99% and 99.9% are evenly spaced. The race is decided in the last few percent, which a linear
/// axis squeezes into a sliver; the labels stay in accuracy, so the reading is unchanged.
fn accuracy_pos(pct: f64) -> f64 {
    if pct.is_finite() {
        -(1.0 - pct.clamp(0.0, 99.99) / 100.0).log10()
    } else {
        f64::NAN
    }
}

/// Labelled accuracies on the stretched axis, at least 16 CSS px apart, and grid lines for the
/// ones that don't fit.
fn accuracy_ticks(range: (f64, f64), height: f64) -> (Vec<(f64, String)>, Vec<f64>) {
    const CANDIDATES: [f64; 15] = [
        0.0, 50.0, 80.0, 90.0, 95.0, 97.0, 98.0, 99.0, 99.5, 99.7, 99.8, 99.9, 99.95, 99.98, 99.99,
    ];
    let per_unit = height / (range.1 - range.0).max(1e-9);
    let mut ticks: Vec<(f64, String)> = Vec::new();
    let mut minor = Vec::new();
    for pct in CANDIDATES {
        let pos = accuracy_pos(pct);
        if pos > range.1 + 1e-9 {
            break;
        }
        match ticks.last() {
            Some((last, _)) if (pos - last) * per_unit < 16.0 => minor.push(pos),
            _ => ticks.push((pos, format_pct(pct))),
        }
    }
    (ticks, minor)
}

/// 95.0 → "95%", 97.5 → "97.5%", 99.95 → "99.95%".
fn format_pct(v: f64) -> String {
    if (v - v.round()).abs() < 0.005 {
        format!("{v:.0}%")
    } else if (v * 10.0 - (v * 10.0).round()).abs() < 0.05 {
        format!("{v:.1}%")
    } else {
        format!("{v:.2}%")
    }
}

// ---------------------------------------------------------------------------------------------
// Gradient flow

/// The most recent per-layer gradient norms of a lane, and up to `max_history` earlier ones
/// (oldest first): the first report of the race and the epoch ends.
fn gradient_profiles<'a>(
    lane: &LaneSeries<'a>,
    max_history: usize,
) -> (Option<&'a [f32]>, Vec<&'a [f32]>) {
    let usable = |g: &[f32]| !g.is_empty() && g.iter().any(|v| v.is_finite());
    let latest = lane
        .intervals
        .iter()
        .rev()
        .map(|r| r.grad_norms.as_slice())
        .find(|g| usable(g))
        .or_else(|| {
            lane.epochs
                .iter()
                .rev()
                .map(|e| e.grad_norms.as_slice())
                .find(|g| usable(g))
        });
    let mut history: Vec<&[f32]> = Vec::new();
    if let Some(first) = lane.intervals.first().map(|r| r.grad_norms.as_slice())
        && usable(first)
    {
        history.push(first);
    }
    let epochs: Vec<&[f32]> = lane
        .epochs
        .iter()
        .map(|e| e.grad_norms.as_slice())
        .filter(|g| usable(g))
        .collect();
    // Evenly thinned, always keeping the most recent epoch.
    let n = epochs.len();
    let keep = max_history.saturating_sub(history.len()).max(1);
    if n > 0 {
        for i in 0..keep.min(n) {
            let idx = if keep >= n {
                i
            } else {
                n - 1 - (keep - 1 - i) * (n - 1) / (keep - 1).max(1)
            };
            history.push(epochs[idx]);
        }
    }
    history.dedup_by(|a, b| std::ptr::eq(*a, *b));
    if let Some(l) = latest {
        history.retain(|h| !std::ptr::eq(*h, l));
    }
    (latest, history)
}

fn draw_gradients_at(
    canvas: &HtmlCanvasElement,
    lanes: &[LaneSeries],
    dpr: f64,
) -> Result<Option<PlotRect>, String> {
    let Some(s) = Surface::open(canvas, dpr)? else {
        return Ok(None);
    };
    let profiles: Vec<_> = lanes.iter().map(|l| gradient_profiles(l, 12)).collect();
    let layers = profiles
        .iter()
        .flat_map(|(latest, hist)| latest.iter().chain(hist.iter()).map(|g| g.len()))
        .max()
        .unwrap_or(0);
    let norms = |diverged: bool| {
        lanes
            .iter()
            .zip(&profiles)
            .filter(move |(l, _)| lane_diverged(l) == diverged)
            .flat_map(|(_, (latest, hist))| latest.iter().chain(hist.iter()))
            .flat_map(|g| g.iter())
            .map(|&v| f64::from(v))
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let extent = |it: &mut dyn Iterator<Item = f64>| {
        it.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
    };
    let (mut lo, mut hi) = extent(&mut norms(false));
    // Exploding norms of a diverged lane may reach 10³⁰: they widen the axis by at most a
    // decade over the healthy lanes and sit on its top edge beyond that.
    let (dlo, dhi) = extent(&mut norms(true));
    if lo.is_finite() {
        if dlo.is_finite() {
            lo = lo.min(dlo);
            hi = hi.max(dhi.min(hi * 10.0));
        }
    } else {
        (lo, hi) = (dlo, dhi);
    }
    let y_range = if lo.is_finite() {
        log_range(lo, hi, 1.0)
    } else {
        log_range(1e-4, 1.0, 1.0)
    };
    // Zero (or tiny) norms sit on the bottom edge, huge ones on the top edge.
    let to_plot = |v: f32| {
        let v = f64::from(v);
        if v.is_nan() {
            f64::NAN
        } else if v > 0.0 {
            v.log10().clamp(y_range.0, y_range.1)
        } else {
            y_range.0
        }
    };
    let first_last = |g: &[f32]| -> Option<f64> {
        let (a, b) = (f64::from(*g.first()?), f64::from(*g.last()?));
        (g.len() >= 2 && a.is_finite() && b.is_finite() && b > 0.0).then(|| a / b)
    };

    let mut legend = Legend::default();
    for (l, (latest, _)) in lanes.iter().zip(&profiles) {
        let note = lane_note_waiting(l).unwrap_or_else(|| {
            let ratio = latest.and_then(first_last).map(|ratio| {
                let n = latest.map_or(0, |g| g.len());
                format!("L1/L{n} = {}", format_value(ratio))
            });
            match (ratio, lane_diverged(l)) {
                (Some(r), true) => format!("{r} · diverged"),
                (None, true) => "· diverged".into(),
                (r, false) => r.unwrap_or_default(),
            }
        });
        legend.entries.push(Entry {
            swatch: Swatch::LineDot(rgb(l.color)),
            label: l.label.clone(),
            note,
        });
    }
    if profiles.iter().any(|(_, h)| !h.is_empty()) {
        legend.entries.push(Entry {
            swatch: Swatch::Faint(MUTED),
            label: "start and earlier epochs".into(),
            note: String::new(),
        });
    }

    let y_axis = |h: i32| {
        let (ticks, minor) = log_ticks(y_range.0, y_range.1, f64::from(h) / s.dpr);
        Axis {
            range: y_range,
            ticks,
            minor,
            name: "↑ gradient norm ‖∂L/∂W‖ (log scale)".into(),
            grid: true,
        }
    };
    let x_range = (0.6, layers.max(1) as f64 + 0.4);
    let x_axis = |_w: i32| Axis {
        range: x_range,
        ticks: (1..=layers).map(|i| (i as f64, format!("L{i}"))).collect(),
        minor: Vec::new(),
        name: if layers >= 2 {
            format!("weight layer (L1 = input side, L{layers} = output) →")
        } else {
            "weight layer →".into()
        },
        grid: true,
    };
    let (mut chart, rect) = frame(
        &s,
        &FrameSpec {
            legend: &legend,
            y: &y_axis,
            x: &x_axis,
        },
    )?;

    let profile_runs = |g: &[f32]| {
        finite_runs(
            g.iter()
                .enumerate()
                .map(|(i, &v)| ((i + 1) as f64, to_plot(v))),
        )
    };
    // Earlier profiles: faint, more visible the more recent.
    for (l, (_, hist)) in lanes.iter().zip(&profiles) {
        let n = hist.len();
        for (i, g) in hist.iter().enumerate() {
            let opacity = 0.15 + 0.25 * (i + 1) as f64 / n as f64;
            let style = tint(rgb(l.color), opacity).stroke_width(s.stroke(1.25));
            for run in profile_runs(g) {
                chart
                    .draw_series(std::iter::once(PathElement::new(run, style)))
                    .map_err(err)?;
            }
        }
    }
    for (l, (latest, _)) in lanes.iter().zip(&profiles) {
        let Some(g) = latest else { continue };
        let c = rgb(l.color);
        let runs = profile_runs(g);
        for run in &runs {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    run.clone(),
                    c.stroke_width(s.stroke(LINE_WIDTH + 0.5)),
                )))
                .map_err(err)?;
        }
        let r = s.px(4.0);
        for &p in runs.iter().flatten() {
            let off_scale = p.1 <= y_range.0 || p.1 >= y_range.1;
            let pc = chart.backend_coord(&p);
            s.root
                .draw(&Circle::new(pc, r, BACKGROUND.filled()))
                .map_err(err)?;
            let style = if off_scale {
                c.stroke_width(s.stroke(2.0))
            } else {
                c.filled()
            };
            s.root.draw(&Circle::new(pc, r, style)).map_err(err)?;
        }
    }
    if profiles.iter().all(|(latest, _)| latest.is_none()) {
        draw_hint(&s, rect, WAITING)?;
    }
    Ok(Some(rect))
}

// ---------------------------------------------------------------------------------------------
// Dead and saturated units

fn draw_units_at(
    canvas: &HtmlCanvasElement,
    lanes: &[LaneSeries],
    dpr: f64,
) -> Result<Option<PlotRect>, String> {
    let Some(s) = Surface::open(canvas, dpr)? else {
        return Ok(None);
    };
    // Latest (dead, saturated) per lane.
    let latest: Vec<Option<(&[f32], &[f32])>> = lanes
        .iter()
        .map(|l| {
            l.intervals
                .iter()
                .rev()
                .map(|r| (r.dead_fraction.as_slice(), r.saturated_fraction.as_slice()))
                .chain(
                    l.epochs
                        .iter()
                        .rev()
                        .map(|e| (e.dead_fraction.as_slice(), e.saturated_fraction.as_slice())),
                )
                .find(|(d, s)| !d.is_empty() || !s.is_empty())
        })
        .collect();
    let layers = latest
        .iter()
        .flatten()
        .map(|(d, s)| d.len().max(s.len()))
        .max()
        .unwrap_or(0);

    let mut legend = Legend::default();
    for l in lanes {
        legend.entries.push(Entry {
            swatch: Swatch::Bars(rgb(l.color)),
            label: l.label.clone(),
            note: lane_note_waiting(l).unwrap_or_default(),
        });
    }
    let mut relu_family: Vec<&str> = Vec::new();
    let mut saturating: Vec<&str> = Vec::new();
    for a in lanes.iter().filter_map(lane_activation) {
        let list = if a.is_relu_family() {
            &mut relu_family
        } else {
            &mut saturating
        };
        if !list.contains(&a.label()) {
            list.push(a.label());
        }
    }
    if !lanes.is_empty() {
        legend.notes.push(
            "solid: dead, inactive on every probe image · pale: inactive on a given image".into(),
        );
        let mut meaning = Vec::new();
        if !relu_family.is_empty() {
            meaning.push(format!(
                "{}: inactive = off (z ≤ 0)",
                relu_family.join(", ")
            ));
        }
        if !saturating.is_empty() {
            meaning.push(format!(
                "{}: inactive = saturated, f′ < 1% of its max",
                saturating.join(", ")
            ));
        }
        if !meaning.is_empty() {
            legend.notes.push(meaning.join(" · "));
        }
    }

    let y_range = (0.0, 100.0);
    let y_axis = |h: i32| {
        let max_ticks = ((f64::from(h) / s.dpr / 26.0).floor() as usize).max(2);
        Axis {
            range: y_range,
            ticks: linear_ticks(0.0, 100.0, max_ticks, "%"),
            minor: Vec::new(),
            name: "↑ share inactive".into(),
            grid: true,
        }
    };
    let x_range = (0.5, layers.max(1) as f64 + 0.5);
    let x_axis = |_w: i32| Axis {
        range: x_range,
        ticks: (1..=layers)
            .map(|i| (i as f64, format!("hidden {i}")))
            .collect(),
        minor: Vec::new(),
        name: "hidden layer (input side → output side) →".into(),
        grid: false,
    };
    let (chart, rect) = frame(
        &s,
        &FrameSpec {
            legend: &legend,
            y: &y_axis,
            x: &x_axis,
        },
    )?;

    let n = lanes.len().max(1) as f64;
    let group = 0.78;
    let slot = group / n;
    let value = |v: Option<&f32>| {
        v.map(|&v| f64::from(v) * 100.0)
            .filter(|v| v.is_finite())
            .map(|v| v.clamp(0.0, 100.0))
    };
    let small = s.font(NOTE_FONT, MUTED);
    let text_h = s.px(NOTE_FONT + 2.0);
    for layer in 0..layers {
        let center = (layer + 1) as f64;
        for (j, (l, data)) in lanes.iter().zip(&latest).enumerate() {
            let Some((dead, sat)) = data else { continue };
            let c = rgb(l.color);
            let x0 = center - group / 2.0 + slot * j as f64 + slot * 0.08;
            let x1 = x0 + slot * 0.84;
            let (px0, base) = chart.backend_coord(&(x0, 0.0));
            let px1 = chart.backend_coord(&(x1, 0.0)).0.max(px0 + 1);
            let dead = value(dead.get(layer));
            let sat = value(sat.get(layer));
            let y_of = |v: f64| chart.backend_coord(&(x0, v)).1;
            if let Some(v) = sat {
                let top = y_of(v).min(base - 1);
                s.root
                    .draw(&Rectangle::new(
                        [(px0, top), (px1, base)],
                        tint(c, 0.3).filled(),
                    ))
                    .map_err(err)?;
                s.root
                    .draw(&Rectangle::new(
                        [(px0, top), (px1, top + s.stroke(1.5) as i32)],
                        tint(c, 0.7).filled(),
                    ))
                    .map_err(err)?;
            }
            if let Some(v) = dead
                && v > 0.0
            {
                let top = y_of(v).min(base - 1);
                s.root
                    .draw(&Rectangle::new([(px0, top), (px1, base)], c.filled()))
                    .map_err(err)?;
            }
            // Values: saturated above its bar, dead above the solid bar when there is room.
            let label_fits = |t: &str| s.text_width(t, NOTE_FONT) <= (px1 - px0) + s.px(6.0);
            let cx = (px0 + px1) / 2;
            if let Some(v) = sat {
                let t = format!("{v:.0}");
                if label_fits(&t) {
                    let y = (y_of(v) - s.px(2.0)).max(rect.top + text_h);
                    s.text(&t, (cx, y), &small, HPos::Center, VPos::Bottom)?;
                }
            }
            if let (Some(d), Some(v)) = (dead, sat) {
                let t = format!("{d:.0}");
                let room = y_of(d) - y_of(v);
                if d >= 0.5 && room > text_h * 2 && label_fits(&t) {
                    let style = s.font(NOTE_FONT, shade(c, 0.7));
                    s.text(
                        &t,
                        (cx, y_of(d) - s.px(2.0)),
                        &style,
                        HPos::Center,
                        VPos::Bottom,
                    )?;
                }
            }
        }
    }
    if layers == 0 {
        draw_hint(&s, rect, WAITING)?;
    }
    Ok(Some(rect))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::CLASSES;
    use wasm_bindgen_test::wasm_bindgen_test;

    const SIGMOID: (u8, u8, u8) = (0xe6, 0x9f, 0x00);
    const RELU: (u8, u8, u8) = (0x00, 0x72, 0xb2);
    const WILD: (u8, u8, u8) = (0xcc, 0x79, 0xa7);
    const EMPTY: (u8, u8, u8) = (0x00, 0x9e, 0x73);

    /// A deterministic wobble in [-1, 1].
    fn noise(i: usize) -> f64 {
        ((i as f64 * 12.9898).sin() * 43_758.547).fract() * 2.0 - 1.0
    }

    /// Synthetic reports shaped like a real race: `speed` scales how fast the lane learns;
    /// `diverge_at` (in epochs) makes the loss blow up and turn NaN.
    fn lane_reports(
        lane: usize,
        activation: Activation,
        epochs: u32,
        per_epoch: u32,
        speed: f64,
        diverge_at: Option<f64>,
    ) -> (Vec<IntervalReport>, Vec<EpochReport>) {
        let relu = activation.is_relu_family();
        let samples_per_epoch = 55_000u64;
        let mut intervals = Vec::new();
        let mut epoch_reports = Vec::new();
        let mut nan_reports = 0;
        'outer: for epoch in 1..=epochs {
            for k in 1..=per_epoch {
                let t = f64::from(epoch - 1) + f64::from(k) / f64::from(per_epoch);
                let i = intervals.len();
                let plateau = if relu { 0.0 } else { (0.35 - t).max(0.0) * 3.0 };
                let p = (-t * speed).exp();
                let mut loss = 0.02 + 0.25 / (1.0 + t) + 2.05 * p.powf(1.0 - plateau.min(0.9));
                loss *= 1.0 + 0.06 * noise(i);
                let mut acc =
                    (1.0 - 0.9 * p.powf(1.3) - 0.02 - 0.03 / (1.0 + t)) + 0.004 * noise(i + 7);
                let decay = 0.6 + 0.4 * (-t).exp();
                let mut grads: Vec<f32> = if relu {
                    vec![0.35, 0.3, 0.27, 0.42]
                } else {
                    vec![0.003, 0.018, 0.09, 0.45]
                }
                .into_iter()
                .map(|g: f64| (g * decay * (1.0 + 0.1 * noise(i + 3))) as f32)
                .collect();
                let growth = 1.0 - (-t / 2.0).exp();
                let (dead, sat) = if relu {
                    (
                        [
                            0.02 + 0.03 * growth,
                            0.05 + 0.06 * growth,
                            0.08 + 0.1 * growth,
                        ],
                        [0.48, 0.55, 0.62],
                    )
                } else {
                    (
                        [0.0, 0.0, 0.01 * growth],
                        [
                            0.03 + 0.05 * growth,
                            0.08 + 0.1 * growth,
                            0.15 + 0.2 * growth,
                        ],
                    )
                };
                let (dead, sat): (Vec<f32>, Vec<f32>) = (
                    dead.iter().map(|&v| v as f32).collect(),
                    sat.iter().map(|&v| v as f32).collect(),
                );
                if let Some(d) = diverge_at
                    && t > d
                {
                    let blow = 10f64.powf((t - d) * 40.0);
                    loss = 2.3 * blow;
                    acc = 0.098;
                    grads = grads.iter().map(|g| g * blow as f32).collect();
                    if t > d + 0.3 {
                        loss = f64::NAN;
                        acc = f64::NAN;
                        grads = vec![f32::NAN, f32::INFINITY, f32::NAN, f32::NAN];
                        nan_reports += 1;
                    }
                }
                intervals.push(IntervalReport {
                    lane,
                    activation,
                    epoch,
                    epochs_done: t,
                    samples_seen: (t * samples_per_epoch as f64) as u64,
                    train_loss: loss as f32,
                    val_loss: (loss * 1.05) as f32,
                    val_accuracy: acc as f32,
                    samples_per_sec: 20_000.0,
                    elapsed_secs: t * 3.0,
                    grad_norms: grads.clone(),
                    dead_fraction: dead.clone(),
                    saturated_fraction: sat.clone(),
                    activation_mean: vec![],
                    activation_std: vec![],
                    activation_histogram: vec![],
                    mean_abs_slope: vec![],
                    signal_share: vec![],
                    sparsity: vec![],
                });
                if nan_reports >= 2 {
                    break 'outer;
                }
            }
            let last = intervals.last().cloned().expect("a report");
            epoch_reports.push(EpochReport {
                lane,
                activation,
                epoch,
                samples_seen: u64::from(epoch) * samples_per_epoch,
                train_loss: last.train_loss,
                val_loss: last.val_loss,
                val_accuracy: last.val_accuracy + 0.002,
                test_loss: last.val_loss,
                test_accuracy: last.val_accuracy,
                confusion: [[0; CLASSES]; CLASSES],
                grad_norms: last.grad_norms.clone(),
                dead_fraction: last.dead_fraction.clone(),
                saturated_fraction: last.saturated_fraction.clone(),
                activation_mean: vec![],
                activation_std: vec![],
                activation_histogram: vec![],
                mean_abs_slope: vec![],
                signal_share: vec![],
                sparsity: vec![],
                samples_per_sec: 20_000.0,
                epoch_secs: 3.0,
                elapsed_secs: f64::from(epoch) * 3.0,
                diverged: !last.train_loss.is_finite(),
            });
        }
        if nan_reports > 0
            && let Some(e) = epoch_reports.last_mut()
        {
            e.diverged = true;
        }
        (intervals, epoch_reports)
    }

    type Reports = (Vec<IntervalReport>, Vec<EpochReport>);

    /// Sigmoid, ReLU, a ReLU lane that diverges, and a lane that has not reported yet.
    fn race(epochs: u32, per_epoch: u32) -> [Reports; 4] {
        [
            lane_reports(0, Activation::Sigmoid, epochs, per_epoch, 0.9, None),
            lane_reports(1, Activation::Relu, epochs, per_epoch, 2.2, None),
            lane_reports(2, Activation::Relu, epochs, per_epoch, 2.0, Some(0.6)),
            (Vec::new(), Vec::new()),
        ]
    }

    fn lanes(data: &[Reports]) -> Vec<LaneSeries<'_>> {
        let labels = ["Sigmoid", "ReLU", "ReLU (lr 2)", "Tanh"];
        let colors = [SIGMOID, RELU, WILD, EMPTY];
        data.iter()
            .enumerate()
            .map(|(i, (iv, ep))| LaneSeries {
                label: labels[i % 4].to_string(),
                color: colors[i % 4],
                intervals: iv,
                epochs: ep,
            })
            .collect()
    }

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

    /// Pixels within `rect` whose colour is within 2 of `color` on every channel.
    fn count_colour(canvas: &HtmlCanvasElement, rect: PlotRect, color: (u8, u8, u8)) -> usize {
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .expect("context")
            .expect("2d")
            .dyn_into()
            .expect("2d context");
        let (w, h) = (rect.right - rect.left, rect.bottom - rect.top);
        let data = ctx
            .get_image_data(
                f64::from(rect.left),
                f64::from(rect.top),
                f64::from(w),
                f64::from(h),
            )
            .expect("image data")
            .data();
        let near = |a: u8, b: u8| a.abs_diff(b) <= 2;
        data.chunks_exact(4)
            .filter(|p| near(p[0], color.0) && near(p[1], color.1) && near(p[2], color.2))
            .count()
    }

    type Draw = fn(&HtmlCanvasElement, &[LaneSeries]) -> Result<Option<PlotRect>, String>;

    fn all_charts() -> [(&'static str, Draw); 4] {
        [
            ("loss", |c, l| draw_loss_at(c, l, 1.0)),
            ("accuracy", |c, l| draw_accuracy_at(c, l, 0.97, 1.0)),
            ("gradients", |c, l| draw_gradients_at(c, l, 1.0)),
            ("units", |c, l| draw_units_at(c, l, 1.0)),
        ]
    }

    #[wasm_bindgen_test]
    fn every_chart_draws_each_reporting_lane_in_its_colour() {
        let data = race(6, 20);
        let lanes = lanes(&data);
        for (name, draw) in all_charts() {
            let c = canvas(640, 360);
            let rect = draw(&c, &lanes)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .unwrap_or_else(|| panic!("{name}: canvas judged too small"));
            for (colour, lane) in [(SIGMOID, "Sigmoid"), (RELU, "ReLU"), (WILD, "diverged")] {
                let n = count_colour(&c, rect, colour);
                assert!(
                    n >= 10,
                    "{name}: only {n} pixels of the {lane} lane's colour"
                );
            }
            // The lane without reports is in the legend only, not in the plot.
            assert_eq!(
                count_colour(&c, rect, EMPTY),
                0,
                "{name}: the empty lane was drawn"
            );
        }
    }

    #[wasm_bindgen_test]
    fn empty_charts_draw_cleanly() {
        let data = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
        let waiting = lanes(&data);
        for (name, draw) in all_charts() {
            for lanes in [&waiting[..], &[]] {
                let c = canvas(480, 270);
                let rect = draw(&c, lanes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .unwrap_or_else(|| panic!("{name}: canvas judged too small"));
                // Tick labels and the hint were drawn, and no lane's colour in the plot.
                assert!(dark_pixels(&c) > 200, "{name}: blank");
                assert_eq!(count_colour(&c, rect, SIGMOID), 0, "{name}");
            }
        }
    }

    fn dark_pixels(canvas: &HtmlCanvasElement) -> usize {
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .expect("context")
            .expect("2d")
            .dyn_into()
            .expect("2d context");
        let data = ctx
            .get_image_data(
                0.0,
                0.0,
                f64::from(canvas.width()),
                f64::from(canvas.height()),
            )
            .expect("image data")
            .data();
        data.chunks_exact(4)
            .filter(|p| p[0] < 160 && p[1] < 160 && p[2] < 160)
            .count()
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
        for (name, draw) in all_charts() {
            let c = canvas(500, 300);
            draw(&c, &lanes).unwrap_or_else(|e| panic!("{name}: {e}"));
            for target in [f32::NAN, 0.0, 1.5, 1.0] {
                draw_accuracy_at(&c, &lanes, target, 1.0).expect("accuracy");
            }
        }
        // Canvases too small (or hidden) to hold a chart are cleared, not an error.
        for (w, h) in [(0, 0), (1, 1), (100, 40)] {
            for (name, draw) in all_charts() {
                let c = canvas(w, h);
                assert!(draw(&c, &lanes).expect(name).is_none(), "{name}");
            }
        }
    }

    #[wasm_bindgen_test]
    fn public_functions_use_the_device_pixel_ratio() {
        let data = race(2, 20);
        let lanes = lanes(&data);
        let c = canvas(600, 300);
        draw_loss(&c, &lanes).expect("loss");
        draw_accuracy(&c, &lanes, 0.95).expect("accuracy");
        draw_gradients(&c, &lanes).expect("gradients");
        draw_units(&c, &lanes).expect("units");
    }

    #[wasm_bindgen_test]
    fn a_long_race_redraws_within_a_frame() {
        // The largest race: 4 lanes × 100 epochs × 20 reports, on a HiDPI-sized canvas.
        let mut data: Vec<Reports> = race(100, 20).into_iter().take(3).collect();
        data.push(lane_reports(3, Activation::Tanh, 100, 20, 1.4, None));
        let lanes = lanes(&data);
        let perf = web_sys::window()
            .and_then(|w| w.performance())
            .expect("performance");
        let c = canvas(920, 500);
        let mut times = Vec::new();
        for (name, draw) in [
            ("loss", (|c, l| draw_loss_at(c, l, 2.0)) as Draw),
            ("accuracy", |c, l| draw_accuracy_at(c, l, 0.97, 2.0)),
            ("gradients", |c, l| draw_gradients_at(c, l, 2.0)),
            ("units", |c, l| draw_units_at(c, l, 2.0)),
        ] {
            draw(&c, &lanes).expect(name); // warm-up
            // The fastest of a few runs: the test machine may be busy with other work.
            let mut best = f64::INFINITY;
            for _ in 0..7 {
                let start = perf.now();
                draw(&c, &lanes).expect(name);
                best = best.min(perf.now() - start);
            }
            times.push((name, best));
        }
        let total: f64 = times.iter().map(|t| t.1).sum();
        wasm_bindgen_test::console_log!("chart draw times (ms): {times:?}, all four: {total:.2}");
        // Generous bound for slow CI machines; typically a few milliseconds.
        assert!(total < 100.0, "drawing all four charts took {total:.1} ms");
    }

    #[wasm_bindgen_test]
    fn helpers_keep_the_data_honest() {
        // Thinning keeps the ends and the extremes, and at most two points per column.
        let run: Vec<(f64, f64)> = (0..5000)
            .map(|i| (i as f64 / 1000.0, (i as f64 * 0.37).sin()))
            .collect();
        let thin = downsample(&run, 0.0, 5.0, 100);
        assert!(thin.len() <= 202, "{}", thin.len());
        assert_eq!((thin[0], thin[thin.len() - 1]), (run[0], run[4999]));
        let max = |v: &[(f64, f64)]| v.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        assert_eq!(max(&thin), max(&run));
        assert!(thin.windows(2).all(|w| w[0].0 <= w[1].0));
        // Smoothing: same length, constants unchanged, never panics on odd x orders.
        let flat: Vec<(f64, f64)> = (0..50).map(|i| (f64::from(i), 3.0)).collect();
        assert!(smooth(&flat, 2.5).iter().all(|p| (p.1 - 3.0).abs() < 1e-12));
        let odd = [(3.0, 1.0), (1.0, 2.0), (2.0, 3.0), (0.0, 4.0)];
        assert_eq!(smooth(&odd, 1.0).len(), 4);
        // A diverged run is cut where it crosses the cap.
        let mut runs = vec![vec![(0.0, 0.0), (1.0, 0.5), (2.0, 5.0), (3.0, 9.0)]];
        clip_runs_above(&mut runs, 1.0);
        assert_eq!(
            runs,
            vec![vec![(0.0, 0.0), (1.0, 0.5), (1.0 + 0.5 / 4.5, 1.0)]]
        );
        // Ticks and labels.
        let (ticks, _) = log_ticks(0.05f64.log10(), 3f64.log10(), 400.0);
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.05", "0.1", "0.2", "0.5", "1", "2"]);
        let (ticks, _) = log_ticks(-6.2, 2.1, 120.0);
        assert!(ticks.len() >= 2 && ticks.len() <= 6, "{ticks:?}");
        assert_eq!(format_sig(1e-5), "10⁻⁵");
        assert_eq!(format_sig(2e-6), "2×10⁻⁶");
        assert_eq!(format_value(0.00312), "0.0031");
        assert_eq!(thousands(55_000), "55,000");
        let labels: Vec<String> = linear_ticks(0.0, 1.0, 4, "")
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(labels, ["0.00", "0.25", "0.50", "0.75", "1.00"]);
        assert!((accuracy_pos(90.0) - 1.0).abs() < 1e-12);
        assert!((accuracy_pos(99.0) - 2.0).abs() < 1e-12);
        assert!(accuracy_pos(f64::NAN).is_nan());
        assert_eq!(format_pct(97.5), "97.5%");
        assert_eq!(format_pct(95.0), "95%");
    }

    /// Not a check: logs each chart as a PNG data URL for looking at them
    /// (`cargo test --target wasm32-unknown-unknown --lib charts::tests::preview -- --include-ignored --nocapture`).
    #[wasm_bindgen_test]
    #[ignore]
    fn preview() {
        let data = race(6, 20);
        let lanes = lanes(&data);
        let two = self::lanes(&data[..2]);
        let nothing = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
        let empty = self::lanes(&nothing);
        let long_data = race(40, 20);
        let long = self::lanes(&long_data[..2]);
        for (set, lanes) in [
            ("long", &long[..]),
            ("race", &lanes[..]),
            ("two", &two[..]),
            ("empty", &empty[..]),
        ] {
            for (w, h, dpr) in [(460.0, 250.0, 2.0), (720.0, 300.0, 1.0)] {
                for name in ["loss", "accuracy", "gradients", "units"] {
                    let c = canvas((w * dpr) as u32, (h * dpr) as u32);
                    match name {
                        "loss" => draw_loss_at(&c, lanes, dpr),
                        "accuracy" => draw_accuracy_at(&c, lanes, 0.97, dpr),
                        "gradients" => draw_gradients_at(&c, lanes, dpr),
                        _ => draw_units_at(&c, lanes, dpr),
                    }
                    .expect(name);
                    let url = c.to_data_url().expect("data url");
                    wasm_bindgen_test::console_log!("PREVIEW {set}-{name}-{w}x{h}@{dpr} {url}");
                }
            }
        }
    }
}
