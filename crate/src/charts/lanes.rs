//! What the charts read: each lane's reports, its name and its colour.

use super::bands::LaneBands;
use super::theme::LANE_COLORS;
use super::ticks::thousands;
use crate::activation::Activation;
use crate::race::RaceConfig;
use crate::report::{EpochReport, IntervalReport};

/// One lane's data for the charts.
#[derive(Clone, Debug)]
pub struct LaneSeries<'a> {
    /// Shown in the legend, e.g. "Sigmoid" or "ReLU (lr 0.01)".
    pub label: String,
    /// The lane's colour.
    pub color: (u8, u8, u8),
    pub intervals: &'a [IntervalReport],
    pub epochs: &'a [EpochReport],
    /// The lane's bands over the runs of several seeds, drawn under its line (loss and accuracy).
    pub bands: Option<&'a LaneBands>,
}

impl<'a> LaneSeries<'a> {
    /// Lane `index` of a race run with `config`, named and coloured as on the page.
    pub fn of_lane(
        config: &RaceConfig,
        index: usize,
        intervals: &'a [IntervalReport],
        epochs: &'a [EpochReport],
    ) -> LaneSeries<'a> {
        LaneSeries {
            label: lane_label(config, index),
            color: LANE_COLORS[index % LANE_COLORS.len()],
            intervals,
            epochs,
            bands: None,
        }
    }

    /// The lane with its bands over seeds.
    pub fn with_bands(self, bands: Option<&'a LaneBands>) -> LaneSeries<'a> {
        LaneSeries { bands, ..self }
    }

    pub fn activation(&self) -> Option<Activation> {
        self.intervals
            .first()
            .map(|r| r.activation)
            .or_else(|| self.epochs.first().map(|r| r.activation))
    }

    /// The lane stopped on a non-finite loss (or its latest loss is non-finite).
    pub fn diverged(&self) -> bool {
        self.epochs.iter().any(|e| e.diverged)
            || self
                .intervals
                .last()
                .is_some_and(|r| !r.train_loss.is_finite())
    }

    /// Nothing reported yet.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty() && self.epochs.is_empty()
    }

    /// The legend note of a lane without reports.
    pub fn waiting_note(&self) -> Option<String> {
        self.is_empty().then(|| "· waiting".into())
    }
}

/// A lane's name: its activation, and what else sets it apart when lanes differ in a learning
/// rate or an initialisation ([`RaceConfig::lane_label`], e.g. "ReLU · lr 0.01").
pub fn lane_label(config: &RaceConfig, index: usize) -> String {
    config.lane_label(index)
}

/// Progress of the furthest lane in epochs, rounded up to a whole epoch (at least 1): the x
/// axis grows an epoch at a time.
pub fn epoch_axis_end(lanes: &[LaneSeries<'_>]) -> f64 {
    let furthest = lanes
        .iter()
        .flat_map(|l| {
            l.intervals
                .iter()
                .map(|r| r.epochs_done)
                .chain(l.epochs.iter().map(|e| f64::from(e.epoch)))
                .chain(
                    l.bands
                        .iter()
                        .flat_map(|b| b.loss.iter().chain(&b.accuracy))
                        .map(|p| p.x),
                )
        })
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    (furthest - 1e-9).ceil().clamp(1.0, 1e6)
}

/// Images per epoch, read off the reports (samples seen ÷ epochs done), for the x axis name.
pub fn samples_per_epoch(lanes: &[LaneSeries<'_>]) -> Option<u64> {
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

/// The x axis name of charts over epochs.
pub fn epoch_axis_name(lanes: &[LaneSeries<'_>]) -> String {
    match samples_per_epoch(lanes) {
        Some(n) if n >= 1000 => format!("epochs (1 epoch = {} images) →", thousands(n)),
        _ => "epochs →".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::{epoch, interval, series};

    #[test]
    fn the_epoch_axis_grows_a_whole_epoch_at_a_time() {
        let iv = [
            interval(0, Activation::Relu, 0.25),
            interval(0, Activation::Relu, 1.05),
        ];
        let ep = [epoch(0, Activation::Relu, 1)];
        let lanes = [series("ReLU", 0, &iv, &ep)];
        assert_eq!(epoch_axis_end(&lanes), 2.0);
        assert_eq!(epoch_axis_end(&lanes[..0]), 1.0);
        let exactly_two = [interval(0, Activation::Relu, 2.0)];
        assert_eq!(epoch_axis_end(&[series("ReLU", 0, &exactly_two, &[])]), 2.0);
        // 1.05 epochs = 57,750 images: 55,000 per epoch.
        assert_eq!(samples_per_epoch(&lanes), Some(55_000));
        assert_eq!(
            epoch_axis_name(&lanes),
            "epochs (1 epoch = 55,000 images) →"
        );
        assert_eq!(epoch_axis_name(&[]), "epochs →");
    }

    #[test]
    fn status_of_a_lane() {
        let mut iv = vec![interval(0, Activation::Sigmoid, 0.5)];
        let lane = series("Sigmoid", 0, &iv, &[]);
        assert_eq!(lane.activation(), Some(Activation::Sigmoid));
        assert!(!lane.diverged() && !lane.is_empty() && lane.waiting_note().is_none());
        iv[0].train_loss = f32::NAN;
        assert!(series("Sigmoid", 0, &iv, &[]).diverged());
        let waiting = series("Tanh", 3, &[], &[]);
        assert_eq!(waiting.waiting_note().as_deref(), Some("· waiting"));
        assert_eq!(waiting.activation(), None);
    }

    #[test]
    fn lanes_are_named_and_coloured_as_on_the_page() {
        let mut config = RaceConfig::default();
        let lane = LaneSeries::of_lane(&config, 1, &[], &[]);
        assert_eq!((lane.label.as_str(), lane.color), ("ReLU", LANE_COLORS[1]));
        config.lane_learning_rates = Some(vec![0.1, 0.01]);
        assert_eq!(lane_label(&config, 1), "ReLU · lr 0.01");
    }
}
