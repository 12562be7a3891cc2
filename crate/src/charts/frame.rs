//! A chart's frame: where the legend, the axis names, the tick labels and the plot go, the
//! mapping from values to device pixels, and drawing grid, axes and labels. Axes live in value
//! space (log axes in log10 units, the accuracy axis in −log10 of the error); the frame only
//! maps them linearly onto the plot.

use super::legend::{Legend, LegendLayout};
use super::painter::{Anchor, Color, HAlign, Rect, TextMeasure, VAlign};
use super::series::{Runs, downsample, smooth};
use super::surface::{Surface, font};
use super::theme::{AXIS, GRID, GRID_MINOR, HINT_FONT, LINE_WIDTH, MUTED, PAD, TEXT, TICK_FONT};
use super::ticks::linear_ticks;

/// One axis: its range (in plot units), labelled ticks, unlabelled minor grid lines and its
/// name.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub range: (f64, f64),
    pub ticks: Vec<(f64, String)>,
    pub minor: Vec<f64>,
    pub name: String,
    /// Grid lines across the plot at the ticks.
    pub grid: bool,
}

/// The x axis of charts over epochs, `0..end`, with ticks at least 55 CSS px apart.
pub fn epoch_axis(end: f64, name: &str, plot_width_css: f64) -> Axis {
    let max_ticks = ((plot_width_css / 55.0).floor() as usize).clamp(2, 12);
    Axis {
        range: (0.0, end),
        ticks: linear_ticks(0.0, end, max_ticks, ""),
        minor: Vec::new(),
        name: name.into(),
        grid: true,
    }
}

/// A y axis of shares, 0–100%, with ticks at least 26 CSS px apart (the bar charts per layer).
pub fn percent_axis(plot_height_css: f64, name: &str) -> Axis {
    Axis {
        range: (0.0, 100.0),
        ticks: linear_ticks(
            0.0,
            100.0,
            ((plot_height_css / 26.0).floor() as usize).max(2),
            "%",
        ),
        minor: Vec::new(),
        name: name.into(),
        grid: true,
    }
}

/// The x axis of the bar charts per hidden layer: a group per layer, "hidden 1" … "hidden n".
pub fn hidden_layer_axis(layers: usize) -> Axis {
    Axis {
        range: (0.5, layers.max(1) as f64 + 0.5),
        ticks: (1..=layers)
            .map(|i| (i as f64, format!("hidden {i}")))
            .collect(),
        minor: Vec::new(),
        name: "hidden layer (input side → output side) →".into(),
        grid: false,
    }
}

/// Where `v` sits on a log10 axis spanning `range`: zero (or tiny) values on the bottom edge,
/// huge ones on the top edge, NaN nowhere.
pub fn log_y(v: f32, range: (f64, f64)) -> f64 {
    let v = f64::from(v);
    if v.is_nan() {
        f64::NAN
    } else if v > 0.0 {
        v.log10().clamp(range.0, range.1)
    } else {
        range.0
    }
}

/// A laid-out chart frame, in device pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub plot: Rect,
    pub x: Axis,
    pub y: Axis,
    pub legend: LegendLayout,
    width: f64,
    height: f64,
    dpr: f64,
}

impl Frame {
    /// Lays out a `size` (device pixels) chart: the legend band on top, the y axis name above
    /// the plot, tick labels left and below, the x axis name under them. The axes are built
    /// once the plot's size is known: `y` from its height, `x` from its width (CSS pixels), so
    /// their tick density can follow the room.
    pub fn layout(
        m: &dyn TextMeasure,
        (width, height): (f64, f64),
        dpr: f64,
        legend: &Legend,
        y: &dyn Fn(f64) -> Axis,
        x: &dyn Fn(f64) -> Axis,
    ) -> Frame {
        let px = |css: f64| css * dpr;
        let tick_font = font(TICK_FONT, dpr);
        let pad = px(PAD);
        let legend_layout = legend.layout(m, dpr, (pad, pad), width - 2.0 * pad);
        let lh = legend_layout.height;
        let name_row = px(16.0);
        let top = pad + lh + if lh > 0.0 { px(4.0) } else { 0.0 } + name_row + px(6.0);
        let tick = px(4.0);
        let x_area = tick + px(5.0 + TICK_FONT * 1.25) + name_row;
        let bottom = (height - pad - x_area).max(top + 1.0);
        let y = y(((bottom - top) / dpr).max(1.0));
        let y_label_w = y
            .ticks
            .iter()
            .map(|(_, l)| m.text_width(l, &tick_font))
            .fold(0.0, f64::max);
        let left = pad + y_label_w + tick + px(6.0);
        // Room on the right for half of a tick label at the right end of the x axis.
        let plot_width = |right_pad: f64| (width - left - right_pad).max(1.0);
        let mut right_pad = px(12.0);
        let mut x_axis = x(plot_width(right_pad) / dpr);
        let end_label = |a: &Axis| {
            a.ticks
                .last()
                .filter(|(v, _)| (v - a.range.1).abs() <= (a.range.1 - a.range.0).abs() * 1e-6)
                .map_or(0.0, |(_, l)| m.text_width(l, &tick_font) / 2.0 + px(2.0))
        };
        if end_label(&x_axis) > right_pad {
            right_pad = end_label(&x_axis);
            x_axis = x(plot_width(right_pad) / dpr);
        }
        let right = left + plot_width(right_pad);
        Frame {
            plot: Rect::new(left, top, right, bottom),
            x: x_axis,
            y,
            legend: legend_layout,
            width,
            height,
            dpr,
        }
    }

    pub fn x_px(&self, v: f64) -> f64 {
        let (a, b) = self.x.range;
        self.plot.left + (v - a) / (b - a) * self.plot.width()
    }

    pub fn y_px(&self, v: f64) -> f64 {
        let (a, b) = self.y.range;
        self.plot.bottom - (v - a) / (b - a) * self.plot.height()
    }

    /// A point in value space to device pixels.
    pub fn to_px(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.x_px(x), self.y_px(y))
    }

    /// The plot's width in CSS pixels: lines are thinned to this many columns.
    pub fn columns(&self) -> usize {
        (self.plot.width() / self.dpr).max(1.0) as usize
    }

    /// Grid, axes, tick marks and labels, axis names and the legend.
    pub fn draw(&self, s: &mut Surface<'_>, legend: &Legend) {
        let r = self.plot;
        let (grid, minor, axis) = (
            s.stroke(GRID, 1.0),
            s.stroke(GRID_MINOR, 1.0),
            s.stroke(AXIS, 1.0),
        );
        for &v in &self.y.minor {
            s.hline(r.left, r.right, self.y_px(v), &minor);
        }
        for (v, _) in &self.y.ticks {
            s.hline(r.left, r.right, self.y_px(*v), &grid);
        }
        if self.x.grid {
            for (v, _) in &self.x.ticks {
                s.vline(self.x_px(*v), r.top, r.bottom, &grid);
            }
        }
        s.hline(r.left, r.right, r.bottom, &axis);
        s.vline(r.left, r.top, r.bottom, &axis);
        let tick = s.px(4.0);
        for (v, label) in &self.y.ticks {
            let py = self.y_px(*v);
            s.hline(r.left - tick, r.left, py, &axis);
            let at = (r.left - tick - s.px(4.0), py);
            s.text(label, at, TICK_FONT, TEXT, (HAlign::Right, VAlign::Middle));
        }
        for (v, label) in &self.x.ticks {
            let px = self.x_px(*v);
            s.vline(px, r.bottom, r.bottom + tick, &axis);
            let at = (px, r.bottom + tick + s.px(3.0));
            s.text(label, at, TICK_FONT, TEXT, (HAlign::Center, VAlign::Top));
        }
        let pad = s.px(PAD);
        let y_name_at = (pad, r.top - s.px(10.0));
        s.text(
            &self.y.name,
            y_name_at,
            TICK_FONT,
            TEXT,
            (HAlign::Left, VAlign::Bottom),
        );
        let x_name_at = (r.right, self.height - pad);
        s.text(
            &self.x.name,
            x_name_at,
            TICK_FONT,
            TEXT,
            (HAlign::Right, VAlign::Bottom),
        );
        legend.draw(s, &self.legend);
        debug_assert_eq!((self.width, self.height), (s.width, s.height));
    }

    /// The centred hint on an empty chart.
    pub fn draw_hint(&self, s: &mut Surface<'_>, text: &str) {
        let mut f = s.font(HINT_FONT);
        f.italic = true;
        let r = self.plot;
        let at = ((r.left + r.right) / 2.0, (r.top + r.bottom) / 2.0);
        let anchor = Anchor::new(HAlign::Center, VAlign::Middle);
        s.p.text(text, at, &f, anchor, MUTED);
    }
}

/// A lane's line over epochs: its runs of finite points (value space) and how to draw them.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneLine {
    pub color: Color,
    pub runs: Runs,
    /// Drawn as reported, unsmoothed: smoothing would blunt the blow-up.
    pub diverged: bool,
}

/// Every lane's line, each as the reports in a thin pale line and over it the same smoothed
/// across ±5 CSS px in the lane's colour (so per-report noise doesn't turn long races into a
/// band), thinned to two points per CSS pixel column. A lone point is a dot.
pub fn draw_lane_lines(s: &mut Surface<'_>, frame: &Frame, lines: &[LaneLine]) {
    let (x0, x1) = frame.x.range;
    let columns = frame.columns();
    let half_width = 5.0 * (x1 - x0) / columns as f64;
    s.p.clip(Some(frame.plot.inflate(s.px(LINE_WIDTH))));
    let to_px = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
        downsample(pts, x0, x1, columns)
            .into_iter()
            .map(|p| frame.to_px(p))
            .collect()
    };
    for line in lines {
        let raw = s.stroke(line.color.tint(0.4), 1.0);
        let bold = s.stroke(line.color, LINE_WIDTH);
        for run in &line.runs {
            if run.len() == 1 {
                s.p.circle(frame.to_px(run[0]), s.px(2.5), Some(line.color), None);
            } else if line.diverged {
                s.p.polyline(&to_px(run), &bold);
            } else {
                s.p.polyline(&to_px(run), &raw);
                s.p.polyline(&to_px(&smooth(run, half_width)), &bold);
            }
        }
    }
    s.p.clip(None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::legend::Swatch;
    use crate::charts::painter::Font;

    struct HalfEm;

    impl TextMeasure for HalfEm {
        fn text_width(&self, text: &str, font: &Font) -> f64 {
            text.chars().count() as f64 * font.size / 2.0
        }
    }

    fn axis(range: (f64, f64), ticks: &[(f64, &str)]) -> Axis {
        Axis {
            range,
            ticks: ticks.iter().map(|&(v, l)| (v, l.to_string())).collect(),
            minor: Vec::new(),
            name: "name".into(),
            grid: true,
        }
    }

    #[test]
    fn the_plot_makes_room_for_legend_names_and_labels() {
        let mut legend = Legend::default();
        legend.entry(Swatch::Line(TEXT), "ReLU", "");
        let y = |_h: f64| axis((0.0, 1.0), &[(0.0, "0"), (1.0, "100%")]);
        let x = |_w: f64| axis((0.0, 4.0), &[(0.0, "0"), (4.0, "4")]);
        let f = Frame::layout(&HalfEm, (600.0, 300.0), 1.0, &legend, &y, &x);
        // Top: pad 8 + legend row 16 + 4 + name row 16 + 6 = 50.
        // Bottom: 300 − pad 8 − (tick 4 + 5 + 13.75 + name row 16) = 253.25.
        // Left: pad 8 + "100%" at 5.5 px a character (22) + tick 4 + 6 = 40.
        // Right: the end label "4" needs 2.75 + 2 < 12 px: 600 − 12.
        assert_eq!(f.plot, Rect::new(40.0, 50.0, 588.0, 253.25));
        assert_eq!(f.to_px((0.0, 0.0)), (40.0, 253.25));
        assert_eq!(f.to_px((2.0, 0.5)), (314.0, 151.625));
        assert_eq!(f.columns(), 548);
        // At dpr 2, every length doubles.
        let f2 = Frame::layout(&HalfEm, (1200.0, 600.0), 2.0, &legend, &y, &x);
        assert_eq!(f2.plot, Rect::new(80.0, 100.0, 1176.0, 506.5));
        assert_eq!(f2.columns(), 548);
    }

    #[test]
    fn a_wide_end_label_widens_the_right_margin_and_the_axes_see_the_plot_size() {
        let legend = Legend::default();
        let seen = std::cell::RefCell::new(Vec::new());
        let y = |h: f64| {
            seen.borrow_mut().push(("y", h));
            axis((0.0, 1.0), &[(0.0, "0")])
        };
        let x = |w: f64| {
            seen.borrow_mut().push(("x", w));
            axis((0.0, 1.0), &[(1.0, "hidden 1000")])
        };
        let f = Frame::layout(&HalfEm, (400.0, 200.0), 1.0, &legend, &y, &x);
        // "hidden 1000": 11 · 5.5 = 60.5, half of it + 2 = 32.25 > 12.
        assert_eq!(f.plot.right, 400.0 - 32.25);
        // No legend: top = 8 + 16 + 6 = 30; bottom = 200 − 8 − 38.75 = 153.25; left = 8 + 5.5 + 10.
        let seen = seen.into_inner();
        assert_eq!(seen[0], ("y", 153.25 - 30.0));
        assert_eq!(seen[1], ("x", 400.0 - 23.5 - 12.0));
        assert_eq!(seen[2], ("x", 400.0 - 23.5 - 32.25));
    }

    #[test]
    fn epoch_axes_tick_by_room() {
        // 330 px: at most 6 ticks, a step of 1.
        let a = epoch_axis(5.0, "epochs →", 330.0);
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0", "1", "2", "3", "4", "5"]);
        // 120 px: at most 2 ticks, a step of 2.5.
        let a = epoch_axis(5.0, "epochs →", 120.0);
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.0", "2.5", "5.0"]);
    }
}
