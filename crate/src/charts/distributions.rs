//! Activation distributions per hidden layer (the picture of Glorot & Bengio 2010): one panel
//! per lane, side by side (small multiples, wrapping to rows when narrow). In each panel, on
//! top, the mean output of every hidden layer over training with a ±1 standard deviation band;
//! under it the latest distribution of each layer's outputs on the probe batch, with the
//! activation's flat zones (where f′ is small, so little gradient passes) shaded.
//!
//! Layers of a lane are told apart by shades of the lane's colour: palest for hidden layer 1
//! (the input side), the lane's own colour for the top hidden layer. Histogram bars are √share
//! high (each layer scaled to its largest bin), so that a spike of exact zeros does not flatten
//! the rest of the distribution.

use super::frame::{Axis, Frame, epoch_axis};
use super::inset::Inset;
use super::lanes::{LaneSeries, epoch_axis_end, epoch_axis_name};
use super::legend::{Legend, Swatch};
use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::series::{downsample, finite_runs};
use super::surface::Surface;
use super::theme::{LEGEND_FONT, LINE_WIDTH, NOTE_FONT, PAD, TEXT, WAITING};
use super::ticks::linear_ticks;
use crate::activation::Activation;
use crate::report::Histogram;

/// Shade of the flat zones behind the histograms.
pub const FLAT_ZONE: Color = Color::rgb(0xdc, 0xdd, 0xe4);

/// The narrowest a panel gets beside another (CSS px): its tick labels and per-layer notes need
/// that much.
pub const PANEL_MIN_WIDTH: f64 = 200.0;

/// A panel's height where the page can choose it (CSS px): a readable plot of the means over
/// time above a histogram row per layer.
pub const PANEL_HEIGHT: f64 = 330.0;

/// The chart's height with one row of panels (CSS px; the page's CSS gives it the same).
pub const MIN_CSS_HEIGHT: f64 = 470.0;

/// How many panels fit side by side in `width_css`.
fn panels_across(width_css: f64) -> usize {
    ((width_css - 2.0 * PAD) / PANEL_MIN_WIDTH).floor().max(1.0) as usize
}

/// A flat zone of an activation's outputs: where |f′| is below a fifth of its maximum, so a
/// unit there passes little gradient back. `exact` marks a single value (ReLU's 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlatZone {
    pub lo: f32,
    pub hi: f32,
}

/// The output ranges where `activation` is flat (|f′| < 20% of its maximum), as intervals of
/// outputs: Sigmoid below 0.05 or above 0.95 (σ′ = a(1 − a) < 0.0475), Tanh beyond ±0.9
/// (1 − a² < 0.19), ReLU exactly 0, Leaky ReLU below 0, ELU below −0.8 (f′ = a + 1), Softplus
/// below 0.22 (f′ = 1 − e^−a). GELU and SiLU have none in output space: their flat negative
/// tail gives the same small outputs as z near 0, where f′ is about ½.
pub fn flat_zones(activation: Activation) -> Vec<FlatZone> {
    let z = |lo: f32, hi: f32| FlatZone { lo, hi };
    match activation {
        Activation::Sigmoid => vec![z(0.0, 0.05), z(0.95, 1.0)],
        Activation::Tanh => vec![z(-1.0, -0.9), z(0.9, 1.0)],
        Activation::Relu => vec![z(0.0, 0.0)],
        Activation::LeakyRelu => vec![z(f32::NEG_INFINITY, 0.0)],
        Activation::Elu => vec![z(-1.0, -0.8)],
        Activation::Softplus => vec![z(0.0, 0.22)],
        Activation::Gelu | Activation::Silu => Vec::new(),
    }
}

/// The flat zones in words, for the legend.
fn flat_zones_words(activation: Activation) -> Option<&'static str> {
    Some(match activation {
        Activation::Sigmoid => "Sigmoid < 0.05 or > 0.95",
        Activation::Tanh => "Tanh beyond ±0.9",
        Activation::Relu => "ReLU exactly 0",
        Activation::LeakyRelu => "Leaky ReLU < 0",
        Activation::Elu => "ELU < −0.8",
        Activation::Softplus => "Softplus < 0.22",
        Activation::Gelu | Activation::Silu => return None,
    })
}

/// The share of a histogram's values in the flat zones: bins whose centre lies in a zone,
/// and the values below or above the range when a zone reaches that end. ReLU's zone is the
/// single value 0, which a bin cannot isolate: use the reports' `sparsity` for it.
pub fn flat_share(h: &Histogram, zones: &[FlatZone]) -> Option<f64> {
    let total = h.total();
    if total == 0 {
        return None;
    }
    let w = (h.hi - h.lo) / h.counts.len() as f32;
    let mut flat: u64 = 0;
    for (i, &c) in h.counts.iter().enumerate() {
        let centre = h.lo + (i as f32 + 0.5) * w;
        if zones
            .iter()
            .any(|z| z.lo < z.hi && centre >= z.lo && centre <= z.hi)
        {
            flat += u64::from(c);
        }
    }
    if zones.iter().any(|z| z.lo < z.hi && z.lo <= h.lo) {
        flat += u64::from(h.below);
    }
    if zones.iter().any(|z| z.lo < z.hi && z.hi >= h.hi) {
        flat += u64::from(h.above);
    }
    Some(flat as f64 / total as f64)
}

/// Labels at heights `ends` (y pixels, sorted top to bottom) moved apart to at least `gap`:
/// pushed down, then those pushed past `bottom` moved back up as a stack (rather than piled on
/// the bottom line).
fn stack_labels(ends: Vec<(f64, usize)>, gap: f64, bottom: f64) -> Vec<(f64, usize)> {
    let mut placed: Vec<(f64, usize)> = Vec::with_capacity(ends.len());
    for (y, i) in ends {
        let y = placed.last().map_or(y, |&(last, _)| y.max(last + gap));
        placed.push((y, i));
    }
    let mut limit = bottom;
    for (y, _) in placed.iter_mut().rev() {
        *y = y.min(limit);
        limit = *y - gap;
    }
    placed
}

/// Colour of hidden layer `i` of `n` in a lane of colour `c`: from pale (layer 1) to the lane's
/// own colour (the top hidden layer).
pub fn layer_color(c: Color, i: usize, n: usize) -> Color {
    if n <= 1 {
        return c;
    }
    let t = i as f64 / (n - 1) as f64;
    let pale = c.tint(0.35);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    Color::rgb(mix(pale.r, c.r), mix(pale.g, c.g), mix(pale.b, c.b))
}

/// One lane's panel.
#[derive(Clone, Debug, PartialEq)]
pub struct LanePanel {
    pub label: String,
    pub color: Color,
    pub activation: Option<Activation>,
    /// Per hidden layer: (epochs done, mean, std) at each report.
    pub layers: Vec<Vec<(f64, f64, f64)>>,
    /// Per hidden layer: the latest histogram of its outputs.
    pub histograms: Vec<Histogram>,
    /// Per hidden layer: the latest share of outputs in a flat zone (ReLU: exactly 0).
    pub flat: Vec<Option<f64>>,
    /// The y range of the means and bands.
    pub y_range: (f64, f64),
    /// "waiting" or "diverged", else empty.
    pub note: String,
}

/// What the distributions chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct DistributionsChart {
    pub panels: Vec<LanePanel>,
    /// Hidden layers (the most any lane reported).
    pub layers: usize,
    pub x_end: f64,
    pub x_name: String,
    pub legend: Legend,
}

/// The y range of a lane's means ± std: the output range of the bounded activations (Sigmoid
/// [0, 1], Tanh [−1, 1], as Glorot & Bengio plot them), else the data's extent with 0, padded.
fn y_range_of(activation: Option<Activation>, layers: &[Vec<(f64, f64, f64)>]) -> (f64, f64) {
    match activation {
        Some(Activation::Sigmoid) => (0.0, 1.0),
        Some(Activation::Tanh) => (-1.0, 1.0),
        _ => {
            let (lo, hi) = layers
                .iter()
                .flatten()
                .filter(|p| p.1.is_finite() && p.2.is_finite())
                .fold((0.0f64, 0.5f64), |(lo, hi), &(_, m, s)| {
                    (lo.min(m - s), hi.max(m + s))
                });
            let pad = (hi - lo) * 0.05;
            (if lo < 0.0 { lo - pad } else { 0.0 }, (hi + pad).min(1e6))
        }
    }
}

impl DistributionsChart {
    pub fn new(lanes: &[LaneSeries<'_>]) -> DistributionsChart {
        let panels: Vec<LanePanel> = lanes
            .iter()
            .map(|l| {
                let activation = l.activation();
                let n = l
                    .intervals
                    .iter()
                    .map(|r| r.activation_mean.len())
                    .max()
                    .unwrap_or(0);
                let layers: Vec<Vec<(f64, f64, f64)>> = (0..n)
                    .map(|i| {
                        l.intervals
                            .iter()
                            .filter_map(|r| {
                                let m = *r.activation_mean.get(i)?;
                                let s = r.activation_std.get(i).copied().unwrap_or(0.0);
                                Some((r.epochs_done, f64::from(m), f64::from(s)))
                            })
                            .collect()
                    })
                    .collect();
                let latest = l
                    .intervals
                    .iter()
                    .rev()
                    .find(|r| !r.activation_histogram.is_empty());
                let histograms = latest.map_or_else(Vec::new, |r| r.activation_histogram.clone());
                let zones = activation.map(flat_zones).unwrap_or_default();
                let flat = histograms
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        if activation == Some(Activation::Relu) {
                            latest
                                .and_then(|r| r.sparsity.get(i))
                                .map(|&v| f64::from(v))
                                .filter(|v| v.is_finite())
                        } else if zones.is_empty() {
                            None
                        } else {
                            flat_share(h, &zones)
                        }
                    })
                    .collect();
                let note = if l.is_empty() {
                    "waiting".into()
                } else if l.diverged() {
                    "diverged".into()
                } else {
                    String::new()
                };
                LanePanel {
                    label: l.label.clone(),
                    color: Color::from_rgb(l.color),
                    activation,
                    y_range: y_range_of(activation, &layers),
                    layers,
                    histograms,
                    flat,
                    note,
                }
            })
            .collect();
        let layers = panels
            .iter()
            .map(|p| p.layers.len().max(p.histograms.len()))
            .max()
            .unwrap_or(0);

        let mut legend = Legend::default();
        for l in lanes {
            let note = l.waiting_note().unwrap_or_default();
            legend.entry(Swatch::Line(Color::from_rgb(l.color)), &l.label, note);
        }
        if !lanes.is_empty() {
            legend.notes.push(
                "Top: mean output per hidden layer (palest = layer 1, full colour = the top \
                 layer), band ±1 std. Bottom: the latest outputs on 500 probe images, bar \
                 height ∝ √share."
                    .into(),
            );
            let mut words: Vec<&str> = Vec::new();
            for w in lanes
                .iter()
                .filter_map(LaneSeries::activation)
                .filter_map(flat_zones_words)
            {
                if !words.contains(&w) {
                    words.push(w);
                }
            }
            if !words.is_empty() {
                legend.notes.push(format!(
                    "Grey: flat zones, f′ < ⅕ of its maximum ({}); % = share of outputs there.",
                    words.join(", ")
                ));
            }
        }
        DistributionsChart {
            panels,
            layers,
            x_end: epoch_axis_end(lanes),
            x_name: epoch_axis_name(lanes),
            legend,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.panels
            .iter()
            .all(|p| p.layers.iter().all(Vec::is_empty) && p.histograms.is_empty())
    }

    /// Columns of panels for a chart `width_css` × `height_css`: side by side while each gets
    /// [`PANEL_MIN_WIDTH`], else in rows, as many as keep 260 CSS px each (more columns if need
    /// be).
    pub fn columns(&self, width_css: f64, height_css: f64) -> usize {
        let n = self.panels.len().max(1);
        let mut cols = n.min(panels_across(width_css));
        while cols < n && height_css / (n.div_ceil(cols) as f64) < 260.0 {
            cols += 1;
        }
        cols
    }

    /// The CSS height the page gives a chart of `lanes` panels at `width_css`: a row of panels
    /// [`PANEL_HEIGHT`] tall for each row the width needs, under the key (whose text wraps into
    /// more lines when narrow). On a phone that is one panel per row, each as wide as the
    /// screen, rather than four squeezed into one.
    pub fn css_height(lanes: usize, width_css: f64) -> f64 {
        let n = lanes.max(1);
        let rows = n.div_ceil(n.min(panels_across(width_css)));
        let key = if width_css < 600.0 { 170.0 } else { 110.0 };
        (key + rows as f64 * PANEL_HEIGHT).max(MIN_CSS_HEIGHT)
    }

    /// Draws the chart; returns the rectangle of the panels (`None` when the painter is too
    /// small).
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        if self.is_empty() {
            let x_end = self.x_end;
            let x_name = self.x_name.clone();
            let y_axis = |h: f64| Axis {
                range: (0.0, 1.0),
                ticks: linear_ticks(0.0, 1.0, ((h / 26.0).floor() as usize).max(2), ""),
                minor: Vec::new(),
                name: "↑ output f(z), mean ± std".into(),
                grid: true,
            };
            let x_axis = |w: f64| epoch_axis(x_end, &x_name, w);
            let size = (s.width, s.height);
            let frame = Frame::layout(s.measure(), size, s.dpr, &self.legend, &y_axis, &x_axis);
            frame.draw(&mut s, &self.legend);
            frame.draw_hint(&mut s, WAITING);
            return Some(frame.plot);
        }
        let pad = s.px(PAD);
        let legend = self
            .legend
            .layout(s.measure(), s.dpr, (pad, pad), s.width - 2.0 * pad);
        self.legend.draw(&mut s, &legend);
        let top = pad + legend.height + s.px(4.0);
        let cols = self.columns(s.width / s.dpr, (s.height - top) / s.dpr);
        let rows = self.panels.len().div_ceil(cols).max(1);
        let cell_w = (s.width - 2.0 * pad) / cols as f64;
        let cell_h = ((s.height - top - pad) / rows as f64).max(1.0);
        for (k, panel) in self.panels.iter().enumerate() {
            let (col, row) = (k % cols, k / cols);
            let area = Rect::new(
                pad + col as f64 * cell_w,
                top + row as f64 * cell_h,
                pad + (col + 1) as f64 * cell_w,
                top + (row + 1) as f64 * cell_h,
            );
            self.draw_panel(s.p, s.dpr, panel, area);
        }
        Some(Rect::new(
            pad,
            top,
            s.width - pad,
            top + rows as f64 * cell_h,
        ))
    }

    /// One lane: its name, the means over time, the latest histograms.
    fn draw_panel(&self, p: &mut dyn Painter, dpr: f64, panel: &LanePanel, area: Rect) {
        let has_data = !panel.layers.is_empty() || !panel.histograms.is_empty();
        let title_h = 18.0 * super::surface::clamp_dpr(dpr);
        in_area(p, dpr, area, |s| {
            let sw = s.px(10.0);
            let cy = s.px(9.0);
            // A lane that has not reported shows no colour (as in the other charts' plots).
            if has_data {
                let swatch = Rect::new(s.px(2.0), cy - sw / 2.0, s.px(2.0) + sw, cy + sw / 2.0);
                s.rect(swatch, panel.color);
            }
            let title = if panel.note.is_empty() {
                panel.label.clone()
            } else {
                format!("{} · {}", panel.label, panel.note)
            };
            let at = (s.px(17.0), cy);
            s.text(
                &title,
                at,
                LEGEND_FONT,
                TEXT,
                (HAlign::Left, VAlign::Middle),
            );
        });
        let body = area.height() - title_h;
        let split = area.top + title_h + body * 0.5;
        let means_area = Rect::new(area.left, area.top + title_h, area.right, split);
        let hist_area = Rect::new(area.left, split, area.right, area.bottom);
        in_area(p, dpr, means_area, |s| self.draw_means(s, panel));
        in_area(p, dpr, hist_area, |s| self.draw_histograms(s, panel));
    }

    fn draw_means(&self, s: &mut Surface<'_>, panel: &LanePanel) {
        let (x_end, y_range) = (self.x_end, panel.y_range);
        let y_axis = |h: f64| Axis {
            range: y_range,
            ticks: linear_ticks(
                y_range.0,
                y_range.1,
                ((h / 24.0).floor() as usize).max(2),
                "",
            ),
            minor: Vec::new(),
            name: "↑ output f(z)".into(),
            grid: true,
        };
        let x_axis = |w: f64| epoch_axis(x_end, "epochs →", w.min(200.0));
        let size = (s.width, s.height);
        let none = Legend::default();
        let frame = Frame::layout(s.measure(), size, s.dpr, &none, &y_axis, &x_axis);
        frame.draw(s, &none);
        let n = panel.layers.len();
        let columns = frame.columns();
        let clamp = |v: f64| v.clamp(y_range.0, y_range.1);
        s.p.clip(Some(frame.plot));
        for layer in &panel.layers {
            let band: Vec<(f64, f64, f64)> = layer
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite() && p.2.is_finite())
                .collect();
            if band.len() >= 2 {
                // Thinned like the lines: long races have thousands of reports.
                let edge = |sign: f64| {
                    let pts: Vec<(f64, f64)> = band
                        .iter()
                        .map(|&(t, m, sd)| (t, clamp(m + sign * sd)))
                        .collect();
                    downsample(&pts, 0.0, x_end, columns)
                };
                let mut poly: Vec<(f64, f64)> =
                    edge(1.0).into_iter().map(|q| frame.to_px(q)).collect();
                poly.extend(edge(-1.0).into_iter().rev().map(|q| frame.to_px(q)));
                s.p.polygon(&poly, panel.color.alpha(0.09));
            }
        }
        let mut ends: Vec<(f64, usize)> = Vec::new();
        for (i, layer) in panel.layers.iter().enumerate() {
            let c = layer_color(panel.color, i, n);
            let stroke = s.stroke(c, LINE_WIDTH * 0.85);
            let runs = finite_runs(layer.iter().map(|&(t, m, _)| (t, clamp(m))));
            for run in &runs {
                let pts: Vec<(f64, f64)> = downsample(run, 0.0, x_end, columns)
                    .into_iter()
                    .map(|q| frame.to_px(q))
                    .collect();
                if pts.len() == 1 {
                    s.p.circle(pts[0], s.px(2.5), Some(c), None);
                } else {
                    s.p.polyline(&pts, &stroke);
                }
            }
            if let Some(&(_, y)) = runs.last().and_then(|r| r.last()) {
                ends.push((frame.y_px(y), i));
            }
        }
        s.p.clip(None);
        // Layer numbers at the lines' ends, pushed apart so they don't overlap.
        ends.sort_by(|a, b| a.0.total_cmp(&b.0));
        let gap = s.px(NOTE_FONT + 1.0);
        for (y, i) in stack_labels(ends, gap, frame.plot.bottom) {
            let c = layer_color(panel.color, i, n).shade(0.8);
            let at = (frame.plot.right + s.px(2.0), y);
            s.text(
                &format!("{}", i + 1),
                at,
                NOTE_FONT,
                c,
                (HAlign::Left, VAlign::Middle),
            );
        }
    }

    fn draw_histograms(&self, s: &mut Surface<'_>, panel: &LanePanel) {
        let n = self.layers.max(1);
        let (lo, hi) = panel
            .histograms
            .first()
            .map(|h| (f64::from(h.lo), f64::from(h.hi)))
            .or_else(|| {
                panel.activation.map(|a| {
                    let (lo, hi) = a.histogram_range();
                    (f64::from(lo), f64::from(hi))
                })
            })
            .unwrap_or((0.0, 1.0));
        let y_axis = |_h: f64| Axis {
            range: (0.5, n as f64 + 0.5),
            ticks: (1..=n).map(|i| (i as f64, format!("{i}"))).collect(),
            minor: Vec::new(),
            name: "↑ hidden layer".into(),
            grid: false,
        };
        let x_axis = |w: f64| Axis {
            range: (lo, hi),
            ticks: linear_ticks(lo, hi, ((w / 45.0).floor() as usize).clamp(2, 6), ""),
            minor: Vec::new(),
            name: "output f(z) →".into(),
            grid: true,
        };
        let size = (s.width, s.height);
        let none = Legend::default();
        let frame = Frame::layout(s.measure(), size, s.dpr, &none, &y_axis, &x_axis);
        // Flat zones first, under everything.
        let r = frame.plot;
        if let Some(a) = panel.activation {
            let bin_w = (hi - lo) / Histogram::BINS as f64;
            for z in flat_zones(a) {
                let (zl, zh) = if z.lo < z.hi {
                    (f64::from(z.lo).max(lo), f64::from(z.hi).min(hi))
                } else {
                    // A single value: the bin that holds it.
                    let v = f64::from(z.lo);
                    let i = ((v - lo) / bin_w).floor();
                    (lo + i * bin_w, lo + (i + 1.0) * bin_w)
                };
                if zh > zl {
                    let (x0, x1) = (frame.x_px(zl), frame.x_px(zh));
                    s.rect(Rect::new(x0, r.top, x1.max(x0 + 1.0), r.bottom), FLAT_ZONE);
                }
            }
        }
        frame.draw(s, &none);
        let row_h = r.height() / n as f64;
        for (i, h) in panel.histograms.iter().enumerate() {
            let total = h.total();
            let top_bin = h.counts.iter().copied().max().unwrap_or(0);
            if total == 0 || top_bin == 0 {
                continue;
            }
            let c = layer_color(panel.color, i, panel.histograms.len());
            let base = r.bottom - i as f64 * row_h;
            let bins = h.counts.len() as f64;
            let (hl, hh) = (f64::from(h.lo), f64::from(h.hi));
            let scale = (top_bin as f64).sqrt();
            for (b, &count) in h.counts.iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let x0 = frame.x_px(hl + (hh - hl) * b as f64 / bins);
                let x1 = frame.x_px(hl + (hh - hl) * (b + 1) as f64 / bins);
                let height = (count as f64).sqrt() / scale * row_h * 0.85;
                let top = base - height.max(1.0);
                s.rect(Rect::new(x0, top, (x1 - s.px(0.5)).max(x0 + 1.0), base), c);
            }
            if let Some(share) = panel.flat.get(i).copied().flatten() {
                let t = if panel.activation == Some(Activation::Relu) {
                    format!("0: {:.0}%", share * 100.0)
                } else {
                    format!("flat {:.0}%", share * 100.0)
                };
                if row_h >= s.px(NOTE_FONT) {
                    // On a veil, so bars under it don't hide it.
                    let (w, h) = (s.text_width(&t, NOTE_FONT), s.px(NOTE_FONT + 1.0));
                    let (x, y) = (r.right - s.px(2.0), base - row_h / 2.0);
                    let veil =
                        Rect::new(x - w - s.px(2.0), y - h / 2.0, x + s.px(1.0), y + h / 2.0);
                    s.rect(veil, super::theme::BACKGROUND.alpha(0.8));
                    s.text(&t, (x, y), NOTE_FONT, TEXT, (HAlign::Right, VAlign::Middle));
                }
            }
        }
    }
}

/// Runs `draw` on a surface over the rectangle `area` of `p` (no minimum size: panels are
/// small).
fn in_area<R>(
    p: &mut dyn Painter,
    dpr: f64,
    area: Rect,
    draw: impl FnOnce(&mut Surface<'_>) -> R,
) -> R {
    let mut inset = Inset::new(p, area);
    let (width, height) = inset.size();
    let mut s = Surface {
        p: &mut inset,
        dpr: super::surface::clamp_dpr(dpr),
        width,
        height,
    };
    draw(&mut s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::{interval, series};
    use crate::report::IntervalReport;

    fn probe(lane: usize, a: Activation, t: f64, means: &[f32], values: &[f32]) -> IntervalReport {
        let mut r = interval(lane, a, t);
        let (lo, hi) = a.histogram_range();
        r.activation_mean = means.to_vec();
        r.activation_std = vec![0.1; means.len()];
        r.activation_histogram = means
            .iter()
            .map(|_| {
                let mut h = Histogram::new(lo, hi, Histogram::BINS);
                h.add_all(values);
                h
            })
            .collect();
        r.sparsity = vec![0.25; means.len()];
        r
    }

    #[test]
    fn flat_zones_and_the_share_of_outputs_in_them() {
        let mut h = Histogram::new(0.0, 1.0, 40);
        // Bins of 0.025: 0.01 and 0.04 are in [0, 0.05), 0.97 in [0.95, 1]; 0.5 and 0.06 not.
        h.add_all(&[0.01, 0.04, 0.06, 0.5, 0.97]);
        let zones = flat_zones(Activation::Sigmoid);
        assert_eq!(flat_share(&h, &zones), Some(3.0 / 5.0));
        // Tanh beyond ±0.9, on [−1, 1] in bins of 0.05.
        let mut t = Histogram::new(-1.0, 1.0, 40);
        t.add_all(&[-0.99, -0.5, 0.0, 0.92]);
        assert_eq!(flat_share(&t, &flat_zones(Activation::Tanh)), Some(0.5));
        // Leaky ReLU: everything below 0, including what fell below the range.
        let mut l = Histogram::new(-1.0, 4.0, 40);
        l.add_all(&[-2.0, -0.05, 0.3, 5.0]);
        assert_eq!(
            flat_share(&l, &flat_zones(Activation::LeakyRelu)),
            Some(0.5)
        );
        // ReLU's zone is a single value; GELU has none; an empty histogram has no share.
        assert_eq!(flat_share(&l, &flat_zones(Activation::Relu)), Some(0.0));
        assert!(flat_zones(Activation::Gelu).is_empty());
        assert_eq!(flat_share(&Histogram::new(0.0, 1.0, 4), &zones), None);
    }

    #[test]
    fn layers_go_from_pale_to_the_lanes_colour() {
        let c = Color::rgb(0, 114, 178);
        assert_eq!(layer_color(c, 3, 4), c);
        // Layer 1: the colour at 35% over white: 255 − 255·0.35 = 165.75 → 166,
        // 255 − 141·0.35 = 205.65 → 206, 255 − 77·0.35 = 228.05 → 228.
        assert_eq!(layer_color(c, 0, 4), Color::rgb(166, 206, 228));
        assert_eq!(layer_color(c, 0, 1), c);
    }

    #[test]
    fn each_lane_gets_its_means_over_time_and_latest_histograms() {
        let sigmoid = [
            probe(0, Activation::Sigmoid, 0.5, &[0.5, 0.37], &[0.5, 0.6]),
            probe(
                0,
                Activation::Sigmoid,
                1.0,
                &[0.5, 0.04],
                &[0.01, 0.02, 0.5, 0.97],
            ),
        ];
        let relu = [probe(
            1,
            Activation::Relu,
            1.0,
            &[0.3, 0.9, 1.5],
            &[0.0, 2.0],
        )];
        let lanes = [
            series("Sigmoid", 0, &sigmoid, &[]),
            series("ReLU", 1, &relu, &[]),
            series("Tanh", 2, &[], &[]),
        ];
        let chart = DistributionsChart::new(&lanes);
        assert_eq!(chart.layers, 3);
        let s = &chart.panels[0];
        assert_eq!(s.layers.len(), 2);
        assert_eq!(s.layers[1][0].0, 0.5);
        assert!((s.layers[1][1].1 - 0.04).abs() < 1e-6 && (s.layers[1][1].2 - 0.1).abs() < 1e-6);
        assert_eq!(s.y_range, (0.0, 1.0));
        // The latest histogram: 3 of 4 outputs below 0.05 or above 0.95.
        assert_eq!(s.flat, vec![Some(0.75), Some(0.75)]);
        // ReLU's flat share is its sparsity; its y range the data's (1.5 + 0.1), padded 5%.
        let r = &chart.panels[1];
        assert_eq!(r.flat, vec![Some(0.25); 3]);
        let hi = 1.6f64 + 1.6 * 0.05;
        assert!(
            (r.y_range.1 - hi).abs() < 1e-6 && r.y_range.0 == 0.0,
            "{:?}",
            r.y_range
        );
        assert_eq!(chart.panels[2].note, "waiting");
        assert!(chart.legend.notes[1].contains("Sigmoid < 0.05 or > 0.95, ReLU exactly 0"));
        assert!(!chart.is_empty());
        assert!(DistributionsChart::new(&lanes[2..]).is_empty());
    }

    #[test]
    fn layer_labels_keep_apart_even_at_the_bottom() {
        // Apart already: unchanged.
        assert_eq!(
            stack_labels(vec![(10.0, 0), (40.0, 1)], 12.0, 100.0),
            [(10.0, 0), (40.0, 1)]
        );
        // Three lines ending on the bottom edge: stacked upwards from it, 12 px apart.
        assert_eq!(
            stack_labels(vec![(100.0, 2), (100.0, 0), (100.0, 1)], 12.0, 100.0),
            [(76.0, 2), (88.0, 0), (100.0, 1)]
        );
    }

    /// One report each of four ReLU lanes, and their series.
    fn four_reports() -> Vec<[IntervalReport; 1]> {
        (0..4)
            .map(|i| [probe(i, Activation::Relu, 1.0, &[0.5], &[0.5])])
            .collect()
    }

    fn four_lanes(data: &[[IntervalReport; 1]]) -> Vec<LaneSeries<'_>> {
        data.iter()
            .enumerate()
            .map(|(i, d)| series("ReLU", i, d, &[]))
            .collect()
    }

    #[test]
    fn panels_sit_side_by_side_while_wide_enough_else_in_rows() {
        let data = four_reports();
        let lanes = four_lanes(&data);
        let chart = DistributionsChart::new(&lanes);
        // In 700 three fit side by side (3 × 200 + 16), but two rows would be 200 px: four
        // columns; in 350, two columns and two rows of 300 px.
        assert_eq!(chart.columns(700.0, 400.0), 4);
        assert_eq!(chart.columns(350.0, 600.0), 2);
        // Too short for rows of 260 px: all side by side.
        assert_eq!(chart.columns(350.0, 400.0), 4);
        let two = DistributionsChart::new(&lanes[..2]);
        assert_eq!(two.columns(1200.0, 300.0), 2);
        assert_eq!(two.columns(300.0, 600.0), 1);
    }

    #[test]
    fn on_a_phone_the_page_stacks_the_panels_one_per_row_at_full_width() {
        let data = four_reports();
        let lanes = four_lanes(&data);
        // A phone (345 CSS px of canvas): one column, a row of PANEL_HEIGHT per lane.
        for n in 1..=4 {
            let h = DistributionsChart::css_height(n, 345.0);
            let chart = DistributionsChart::new(&lanes[..n]);
            assert_eq!(chart.columns(345.0, h - 170.0), 1, "{n} lanes");
            assert!((h - 170.0) / n as f64 >= PANEL_HEIGHT, "{n} lanes: {h}");
        }
        // A desktop (967 px): four side by side in the usual height.
        assert_eq!(DistributionsChart::css_height(4, 967.0), MIN_CSS_HEIGHT);
        let four = DistributionsChart::new(&lanes);
        assert_eq!(four.columns(967.0, MIN_CSS_HEIGHT - 110.0), 4);
        // Between the two: two per row, in two rows.
        assert_eq!(
            DistributionsChart::css_height(4, 450.0),
            170.0 + 2.0 * PANEL_HEIGHT
        );
        assert_eq!(four.columns(450.0, 2.0 * PANEL_HEIGHT), 2);
    }
}
