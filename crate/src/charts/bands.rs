//! Bands over seeds: a race run once per seed gives, at each interval report, the lowest, mean
//! and highest training loss and validation accuracy of every lane. The loss and accuracy
//! charts draw them under the lanes' lines — a pale band from the lowest to the highest value
//! and a dashed line at the mean — so a lead can be told from seed noise. The CLI's
//! `race --seeds … --plots DIR` draws only the bands and their means; the page draws the bands
//! of the seeds finished so far under the run in progress.
//!
//! Runs of one race with different seeds report at the same progress (the report interval is a
//! number of batches), so the k-th reports of all runs line up.

use super::frame::Frame;
use super::lanes::LaneSeries;
use super::painter::Color;
use super::series::{downsample, smooth};
use super::surface::Surface;
use super::theme::LINE_WIDTH;
use crate::report::IntervalReport;
use crate::seeds::Spread;
use serde::Serialize;

/// One lane's spread over the runs at one interval report.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BandPoint {
    /// Progress in epochs.
    pub x: f64,
    /// Over the runs whose value here is finite (a diverged run drops out).
    pub spread: Spread,
}

/// One lane's bands over the runs of several seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LaneBands {
    /// The seeds of the runs, in order.
    pub seeds: Vec<u32>,
    /// Training loss (positive values only: the axis is logarithmic).
    pub loss: Vec<BandPoint>,
    /// Validation accuracy, as a fraction.
    pub accuracy: Vec<BandPoint>,
}

impl LaneBands {
    /// The bands of one lane over `runs` (its interval reports in each run, with `seeds[i]`
    /// the seed of `runs[i]`), report by report. A report where no run has a usable value is
    /// left out.
    pub fn of_runs(seeds: &[u32], runs: &[&[IntervalReport]]) -> LaneBands {
        let longest = runs.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut bands = LaneBands {
            seeds: seeds.to_vec(),
            ..LaneBands::default()
        };
        let mut values = Vec::with_capacity(runs.len());
        for k in 0..longest {
            let at_k: Vec<&IntervalReport> = runs.iter().filter_map(|r| r.get(k)).collect();
            let Some(x) = at_k.iter().map(|r| r.epochs_done).find(|x| x.is_finite()) else {
                continue;
            };
            let mut spread_of = |value: &dyn Fn(&IntervalReport) -> f32| {
                values.clear();
                values.extend(at_k.iter().map(|r| value(r)).filter(|v| v.is_finite()));
                Spread::of(&values).map(|spread| BandPoint { x, spread })
            };
            let loss = spread_of(&|r| {
                if r.train_loss > 0.0 {
                    r.train_loss
                } else {
                    f32::NAN
                }
            });
            let accuracy = spread_of(&|r| {
                if (0.0..=1.0).contains(&r.val_accuracy) {
                    r.val_accuracy
                } else {
                    f32::NAN
                }
            });
            bands.loss.extend(loss);
            bands.accuracy.extend(accuracy);
        }
        bands
    }

    /// How many runs the bands are made of.
    pub fn runs(&self) -> usize {
        self.seeds.len()
    }
}

/// The seeds as a short phrase: "42–46" for consecutive seeds, else "42, 7, 9".
pub fn seeds_phrase(seeds: &[u32]) -> String {
    let consecutive = seeds.windows(2).all(|w| w[0].checked_add(1) == Some(w[1]));
    match seeds {
        [] => String::new(),
        [one] => one.to_string(),
        [first, .., last] if consecutive => format!("{first}–{last}"),
        _ => seeds
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A lane's band in value space, ready to draw: runs of (x, lowest, mean, highest).
#[derive(Clone, Debug, PartialEq)]
pub struct BandArea {
    pub color: Color,
    pub runs: Vec<Vec<(f64, f64, f64, f64)>>,
    /// The lane has a live line over the band: the mean is drawn thin and dashed, not as the
    /// lane's line.
    pub under_live_line: bool,
}

impl BandArea {
    /// `points` mapped by `to_value` (e.g. log10 of the loss; NaN for what the axis can't show)
    /// into runs of finite points; runs break where x jumps back (never, for one race's reports)
    /// or a value is not finite.
    pub fn new(
        color: Color,
        points: &[BandPoint],
        to_value: impl Fn(f32) -> f64,
        under_live_line: bool,
    ) -> BandArea {
        let mut runs: Vec<Vec<(f64, f64, f64, f64)>> = Vec::new();
        let mut run = Vec::new();
        for p in points {
            let (lo, mean, hi) = (
                to_value(p.spread.min),
                to_value(p.spread.mean),
                to_value(p.spread.max),
            );
            if [p.x, lo, mean, hi].iter().all(|v| v.is_finite()) {
                run.push((p.x, lo, mean, hi));
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        BandArea {
            color,
            runs,
            under_live_line,
        }
    }

    /// Every value (lowest and highest), for the chart's y range.
    pub fn extent(&self) -> impl Iterator<Item = f64> + '_ {
        self.runs.iter().flatten().flat_map(|p| [p.1, p.3])
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

/// Each lane's band of `pick` (loss or accuracy) in value space (`to_value`), for the lanes
/// that have bands.
pub fn lane_band_areas(
    lanes: &[LaneSeries<'_>],
    pick: fn(&LaneBands) -> &[BandPoint],
    to_value: impl Fn(f32) -> f64 + Copy,
) -> Vec<BandArea> {
    lanes
        .iter()
        .filter_map(|l| {
            let bands = l.bands?;
            Some(BandArea::new(
                Color::from_rgb(l.color),
                pick(bands),
                to_value,
                !l.intervals.is_empty(),
            ))
        })
        .filter(|a| !a.is_empty())
        .collect()
}

/// The legend's explanation of the bands, if any lane has them: over which seeds, and how the
/// mean is drawn.
pub fn band_note(lanes: &[LaneSeries<'_>]) -> Option<String> {
    let bands = lanes
        .iter()
        .find_map(|l| l.bands.filter(|b| b.runs() > 0))?;
    let live = lanes.iter().any(|l| !l.intervals.is_empty());
    let n = bands.runs();
    let seeds = seeds_phrase(&bands.seeds);
    Some(if live {
        format!(
            "Shaded: lowest to highest of the {n} finished seed{} ({seeds}), dashed: their mean; solid: the latest seed (racing, or the last to finish).",
            if n == 1 { "" } else { "s" }
        )
    } else {
        format!("Shaded: lowest to highest over {n} seeds ({seeds}); line: their mean.")
    })
}

/// A lane's legend note from its bands alone (no live run): the mean and range at the last
/// point, e.g. "mean 0.123 (0.110–0.135)".
pub fn band_legend_note(points: &[BandPoint], format: impl Fn(f32) -> String) -> Option<String> {
    let last = points.last()?.spread;
    Some(format!(
        "mean {} ({}–{})",
        format(last.mean),
        format(last.min),
        format(last.max)
    ))
}

/// How opaque a band is: pale enough for two lanes' bands to overlap readably.
pub const BAND_OPACITY: f64 = 0.2;

/// Draws the bands (filled, from the lowest to the highest value) and their means, under the
/// lanes' lines. Edges and means are smoothed like the lines (±5 CSS px), so report noise
/// doesn't fray them.
pub fn draw_bands(s: &mut Surface<'_>, frame: &Frame, bands: &[BandArea]) {
    let (x0, x1) = frame.x.range;
    let columns = frame.columns();
    let half_width = 5.0 * (x1 - x0) / columns as f64;
    s.p.clip(Some(frame.plot));
    for band in bands {
        for run in &band.runs {
            let edge = |pick: fn(&(f64, f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
                let pts: Vec<(f64, f64)> = run.iter().map(|p| (p.0, pick(p))).collect();
                downsample(&smooth(&pts, half_width), x0, x1, columns)
                    .into_iter()
                    .map(|p| frame.to_px(p))
                    .collect()
            };
            let (low, mean, high) = (edge(|p| p.1), edge(|p| p.2), edge(|p| p.3));
            if run.len() == 1 {
                // One report: a bar from the lowest to the highest value.
                let w = s.px(1.5);
                let (x, top, bottom) = (low[0].0, high[0].1, low[0].1);
                s.p.polygon(
                    &[(x - w, top), (x + w, top), (x + w, bottom), (x - w, bottom)],
                    band.color.alpha(BAND_OPACITY * 2.0),
                );
                continue;
            }
            let outline: Vec<(f64, f64)> = high.iter().chain(low.iter().rev()).copied().collect();
            s.p.polygon(&outline, band.color.alpha(BAND_OPACITY));
            let stroke = if band.under_live_line {
                s.stroke(band.color.alpha(0.9), 1.25)
                    .dashed(s.px(4.0), s.px(3.0))
            } else {
                s.stroke(band.color, LINE_WIDTH)
            };
            s.p.polyline(&mean, &stroke);
        }
    }
    s.p.clip(None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::fixtures::interval;

    fn run(points: &[(f64, f32, f32)]) -> Vec<IntervalReport> {
        points
            .iter()
            .map(|&(x, loss, acc)| {
                let mut r = interval(0, Activation::Relu, x);
                r.train_loss = loss;
                r.val_accuracy = acc;
                r
            })
            .collect()
    }

    #[test]
    fn bands_are_the_lowest_mean_and_highest_report_by_report() {
        let a = run(&[(0.5, 1.0, 0.80), (1.0, 0.5, 0.90)]);
        let b = run(&[(0.5, 2.0, 0.84), (1.0, 0.3, 0.94)]);
        // Diverged after its first report: NaN, then nothing.
        let c = run(&[(0.5, f32::NAN, 0.10)]);
        let bands = LaneBands::of_runs(&[7, 8, 9], &[&a, &b, &c]);
        assert_eq!(bands.runs(), 3);
        assert_eq!(bands.loss.len(), 2);
        let first = bands.loss[0];
        assert_eq!(first.x, 0.5);
        assert_eq!(
            (first.spread.n, first.spread.min, first.spread.max),
            (2, 1.0, 2.0)
        );
        assert!((first.spread.mean - 1.5).abs() < 1e-6);
        // The diverged run's accuracy is a number: it counts where it reported.
        let acc = bands.accuracy[0].spread;
        assert_eq!((acc.n, acc.min, acc.max), (3, 0.10, 0.84));
        let acc = bands.accuracy[1].spread;
        assert_eq!((acc.n, acc.min, acc.max), (2, 0.90, 0.94));
        assert!((acc.mean - 0.92).abs() < 1e-6);
        // Nothing usable: no point.
        let zero = run(&[(0.5, 0.0, 2.0)]);
        let none = LaneBands::of_runs(&[1], &[&zero]);
        assert!(none.loss.is_empty() && none.accuracy.is_empty());
    }

    #[test]
    fn band_areas_break_where_values_cannot_be_shown() {
        let a = run(&[(0.25, 1.0, 0.5), (0.5, 0.5, 0.6), (0.75, 0.25, 0.7)]);
        let bands = LaneBands::of_runs(&[1], &[&a]);
        // A value-space mapping that can't show the middle value.
        let area = BandArea::new(
            Color::rgb(0, 0, 0),
            &bands.loss,
            |v| if v == 0.5 { f64::NAN } else { f64::from(v) },
            false,
        );
        assert_eq!(area.runs.len(), 2);
        assert_eq!(area.runs[0], vec![(0.25, 1.0, 1.0, 1.0)]);
        let ext: Vec<f64> = area.extent().collect();
        assert_eq!(ext, [1.0, 1.0, 0.25, 0.25]);
    }

    #[test]
    fn seeds_are_named_briefly() {
        assert_eq!(seeds_phrase(&[42, 43, 44]), "42–44");
        assert_eq!(seeds_phrase(&[42]), "42");
        assert_eq!(seeds_phrase(&[7, 1, 9]), "7, 1, 9");
        assert_eq!(seeds_phrase(&[]), "");
    }
}
