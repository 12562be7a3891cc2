//! A race's complete record: its configuration and everything each lane reported. The `race`
//! CLI writes it with `--json`; being a library type, the page can export the very same schema.

use crate::activation::Activation;
use crate::init::InitScheme;
use crate::race::{Lane, LaneState, RaceConfig};
use crate::report::{EpochReport, IntervalReport, LaneEvent, TestPredictions};
use serde::{Deserialize, Serialize};

/// One race: the configuration, the network's shape and every lane's reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaceRecord {
    pub config: RaceConfig,
    /// Layer widths from input to output, e.g. `[784, 128, 64, 10]`.
    pub layer_sizes: Vec<usize>,
    /// Trainable parameters of one lane's network.
    pub parameters: usize,
    pub lanes: Vec<LaneRecord>,
}

/// Everything one lane reported, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneRecord {
    pub lane: usize,
    pub activation: Activation,
    pub learning_rate: f32,
    /// The lane's initialisation scheme.
    #[serde(default = "default_init")]
    pub init: InitScheme,
    /// What sets the lane apart ([`RaceConfig::lane_label`]), e.g. "ReLU · lr 0.01".
    #[serde(default)]
    pub label: String,
    /// Where the lane ended (or is, for a record of a race in progress).
    pub state: LaneState,
    /// The interval reports.
    pub reports: Vec<IntervalReport>,
    /// The end-of-epoch reports.
    pub epochs: Vec<EpochReport>,
    /// What the lane said in words (a divergence).
    pub messages: Vec<String>,
    /// The test-set predictions of the last epoch reported (earlier epochs' are replaced, to
    /// keep the record small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_predictions: Option<TestPredictions>,
}

fn default_init() -> InitScheme {
    InitScheme::Glorot
}

impl RaceRecord {
    /// A record of the race `config` with the lanes' records `lanes`.
    pub fn new(config: &RaceConfig, lanes: Vec<LaneRecord>) -> RaceRecord {
        let layer_sizes = config.layer_sizes();
        let parameters = layer_sizes.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
        RaceRecord {
            config: config.clone(),
            layer_sizes,
            parameters,
            lanes,
        }
    }
}

impl RaceRecord {
    /// The record without wall-clock fields, for comparing runs.
    pub fn untimed(&self) -> RaceRecord {
        RaceRecord {
            lanes: self.lanes.iter().map(LaneRecord::untimed).collect(),
            ..self.clone()
        }
    }
}

impl LaneRecord {
    /// The record without wall-clock fields, for comparing runs.
    pub fn untimed(&self) -> LaneRecord {
        LaneRecord {
            reports: self.reports.iter().map(IntervalReport::untimed).collect(),
            epochs: self.epochs.iter().map(EpochReport::untimed).collect(),
            ..self.clone()
        }
    }

    /// An empty record of `lane`, as it is now.
    pub fn new(lane: &Lane) -> LaneRecord {
        LaneRecord {
            lane: lane.index(),
            activation: lane.activation(),
            learning_rate: lane.learning_rate(),
            init: lane.init(),
            label: lane.label(),
            state: lane.state(),
            reports: Vec::new(),
            epochs: Vec::new(),
            messages: Vec::new(),
            test_predictions: None,
        }
    }

    /// Adds one of the lane's events.
    pub fn record(&mut self, event: LaneEvent) {
        match event {
            LaneEvent::Interval(r) => self.reports.push(r),
            LaneEvent::Epoch(r) => self.epochs.push(r),
            LaneEvent::Diverged { message, .. } => {
                self.state = LaneState::Diverged;
                self.messages.push(message);
            }
            LaneEvent::Finished { .. } => self.state = LaneState::Finished,
            LaneEvent::TestPredictions(p) => self.test_predictions = Some(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parameters_and_follows_the_lane_state() {
        let config = RaceConfig::default();
        let lane = Lane::new(&config, 1).unwrap();
        let mut record = LaneRecord::new(&lane);
        assert_eq!(
            (record.lane, record.activation, record.state),
            (1, Activation::Relu, LaneState::Training)
        );
        record.record(LaneEvent::Diverged {
            lane: 1,
            epoch: 1,
            samples_seen: 64,
            message: "diverged".into(),
        });
        assert_eq!(record.state, LaneState::Diverged);
        assert_eq!(record.messages, vec!["diverged".to_string()]);
        let race = RaceRecord::new(&config, vec![record]);
        assert_eq!(race.parameters, lane.network().parameter_count());
        assert_eq!(race.layer_sizes, vec![784, 128, 64, 10]);
    }
}
