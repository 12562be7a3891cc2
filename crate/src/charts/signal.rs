//! The backward signal per hidden layer, latest probe, log scale: solid, the share of the
//! gradient signal sent back by the output layer that reaches each hidden layer through the
//! activations (the running product of mean |f′| from the top hidden layer down, 100% at the
//! output); dashed, each layer's own mean |f′(z)|. Sigmoid's f′ ≤ ¼ makes the solid line fall
//! at least fourfold per layer; ReLU's stays near ½ per layer.

use super::frame::{Axis, Frame, log_y};
use super::lanes::LaneSeries;
use super::legend::{Legend, Swatch};
use super::painter::{Color, Painter, Rect};
use super::series::finite_runs;
use super::surface::Surface;
use super::theme::{LINE_WIDTH, WAITING};
use super::ticks::{format_value, log_range, log_ticks};

/// One lane's latest probe.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneSignal {
    pub color: Color,
    /// Per hidden layer: mean |f′(z)|.
    pub slope: Vec<f32>,
    /// Per hidden layer: the share of the output's signal that reaches it.
    pub share: Vec<f32>,
}

/// What the backward-signal chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalChart {
    pub lanes: Vec<LaneSignal>,
    /// Hidden layers (the most any lane reported).
    pub layers: usize,
    /// The y range in log10 units.
    pub y_range: (f64, f64),
    pub legend: Legend,
}

/// "0.39%", "24%", "1.2×10⁻⁶%": a share as a percentage with two significant digits.
pub fn share_pct(v: f64) -> String {
    format!("{}%", format_value(v * 100.0))
}

impl SignalChart {
    pub fn new(lanes: &[LaneSeries<'_>]) -> SignalChart {
        let signals: Vec<LaneSignal> = lanes
            .iter()
            .map(|l| {
                let latest = l
                    .intervals
                    .iter()
                    .rev()
                    .map(|r| (&r.mean_abs_slope, &r.signal_share))
                    .chain(
                        l.epochs
                            .iter()
                            .rev()
                            .map(|e| (&e.mean_abs_slope, &e.signal_share)),
                    )
                    .find(|(m, s)| !m.is_empty() || !s.is_empty());
                LaneSignal {
                    color: Color::from_rgb(l.color),
                    slope: latest.map_or_else(Vec::new, |(m, _)| m.clone()),
                    share: latest.map_or_else(Vec::new, |(_, s)| s.clone()),
                }
            })
            .collect();
        let layers = signals
            .iter()
            .map(|s| s.slope.len().max(s.share.len()))
            .max()
            .unwrap_or(0);
        let (lo, hi) = signals
            .iter()
            .flat_map(|s| s.slope.iter().chain(&s.share))
            .map(|&v| f64::from(v))
            .filter(|v| v.is_finite() && *v > 0.0)
            // The output's 100% is always on the axis.
            .fold((1.0f64, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let y_range = log_range(lo, hi, 1.0);

        let mut legend = Legend::default();
        for (l, sig) in lanes.iter().zip(&signals) {
            let note = l.waiting_note().unwrap_or_else(|| {
                sig.share
                    .first()
                    .filter(|v| v.is_finite())
                    .map_or(String::new(), |&v| {
                        format!("hidden 1 gets {}", share_pct(f64::from(v)))
                    })
            });
            legend.entry(Swatch::LineDot(Color::from_rgb(l.color)), &l.label, note);
        }
        if layers > 0 {
            legend.notes.push(
                "Solid: share of the signal the output layer sends back that reaches each \
                 hidden layer (the product of mean |f′| from the top down) · dashed: the \
                 layer's own mean |f′(z)| on 500 probe images."
                    .into(),
            );
        }
        SignalChart {
            lanes: signals,
            layers,
            y_range,
            legend,
        }
    }

    /// Where a value sits on the y axis (log10): zero on the bottom edge, NaN nowhere.
    pub fn y_of(&self, v: f32) -> f64 {
        log_y(v, self.y_range)
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
                name: "↑ share of the output's signal · mean |f′| (log scale)".into(),
                grid: true,
            }
        };
        let x_axis = |_w: f64| {
            let mut ticks: Vec<(f64, String)> =
                (1..=layers).map(|i| (i as f64, format!("{i}"))).collect();
            if layers > 0 {
                ticks.push(((layers + 1) as f64, "output".into()));
            }
            Axis {
                range: (0.6, layers.max(1) as f64 + 1.4),
                ticks,
                minor: Vec::new(),
                name: "hidden layer (1 = input side) →".into(),
                grid: true,
            }
        };
        let size = (s.width, s.height);
        let frame = Frame::layout(s.measure(), size, s.dpr, &self.legend, &y_axis, &x_axis);
        frame.draw(&mut s, &self.legend);
        let to_px = |run: &[(f64, f64)]| -> Vec<(f64, f64)> {
            run.iter().map(|&p| frame.to_px(p)).collect()
        };
        let r = s.px(3.5);
        for lane in &self.lanes {
            let dashed = s.stroke(lane.color, 1.5).dashed(s.px(5.0), s.px(4.0));
            let slopes = finite_runs(
                lane.slope
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| ((i + 1) as f64, self.y_of(v))),
            );
            for run in &slopes {
                s.p.polyline(&to_px(run), &dashed);
            }
            // The share, ending at the output's 100%.
            let mut share: Vec<(f64, f64)> = lane
                .share
                .iter()
                .enumerate()
                .map(|(i, &v)| ((i + 1) as f64, self.y_of(v)))
                .collect();
            if !share.is_empty() {
                share.push(((share.len() + 1) as f64, 0.0));
            }
            let solid = s.stroke(lane.color, LINE_WIDTH + 0.5);
            for run in finite_runs(share.into_iter()) {
                s.p.polyline(&to_px(&run), &solid);
                for &p in &run {
                    s.p.circle(frame.to_px(p), r, Some(lane.color), None);
                }
            }
        }
        if self.layers == 0 {
            frame.draw_hint(&mut s, WAITING);
        }
        Some(frame.plot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::fixtures::{interval, series};

    #[test]
    fn the_latest_slopes_and_shares_and_what_reaches_layer_one() {
        let mut sig = interval(0, Activation::Sigmoid, 0.5);
        // Hand-computed: shares are the products from the top: 0.2·0.21·0.22 = 0.00924,
        // 0.21·0.22 = 0.0462, 0.22.
        sig.mean_abs_slope = vec![0.2, 0.21, 0.22];
        sig.signal_share = vec![0.00924, 0.0462, 0.22];
        let later = interval(0, Activation::Sigmoid, 0.6);
        let sigmoid = [sig, later];
        let mut relu = interval(1, Activation::Relu, 0.5);
        relu.mean_abs_slope = vec![0.5, 0.6, 0.4];
        relu.signal_share = vec![0.12, 0.24, 0.4];
        let relu = [relu];
        let lanes = [
            series("Sigmoid", 0, &sigmoid, &[]),
            series("ReLU", 1, &relu, &[]),
            series("Tanh", 2, &[], &[]),
        ];
        let chart = SignalChart::new(&lanes);
        assert_eq!(chart.layers, 3);
        assert_eq!(chart.lanes[0].share, vec![0.00924, 0.0462, 0.22]);
        assert_eq!(chart.lanes[1].slope, vec![0.5, 0.6, 0.4]);
        let notes: Vec<&str> = chart
            .legend
            .entries
            .iter()
            .map(|e| e.note.as_str())
            .collect();
        assert_eq!(
            notes,
            ["hidden 1 gets 0.92%", "hidden 1 gets 12%", "· waiting"]
        );
        // 0.00924 … 1 (the output): 2.03 decades, padded by 4%.
        let lo = f64::from(0.00924f32).log10();
        assert!((chart.y_range.0 - (lo + lo * 0.04)).abs() < 1e-9);
        assert!((chart.y_range.1 - (-lo * 0.04)).abs() < 1e-9);
        assert_eq!(chart.y_of(0.0), chart.y_range.0);
        assert!(chart.y_of(f32::NAN).is_nan());
        assert_eq!(share_pct(0.0039), "0.39%");
    }

    #[test]
    fn no_reports_no_layers() {
        let chart = SignalChart::new(&[series("ReLU", 1, &[], &[])]);
        assert_eq!((chart.layers, chart.legend.notes.len()), (0, 0));
        assert_eq!(chart.y_range, log_range(1.0, 1.0, 1.0));
    }
}
