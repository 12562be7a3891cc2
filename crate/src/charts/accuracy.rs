//! Validation accuracy against epochs on an axis stretched toward 100% (−log10 of the error
//! rate, labelled in %: the race is decided in the last few percent), with the target as a
//! dashed finish line, rings where lanes first reach it and dots at epoch ends (all validation
//! images).

use super::bands::{BandArea, band_legend_note, band_note, draw_bands, lane_band_areas};
use super::frame::{Axis, Frame, LaneLine, draw_lane_lines, epoch_axis};
use super::lanes::{LaneSeries, epoch_axis_end, epoch_axis_name};
use super::legend::{Legend, Swatch};
use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::series::finite_runs;
use super::surface::Surface;
use super::theme::{BACKGROUND, MUTED, TEXT, TICK_FONT, WAITING};
use super::ticks::format_pct;

/// Where an accuracy (in %) sits on the accuracy axis: −log10 of the error rate, so that 90%,
/// 99% and 99.9% are evenly spaced. The labels stay in accuracy, so the reading is unchanged.
pub fn accuracy_pos(pct: f64) -> f64 {
    if pct.is_finite() {
        -(1.0 - pct.clamp(0.0, 99.99) / 100.0).log10()
    } else {
        f64::NAN
    }
}

/// Labelled accuracies on the stretched axis, at least 16 CSS px apart over `height` CSS px,
/// and grid lines for the ones that don't fit.
pub fn accuracy_ticks(range: (f64, f64), height: f64) -> (Vec<(f64, String)>, Vec<f64>) {
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

/// An accuracy fraction as a percentage, NaN outside 0…100%.
fn pct(v: f32) -> f64 {
    let v = f64::from(v) * 100.0;
    if (0.0..=100.0).contains(&v) {
        v
    } else {
        f64::NAN
    }
}

/// What the accuracy chart shows. Values are on the stretched axis ([`accuracy_pos`]).
#[derive(Clone, Debug, PartialEq)]
pub struct AccuracyChart {
    /// Per lane, interval validation accuracy against epochs.
    pub lines: Vec<LaneLine>,
    /// Per lane, its colour and the accuracy on all validation images at epoch ends.
    pub dots: Vec<(Color, Vec<(f64, f64)>)>,
    /// The finish line, in %.
    pub target_pct: Option<f64>,
    /// Per lane, the progress (epochs) of its first report at or above the target.
    pub reached: Vec<Option<f64>>,
    pub y_range: (f64, f64),
    pub legend: Legend,
    pub x_end: f64,
    pub x_name: String,
    /// Per lane with bands over seeds, its band of accuracies (stretched axis), under the lines.
    pub bands: Vec<BandArea>,
}

impl AccuracyChart {
    /// `target` is a fraction in (0, 1]; anything else draws no finish line.
    pub fn new(lanes: &[LaneSeries<'_>], target: f32) -> AccuracyChart {
        let target = f64::from(target);
        let target_pct =
            (target.is_finite() && target > 0.0 && target <= 1.0).then_some(target * 100.0);
        let lines: Vec<LaneLine> = lanes
            .iter()
            .map(|l| LaneLine {
                color: Color::from_rgb(l.color),
                runs: finite_runs(
                    l.intervals
                        .iter()
                        .map(|r| (r.epochs_done, accuracy_pos(pct(r.val_accuracy)))),
                ),
                diverged: l.diverged(),
            })
            .collect();
        let dots: Vec<(Color, Vec<(f64, f64)>)> = lanes
            .iter()
            .map(|l| {
                let points = l
                    .epochs
                    .iter()
                    .map(|e| (f64::from(e.epoch), accuracy_pos(pct(e.val_accuracy))))
                    .filter(|p| p.1.is_finite())
                    .collect();
                (Color::from_rgb(l.color), points)
            })
            .collect();
        let bands = lane_band_areas(lanes, |b| &b.accuracy, |v| accuracy_pos(pct(v)));
        // 0% at the bottom; on top at least 99%, and room above the best value and the target.
        let highest = lines
            .iter()
            .flat_map(|l| l.runs.iter().flatten())
            .chain(dots.iter().flat_map(|d| &d.1))
            .map(|p| p.1)
            .chain(bands.iter().flat_map(BandArea::extent))
            .chain(target_pct.map(accuracy_pos))
            .fold(accuracy_pos(99.0) - 0.1, f64::max);
        let y_range = (0.0, highest + 0.1);
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
        for (l, reached) in lanes.iter().zip(&reached) {
            let from_bands = l
                .is_empty()
                .then_some(l.bands)
                .flatten()
                .and_then(|b| band_legend_note(&b.accuracy, |v| format!("{:.1}%", 100.0 * v)));
            let note = from_bands.or_else(|| l.waiting_note()).unwrap_or_else(|| {
                let latest = l
                    .intervals
                    .iter()
                    .rev()
                    .map(|r| pct(r.val_accuracy))
                    .find(|v| v.is_finite());
                let note = latest.map(|v| format!("{v:.1}%")).unwrap_or_default();
                match (reached, target_pct) {
                    (Some(x), Some(t)) => format!("{note} · hit {} at {x:.2} ep", format_pct(t)),
                    _ if l.diverged() => format!("{note} · diverged"),
                    _ => note,
                }
            });
            legend.entry(Swatch::Line(Color::from_rgb(l.color)), &l.label, note);
        }
        if dots.iter().any(|d| !d.1.is_empty()) {
            legend.entry(Swatch::Dot(MUTED), "epoch end, all validation images", "");
        }
        legend.notes.extend(band_note(lanes));
        AccuracyChart {
            lines,
            dots,
            target_pct,
            reached,
            y_range,
            legend,
            x_end: epoch_axis_end(lanes),
            x_name: epoch_axis_name(lanes),
            bands,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.runs.is_empty())
            && self.dots.iter().all(|d| d.1.is_empty())
            && self.bands.is_empty()
    }

    /// Draws the chart; returns the plot rectangle (`None` when the painter is too small).
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let y_range = self.y_range;
        let y_axis = |h: f64| {
            let (ticks, minor) = accuracy_ticks(y_range, h);
            Axis {
                range: y_range,
                ticks,
                minor,
                name: "↑ validation accuracy (scale stretched toward 100%)".into(),
                grid: true,
            }
        };
        let x_axis = |w: f64| epoch_axis(self.x_end, &self.x_name, w);
        let size = (s.width, s.height);
        let frame = Frame::layout(s.measure(), size, s.dpr, &self.legend, &y_axis, &x_axis);
        frame.draw(&mut s, &self.legend);
        let plot = frame.plot;

        // The finish line, under the data.
        let target_y = self.target_pct.map(|t| frame.y_px(accuracy_pos(t)));
        if let Some(y) = target_y {
            let dash = s
                .stroke(TEXT.alpha(0.75), 1.25)
                .dashed(s.px(5.0), s.px(4.0));
            s.p.polyline(&[(plot.left, y), (plot.right, y)], &dash);
        }
        draw_bands(&mut s, &frame, &self.bands);
        draw_lane_lines(&mut s, &frame, &self.lines);

        // Epoch-end dots at least 20 CSS px apart (every k-th epoch on long races), and the latest.
        let r = s.px(3.5);
        let epoch_px = plot.width() / s.dpr / (frame.x.range.1 - frame.x.range.0);
        let every = (20.0 / epoch_px).ceil().max(1.0) as u32;
        let ring = s.stroke(BACKGROUND, 1.0);
        for (c, points) in &self.dots {
            for (i, &p) in points.iter().enumerate() {
                if (p.0 as u32).is_multiple_of(every) || i + 1 == points.len() {
                    s.p.circle(frame.to_px(p), r, Some(*c), Some(&ring));
                }
            }
        }
        if let (Some(t), Some(y)) = (self.target_pct, target_y) {
            // Where each lane crossed the finish line: a ring on the line.
            for (line, x) in self.lines.iter().zip(&self.reached) {
                if let Some(x) = *x {
                    let ring = s.stroke(line.color, 2.0);
                    s.p.circle((frame.x_px(x), y), s.px(5.0), Some(BACKGROUND), Some(&ring));
                }
            }
            let points: Vec<(f64, f64)> = self
                .lines
                .iter()
                .flat_map(|l| l.runs.iter().flatten())
                .chain(self.dots.iter().flat_map(|d| &d.1))
                .map(|&p| frame.to_px(p))
                .collect();
            draw_target_label(
                &mut s,
                plot,
                y,
                &format!("target {}", format_pct(t)),
                &points,
            );
        }
        if self.is_empty() {
            frame.draw_hint(&mut s, WAITING);
        }
        Some(plot)
    }
}

/// Where a `size` label of the finish line at `y` goes: at whichever end of the line, above or
/// below it, covers the fewest of `points` (device pixels), inside `plot`; `None` when the
/// plot is too short to hold it.
pub fn place_target_label(
    plot: Rect,
    y: f64,
    (w, h): (f64, f64),
    dpr: f64,
    points: &[(f64, f64)],
) -> Option<(f64, f64)> {
    let gap = 2.0 * dpr;
    let (left, right) = (plot.left + 4.0 * dpr, plot.right - 4.0 * dpr - w);
    let (above, below) = (y - gap - h, y + gap);
    let candidates = [(left, above), (right, above), (left, below), (right, below)];
    let margin = 3.0 * dpr;
    let covered = |&(x, top): &(f64, f64)| {
        let zone = Rect::new(x - margin, top - margin, x + w + margin, top + h + margin);
        points.iter().filter(|&&p| zone.contains(p)).count()
    };
    candidates
        .into_iter()
        .filter(|&(_, top)| top >= plot.top && top + h <= plot.bottom)
        .min_by_key(covered)
}

/// Labels the finish line on a translucent white box over the data.
fn draw_target_label(s: &mut Surface<'_>, plot: Rect, y: f64, label: &str, points: &[(f64, f64)]) {
    let size = (
        s.text_width(label, TICK_FONT) + s.px(6.0),
        s.px(TICK_FONT + 4.0),
    );
    let Some((x, top)) = place_target_label(plot, y, size, s.dpr, points) else {
        return;
    };
    s.rect(
        Rect::new(x, top, x + size.0, top + size.1),
        BACKGROUND.alpha(0.85),
    );
    let at = (x + s.px(3.0), top + size.1 / 2.0);
    s.text(label, at, TICK_FONT, TEXT, (HAlign::Left, VAlign::Middle));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::fixtures::{epoch, interval, series};

    fn accuracies(lane: usize, points: &[(f64, f32)]) -> Vec<crate::report::IntervalReport> {
        points
            .iter()
            .map(|&(t, acc)| {
                let mut r = interval(lane, Activation::Relu, t);
                r.val_accuracy = acc;
                r
            })
            .collect()
    }

    #[test]
    fn the_axis_is_minus_log10_of_the_error() {
        assert!((accuracy_pos(90.0) - 1.0).abs() < 1e-12);
        assert!((accuracy_pos(99.0) - 2.0).abs() < 1e-12);
        assert_eq!(accuracy_pos(0.0), 0.0);
        // 100% would be infinitely high: it sits at 99.99%.
        assert!((accuracy_pos(100.0) - 4.0).abs() < 1e-9);
        assert!(accuracy_pos(f64::NAN).is_nan());
    }

    #[test]
    fn accuracy_labels_keep_16_px_apart() {
        // 0 … 2.1 over 105 px: 50 px per unit. Positions: 0% 0, 50% 0.301, 80% 0.699, 90% 1,
        // 95% 1.301, 97% 1.523, 98% 1.699, 99% 2 (99.5% is off the top). 50% is 15 px above
        // 0%: a grid line; 80% 35 px above 0%: a label; 90% 15 px above it: a grid line; 95%
        // 30 px above 80%: a label; 97% 11 px: grid; 98% 20 px: a label; 99% 15 px: grid.
        let (ticks, minor) = accuracy_ticks((0.0, 2.1), 105.0);
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0%", "80%", "95%", "98%"]);
        assert_eq!(minor.len(), 4);
        // With twice the room, every candidate up to 99% is labelled.
        assert_eq!(accuracy_ticks((0.0, 2.1), 210.0).0.len(), 8);
    }

    #[test]
    fn the_first_report_at_the_target_is_where_a_lane_crossed_it() {
        // ReLU reaches 95% at 0.75 epochs (and dips under it after); Sigmoid never does.
        let relu = accuracies(
            1,
            &[
                (0.25, 0.90),
                (0.5, 0.949),
                (0.75, 0.95),
                (1.0, 0.94),
                (1.25, 0.97),
            ],
        );
        let sigmoid = accuracies(0, &[(0.25, 0.5), (0.5, 0.8)]);
        let mut end = epoch(1, Activation::Relu, 1);
        end.val_accuracy = 0.96;
        let relu_epochs = [end];
        let lanes = [
            series("Sigmoid", 0, &sigmoid, &[]),
            series("ReLU", 1, &relu, &relu_epochs),
        ];
        let chart = AccuracyChart::new(&lanes, 0.95);
        assert_eq!(chart.reached, vec![None, Some(0.75)]);
        // The target is the f32 0.95, as the reports' accuracies are.
        assert!((chart.target_pct.unwrap() - 95.0).abs() < 1e-5);
        let notes: Vec<&str> = chart
            .legend
            .entries
            .iter()
            .map(|e| e.note.as_str())
            .collect();
        assert_eq!(notes, ["80.0%", "97.0% · hit 95% at 0.75 ep", ""]);
        assert_eq!(
            chart.legend.entries[2].label,
            "epoch end, all validation images"
        );
        // The top: at least 99% (position 2), as no lane is higher.
        assert!((chart.y_range.1 - 2.0).abs() < 1e-12);
        let (_, dots) = &chart.dots[1];
        assert_eq!(dots.len(), 1);
        assert!((dots[0].1 - accuracy_pos(96.0)).abs() < 1e-6);
        // No finish line for a target out of (0, 1].
        for bad in [0.0, 1.5, f32::NAN] {
            let chart = AccuracyChart::new(&lanes, bad);
            assert_eq!(
                (chart.target_pct, chart.reached.clone()),
                (None, vec![None, None])
            );
        }
    }

    #[test]
    fn out_of_range_accuracies_break_the_line() {
        let odd = accuracies(
            0,
            &[(0.25, 0.5), (0.5, f32::INFINITY), (0.75, 1.2), (1.0, 0.6)],
        );
        let chart = AccuracyChart::new(&[series("ReLU", 0, &odd, &[])], 0.97);
        assert_eq!(chart.lines[0].runs.len(), 2);
        assert_eq!(chart.legend.entries[0].note, "60.0%");
    }

    #[test]
    fn the_target_label_covers_the_fewest_points() {
        // Plot 0…400 × 0…200 at dpr 1, finish line at y = 100, label 60 × 15.
        let plot = Rect::new(0.0, 0.0, 400.0, 200.0);
        let size = (60.0, 15.0);
        // Candidates: left (4, 83) above, right (336, 83) above, left (4, 102), right (336, 102).
        assert_eq!(
            place_target_label(plot, 100.0, size, 1.0, &[]),
            Some((4.0, 83.0))
        );
        let above_left = [(10.0, 90.0), (30.0, 95.0)];
        assert_eq!(
            place_target_label(plot, 100.0, size, 1.0, &above_left),
            Some((336.0, 83.0))
        );
        let above = [(10.0, 90.0), (350.0, 90.0)];
        assert_eq!(
            place_target_label(plot, 100.0, size, 1.0, &above),
            Some((4.0, 102.0))
        );
        // A finish line at the very top: only below fits.
        assert_eq!(
            place_target_label(plot, 5.0, size, 1.0, &[]),
            Some((4.0, 7.0))
        );
        // A plot too short for the label.
        let flat = Rect::new(0.0, 0.0, 400.0, 10.0);
        assert_eq!(place_target_label(flat, 5.0, size, 1.0, &[]), None);
    }
}
