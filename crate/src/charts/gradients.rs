//! Gradient flow: each layer's weight-gradient L2 norm (log scale) from the input side (L1) to
//! the output layer; bold for the latest report, faint for the start and earlier epochs. The
//! legend gives L1/Ln, the share of the output layer's gradient that reaches the first layer:
//! tiny for a deep Sigmoid net (vanishing gradients), near 1 for ReLU.

use super::frame::{Axis, Frame, log_y};
use super::lanes::LaneSeries;
use super::legend::{Legend, Swatch};
use super::painter::{Color, Painter, Rect};
use super::series::finite_runs;
use super::surface::Surface;
use super::theme::{BACKGROUND, LINE_WIDTH, MUTED, WAITING};
use super::ticks::{format_value, log_range, log_ticks};

/// Earlier profiles shown per lane, at most.
const MAX_HISTORY: usize = 12;

/// The most recent per-layer gradient norms of a lane, and up to `max_history` earlier ones
/// (oldest first): the first report of the race and the epoch ends, evenly thinned.
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

/// One lane's gradient profiles.
#[derive(Clone, Debug, PartialEq)]
pub struct Profiles {
    pub color: Color,
    pub latest: Option<Vec<f32>>,
    /// Oldest first.
    pub history: Vec<Vec<f32>>,
}

/// What the gradient-flow chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientsChart {
    pub profiles: Vec<Profiles>,
    /// Weight layers (the longest profile).
    pub layers: usize,
    /// The y range in log10 units.
    pub y_range: (f64, f64),
    pub legend: Legend,
}

/// L1 / Ln of a profile, when both are finite and Ln is positive.
pub fn first_to_last(g: &[f32]) -> Option<f64> {
    let (a, b) = (f64::from(*g.first()?), f64::from(*g.last()?));
    (g.len() >= 2 && a.is_finite() && b.is_finite() && b > 0.0).then(|| a / b)
}

impl GradientsChart {
    pub fn new(lanes: &[LaneSeries<'_>]) -> GradientsChart {
        let found: Vec<_> = lanes
            .iter()
            .map(|l| gradient_profiles(l, MAX_HISTORY))
            .collect();
        let layers = found
            .iter()
            .flat_map(|(latest, hist)| latest.iter().chain(hist.iter()).map(|g| g.len()))
            .max()
            .unwrap_or(0);
        let extent = |diverged: bool| {
            lanes
                .iter()
                .zip(&found)
                .filter(|(l, _)| l.diverged() == diverged)
                .flat_map(|(_, (latest, hist))| latest.iter().chain(hist.iter()))
                .flat_map(|g| g.iter())
                .map(|&v| f64::from(v))
                .filter(|v| v.is_finite() && *v > 0.0)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                })
        };
        let (mut lo, mut hi) = extent(false);
        // Exploding norms of a diverged lane may reach 10³⁰: they widen the axis by at most a
        // decade over the healthy lanes and sit on its top edge beyond that.
        let (dlo, dhi) = extent(true);
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

        let mut legend = Legend::default();
        for (l, (latest, _)) in lanes.iter().zip(&found) {
            let note = l.waiting_note().unwrap_or_else(|| {
                let ratio = latest.and_then(|g| {
                    first_to_last(g).map(|r| format!("L1/L{} = {}", g.len(), format_value(r)))
                });
                match (ratio, l.diverged()) {
                    (Some(r), true) => format!("{r} · diverged"),
                    (None, true) => "· diverged".into(),
                    (r, false) => r.unwrap_or_default(),
                }
            });
            legend.entry(Swatch::LineDot(Color::from_rgb(l.color)), &l.label, note);
        }
        if found.iter().any(|(_, h)| !h.is_empty()) {
            legend.entry(Swatch::Faint(MUTED), "start and earlier epochs", "");
        }
        let profiles = lanes
            .iter()
            .zip(found)
            .map(|(l, (latest, history))| Profiles {
                color: Color::from_rgb(l.color),
                latest: latest.map(<[f32]>::to_vec),
                history: history.into_iter().map(<[f32]>::to_vec).collect(),
            })
            .collect();
        GradientsChart {
            profiles,
            layers,
            y_range,
            legend,
        }
    }

    /// Where a norm sits on the y axis (log10): zero (or tiny) norms on the bottom edge, huge
    /// ones on the top edge, NaN nowhere.
    pub fn y_of(&self, v: f32) -> f64 {
        log_y(v, self.y_range)
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.iter().all(|p| p.latest.is_none())
    }

    /// Draws the chart; returns the plot rectangle (`None` when the painter is too small).
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let (y_range, layers) = (self.y_range, self.layers);
        let y_axis = |h: f64| {
            let (ticks, minor) = log_ticks(y_range.0, y_range.1, h);
            Axis {
                range: y_range,
                ticks,
                minor,
                name: "↑ gradient norm ‖∂L/∂W‖ (log scale)".into(),
                grid: true,
            }
        };
        let x_axis = |_w: f64| Axis {
            range: (0.6, layers.max(1) as f64 + 0.4),
            ticks: (1..=layers).map(|i| (i as f64, format!("L{i}"))).collect(),
            minor: Vec::new(),
            name: if layers >= 2 {
                format!("weight layer (L1 = input side, L{layers} = output) →")
            } else {
                "weight layer →".into()
            },
            grid: true,
        };
        let size = (s.width, s.height);
        let frame = Frame::layout(s.measure(), size, s.dpr, &self.legend, &y_axis, &x_axis);
        frame.draw(&mut s, &self.legend);

        let runs = |g: &[f32]| {
            finite_runs(
                g.iter()
                    .enumerate()
                    .map(|(i, &v)| ((i + 1) as f64, self.y_of(v))),
            )
        };
        let to_px = |run: &[(f64, f64)]| -> Vec<(f64, f64)> {
            run.iter().map(|&p| frame.to_px(p)).collect()
        };
        // Earlier profiles: faint, more visible the more recent.
        for lane in &self.profiles {
            let n = lane.history.len();
            for (i, g) in lane.history.iter().enumerate() {
                let opacity = 0.15 + 0.25 * (i + 1) as f64 / n as f64;
                let stroke = s.stroke(lane.color.tint(opacity), 1.25);
                for run in runs(g) {
                    s.p.polyline(&to_px(&run), &stroke);
                }
            }
        }
        let r = s.px(4.0);
        for lane in &self.profiles {
            let Some(g) = &lane.latest else { continue };
            let stroke = s.stroke(lane.color, LINE_WIDTH + 0.5);
            let ring = s.stroke(lane.color, 2.0);
            let runs = runs(g);
            for run in &runs {
                s.p.polyline(&to_px(run), &stroke);
            }
            // Dots; hollow where the value is off the scale (on an edge).
            for &p in runs.iter().flatten() {
                let at = frame.to_px(p);
                if p.1 <= y_range.0 || p.1 >= y_range.1 {
                    s.p.circle(at, r, Some(BACKGROUND), Some(&ring));
                } else {
                    s.p.circle(at, r, Some(lane.color), None);
                }
            }
        }
        if self.is_empty() {
            frame.draw_hint(&mut s, WAITING);
        }
        Some(frame.plot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::fixtures::{epoch, interval, series};
    use crate::report::{EpochReport, IntervalReport};

    fn with_grads(lane: usize, t: f64, g: &[f32]) -> IntervalReport {
        let mut r = interval(lane, Activation::Sigmoid, t);
        r.grad_norms = g.to_vec();
        r
    }

    fn epoch_grads(lane: usize, e: u32, g: &[f32]) -> EpochReport {
        let mut r = epoch(lane, Activation::Sigmoid, e);
        r.grad_norms = g.to_vec();
        r
    }

    #[test]
    fn the_legend_gives_the_first_to_last_layer_ratio() {
        let sigmoid = [
            with_grads(0, 0.5, &[0.01, 0.1, 1.0]),
            with_grads(0, 1.0, &[0.003, 0.018, 0.09, 0.45]),
        ];
        let relu = [with_grads(1, 1.0, &[0.35, 0.3, 0.27, 0.42])];
        let lanes = [
            series("Sigmoid", 0, &sigmoid, &[]),
            series("ReLU", 1, &relu, &[]),
            series("Tanh", 2, &[], &[]),
        ];
        let chart = GradientsChart::new(&lanes);
        let notes: Vec<&str> = chart
            .legend
            .entries
            .iter()
            .map(|e| e.note.as_str())
            .collect();
        // 0.003 / 0.45 = 0.00667; 0.35 / 0.42 = 0.833.
        assert_eq!(notes, ["L1/L4 = 0.0067", "L1/L4 = 0.83", "· waiting", ""]);
        assert_eq!(chart.layers, 4);
        // The first report is Sigmoid's history; ReLU's only report is its latest.
        assert_eq!(chart.profiles[0].history, vec![vec![0.01, 0.1, 1.0]]);
        assert!(chart.profiles[1].history.is_empty());
        // Norms 0.003 … 1.0: 2.52 decades, padded by 4%.
        let (lo, hi) = (0.003f32 as f64, 1.0f64);
        let pad = (hi.log10() - lo.log10()) * 0.04;
        assert!((chart.y_range.0 - (lo.log10() - pad)).abs() < 1e-9);
        assert!((chart.y_range.1 - pad).abs() < 1e-9);
        assert_eq!(first_to_last(&[1.0]), None);
        assert_eq!(first_to_last(&[1.0, 0.0]), None);
    }

    #[test]
    fn a_diverged_lane_widens_the_axis_by_at_most_a_decade() {
        let healthy = [with_grads(0, 1.0, &[0.1, 1.0])];
        let mut wild = with_grads(1, 1.0, &[1e20, f32::INFINITY]);
        wild.train_loss = f32::NAN;
        let wild = [wild];
        let chart = GradientsChart::new(&[
            series("Sigmoid", 0, &healthy, &[]),
            series("ReLU", 1, &wild, &[]),
        ]);
        // Healthy 0.1 … 1, diverged up to 10²⁰ capped at 10 · 1: −1 … 1, padded by 0.08.
        assert!((chart.y_range.0 + 1.08).abs() < 1e-6 && (chart.y_range.1 - 1.08).abs() < 1e-6);
        assert_eq!(chart.legend.entries[1].note, "· diverged");
        // Off-scale and odd values land on the edges; NaN nowhere.
        assert_eq!(chart.y_of(1e20), chart.y_range.1);
        assert_eq!(chart.y_of(0.0), chart.y_range.0);
        assert_eq!(chart.y_of(-1.0), chart.y_range.0);
        assert!(chart.y_of(f32::NAN).is_nan());
    }

    #[test]
    fn history_is_the_start_and_evenly_thinned_epochs_keeping_the_last() {
        let iv = [
            with_grads(0, 0.05, &[1.0, 1.0]),
            with_grads(0, 30.0, &[9.0, 9.0]),
        ];
        let epochs: Vec<EpochReport> = (1..=30)
            .map(|e| epoch_grads(0, e, &[e as f32, 1.0]))
            .collect();
        let lane = series("Sigmoid", 0, &iv, &epochs);
        let (latest, history) = gradient_profiles(&lane, 4);
        assert_eq!(latest, Some(&[9.0f32, 9.0][..]));
        // The start, then 3 of 30 epochs: idx 29 − (2 − i) · 29 / 2 for i = 0, 1, 2 → 0, 15, 29.
        let firsts: Vec<f32> = history.iter().map(|g| g[0]).collect();
        assert_eq!(firsts, [1.0, 1.0, 16.0, 30.0]);
        // Unusable profiles (empty or all NaN) are skipped.
        let nan = [
            with_grads(0, 0.5, &[f32::NAN, f32::NAN]),
            with_grads(0, 1.0, &[]),
        ];
        assert_eq!(
            gradient_profiles(&series("S", 0, &nan, &[]), 4),
            (None, vec![])
        );
    }
}
