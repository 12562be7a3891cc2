//! Training loss against epochs, log scale, all lanes overlaid. A diverged lane is cut half a
//! decade above the healthy lanes (a loss can climb to 10³⁰ before it turns NaN) and marked
//! with a cross where it stopped.

use super::bands::{BandArea, band_legend_note, band_note, draw_bands, lane_band_areas};
use super::frame::{Axis, Frame, LaneLine, draw_lane_lines, epoch_axis};
use super::lanes::{LaneSeries, epoch_axis_end, epoch_axis_name};
use super::legend::{Legend, Swatch};
use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::series::{clip_runs_above, finite_runs, y_extent};
use super::surface::Surface;
use super::theme::{LEGEND_FONT, WAITING};
use super::ticks::{format_value, log_range, log_ticks};

/// How far above the healthy lanes' highest loss a diverged lane is cut (log10 units).
pub const DIVERGED_HEADROOM: f64 = 0.5;

/// What the loss chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct LossChart {
    /// Per lane, (epochs, log10 loss).
    pub lines: Vec<LaneLine>,
    /// The y range in log10 units.
    pub y_range: (f64, f64),
    pub legend: Legend,
    /// Where each diverged lane's line ends (value space).
    pub stops: Vec<(Color, (f64, f64))>,
    pub x_end: f64,
    pub x_name: String,
    /// Per lane with bands over seeds, its band of (log10) losses, drawn under the lines.
    pub bands: Vec<BandArea>,
}

impl LossChart {
    pub fn new(lanes: &[LaneSeries<'_>]) -> LossChart {
        let mut lines: Vec<LaneLine> = lanes
            .iter()
            .map(|l| LaneLine {
                color: Color::from_rgb(l.color),
                runs: finite_runs(l.intervals.iter().map(|r| {
                    let loss = f64::from(r.train_loss);
                    (
                        r.epochs_done,
                        if loss > 0.0 { loss.log10() } else { f64::NAN },
                    )
                })),
                diverged: l.diverged(),
            })
            .collect();
        let healthy_max = y_extent(lines.iter().filter(|l| !l.diverged).flat_map(|l| &l.runs)).1;
        if healthy_max.is_finite() {
            for line in lines.iter_mut().filter(|l| l.diverged) {
                clip_runs_above(&mut line.runs, healthy_max + DIVERGED_HEADROOM);
            }
        }
        let log_loss = |v: f32| {
            if v > 0.0 {
                f64::from(v).log10()
            } else {
                f64::NAN
            }
        };
        let bands = lane_band_areas(lanes, |b| &b.loss, log_loss);
        let (lo, hi) = y_extent(lines.iter().flat_map(|l| &l.runs));
        let (lo, hi) = bands
            .iter()
            .flat_map(BandArea::extent)
            .fold((lo, hi), |(a, b), v| (a.min(v), b.max(v)));
        let y_range = if lo.is_finite() {
            log_range(10f64.powf(lo), 10f64.powf(hi), 1.0)
        } else {
            log_range(0.05, 2.5, 1.0)
        };
        let stops = lines
            .iter()
            .filter(|l| l.diverged)
            .filter_map(|l| Some((l.color, *l.runs.last()?.last()?)))
            .collect();

        let mut legend = Legend::default();
        for l in lanes {
            let from_bands = l
                .is_empty()
                .then_some(l.bands)
                .flatten()
                .and_then(|b| band_legend_note(&b.loss, |v| format_value(f64::from(v))));
            let note = from_bands.or_else(|| l.waiting_note()).unwrap_or_else(|| {
                if l.diverged() {
                    "· diverged".into()
                } else {
                    l.intervals
                        .last()
                        .map(|r| format_value(f64::from(r.train_loss)))
                        .unwrap_or_default()
                }
            });
            legend.entry(Swatch::Line(Color::from_rgb(l.color)), &l.label, note);
        }
        legend.notes.extend(band_note(lanes));
        LossChart {
            lines,
            y_range,
            legend,
            stops,
            x_end: epoch_axis_end(lanes),
            x_name: epoch_axis_name(lanes),
            bands,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.runs.is_empty()) && self.bands.is_empty()
    }

    /// Draws the chart; returns the plot rectangle (`None` when the painter is too small).
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let y_range = self.y_range;
        let y_axis = |h: f64| {
            let (ticks, minor) = log_ticks(y_range.0, y_range.1, h);
            Axis {
                range: y_range,
                ticks,
                minor,
                name: "↑ training loss (log scale)".into(),
                grid: true,
            }
        };
        let x_axis = |w: f64| epoch_axis(self.x_end, &self.x_name, w);
        let size = (s.width, s.height);
        let frame = Frame::layout(s.measure(), size, s.dpr, &self.legend, &y_axis, &x_axis);
        frame.draw(&mut s, &self.legend);
        draw_bands(&mut s, &frame, &self.bands);
        draw_lane_lines(&mut s, &frame, &self.lines);
        for &(color, point) in &self.stops {
            let (cx, cy) = frame.to_px(point);
            draw_cross(&mut s, (cx, cy), color);
            let right_side = cx + s.px(70.0) < frame.plot.right;
            let (tx, h) = if right_side {
                (cx + s.px(8.0), HAlign::Left)
            } else {
                (cx - s.px(8.0), HAlign::Right)
            };
            let ty = (cy - s.px(8.0)).max(frame.plot.top + s.px(6.0));
            s.text(
                "diverged",
                (tx, ty),
                LEGEND_FONT,
                color,
                (h, VAlign::Middle),
            );
        }
        if self.is_empty() {
            frame.draw_hint(&mut s, WAITING);
        }
        Some(frame.plot)
    }
}

fn draw_cross(s: &mut Surface<'_>, (x, y): (f64, f64), c: Color) {
    let r = s.px(4.5);
    let stroke = s.stroke(c, 2.0);
    s.p.polyline(&[(x - r, y - r), (x + r, y + r)], &stroke);
    s.p.polyline(&[(x - r, y + r), (x + r, y - r)], &stroke);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::fixtures::{epoch, interval, series};

    fn losses(lane: usize, points: &[(f64, f32)]) -> Vec<crate::report::IntervalReport> {
        points
            .iter()
            .map(|&(t, loss)| {
                let mut r = interval(lane, Activation::Relu, t);
                r.train_loss = loss;
                r
            })
            .collect()
    }

    #[test]
    fn a_diverged_lane_is_cut_half_a_decade_above_the_healthy_ones() {
        // Healthy: 1.0 → 0.1, so the cap is log10(1) + 0.5 = 0.5.
        let healthy = losses(0, &[(0.5, 1.0), (1.0, 0.1)]);
        // Diverged: 0.1 (log −1) → 10 (log 1), crossing 0.5 three quarters of the way, then
        // 10³⁰ and NaN.
        let wild = losses(1, &[(0.5, 0.1), (1.0, 10.0), (1.5, 1e30), (2.0, f32::NAN)]);
        let mut ep = epoch(1, Activation::Relu, 2);
        ep.diverged = true;
        let wild_epochs = [ep];
        let lanes = [
            series("Sigmoid", 0, &healthy, &[]),
            series("ReLU (lr 2)", 1, &wild, &wild_epochs),
        ];
        let chart = LossChart::new(&lanes);
        let cut = &chart.lines[1];
        assert!(cut.diverged && !chart.lines[0].diverged);
        assert_eq!(cut.runs.len(), 1);
        let end = *cut.runs[0].last().unwrap();
        assert!(
            (end.0 - 0.875).abs() < 1e-6 && (end.1 - 0.5).abs() < 1e-12,
            "{end:?}"
        );
        assert_eq!(chart.stops, vec![(Color::from_rgb(lanes[1].color), end)]);
        // y: −1 … 0.5 (1.5 decades), padded by 4%: −1.06 … 0.56.
        // (f32 losses: 0.1f32 is 10^−0.999999994.)
        assert!((chart.y_range.0 + 1.06).abs() < 1e-6, "{:?}", chart.y_range);
        assert!((chart.y_range.1 - 0.56).abs() < 1e-6, "{:?}", chart.y_range);
        let notes: Vec<&str> = chart
            .legend
            .entries
            .iter()
            .map(|e| e.note.as_str())
            .collect();
        assert_eq!(notes, ["0.10", "· diverged"]);
        assert_eq!(chart.x_end, 2.0);
    }

    #[test]
    fn narrow_ranges_span_a_decade_and_zero_losses_break_the_line() {
        let flat = losses(0, &[(0.25, 0.2), (0.5, 0.0), (0.75, 0.4)]);
        let chart = LossChart::new(&[series("ReLU", 1, &flat, &[])]);
        // Two runs: the zero loss can't sit on a log axis.
        assert_eq!(chart.lines[0].runs.len(), 2);
        // 0.2 … 0.4 is widened to a decade around their geometric mean.
        let mid = (0.2f64 * 0.4).sqrt().log10();
        assert!((chart.y_range.0 - (mid - 0.54)).abs() < 1e-6);
        assert!((chart.y_range.1 - (mid + 0.54)).abs() < 1e-6);
        assert_eq!(chart.legend.entries[0].note, "0.40");
    }

    #[test]
    fn waiting_lanes_and_an_empty_chart() {
        let chart = LossChart::new(&[series("Sigmoid", 0, &[], &[]), series("ReLU", 1, &[], &[])]);
        assert!(chart.is_empty());
        assert_eq!(chart.y_range, log_range(0.05, 2.5, 1.0));
        assert!(chart.legend.entries.iter().all(|e| e.note == "· waiting"));
        assert_eq!(chart.x_name, "epochs →");
    }
}
