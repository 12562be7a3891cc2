//! The page's "repeat with N seeds": the race runs once per seed, one run after another
//! (`seed`, `seed` + 1, …: the seeds of `race --seeds N`), and the loss and accuracy charts draw
//! bands over the runs finished so far under the run in progress — so a winner can be told
//! from seed noise.
//!
//! [`SeedRuns`] keeps the finished runs and their bands; [`super::race::RaceView`] asks it which
//! seed the lanes race next and hands it each run as it ends.

use crate::charts::bands::{LaneBands, seeds_phrase};
use crate::race::RaceConfig;
use crate::record::RaceRecord;
use crate::seeds::seed_list;

/// The seeds of a repeated race and the runs finished so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeedRuns {
    /// Every seed of the series, in the order they race.
    pub seeds: Vec<u32>,
    /// The finished runs, in order (`finished[i]` raced `seeds[i]`), without their test-set
    /// predictions (the bands don't need them, and they are the bulk of a record).
    pub finished: Vec<RaceRecord>,
    /// Per lane, its bands over the finished runs (empty before the first run ends).
    pub bands: Vec<LaneBands>,
}

impl SeedRuns {
    /// A fresh series for `config`: `config.repeat_seeds` seeds from `config.seed`, none raced.
    pub fn new(config: &RaceConfig) -> SeedRuns {
        let seeds = seed_list(&config.repeat_seeds.max(1).to_string(), config.seed)
            // The settings keep the seeds below u32::MAX; should they not, race once.
            .unwrap_or_else(|_| vec![config.seed]);
        SeedRuns {
            seeds,
            ..SeedRuns::default()
        }
    }

    /// More than one seed: the page shows the series and its bands.
    pub fn repeated(&self) -> bool {
        self.seeds.len() > 1
    }

    /// The seed of the run under way (the last one once all have finished).
    pub fn current_seed(&self) -> u32 {
        let i = self.finished.len().min(self.seeds.len().saturating_sub(1));
        self.seeds.get(i).copied().unwrap_or_default()
    }

    /// Position of the run under way, from 1 (the last once all have finished).
    pub fn current_number(&self) -> usize {
        (self.finished.len() + 1).min(self.seeds.len())
    }

    /// Every seed has raced.
    pub fn all_finished(&self) -> bool {
        self.finished.len() >= self.seeds.len()
    }

    /// `config` with the seed of the run under way.
    pub fn config_of_run(&self, config: &RaceConfig) -> RaceConfig {
        RaceConfig {
            seed: self.current_seed(),
            ..config.clone()
        }
    }

    /// Takes the run that just ended and recomputes the bands. Returns whether another seed is
    /// to race.
    pub fn finish_run(&mut self, mut run: RaceRecord) -> bool {
        if self.all_finished() {
            return false;
        }
        for lane in &mut run.lanes {
            lane.test_predictions = None;
        }
        self.finished.push(run);
        let lanes = self.finished[0].lanes.len();
        let seeds = &self.seeds[..self.finished.len()];
        self.bands = (0..lanes)
            .map(|lane| {
                let runs: Vec<&[crate::report::IntervalReport]> = self
                    .finished
                    .iter()
                    .filter_map(|r| r.lanes.get(lane).map(|l| l.reports.as_slice()))
                    .collect();
                LaneBands::of_runs(seeds, &runs)
            })
            .collect();
        !self.all_finished()
    }

    /// Lane `lane`'s bands, once a run has finished.
    pub fn bands_of(&self, lane: usize) -> Option<&LaneBands> {
        self.bands.get(lane).filter(|b| b.runs() > 0)
    }

    /// "seed 2 of 5" for the status line (`None` when racing once).
    pub fn progress(&self) -> Option<String> {
        self.repeated().then(|| {
            format!(
                "seed {} of {} ({})",
                self.current_number(),
                self.seeds.len(),
                self.current_seed()
            )
        })
    }

    /// The finished seeds, e.g. "42–44".
    pub fn finished_phrase(&self) -> String {
        seeds_phrase(&self.seeds[..self.finished.len().min(self.seeds.len())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::interval;
    use crate::race::LaneState;
    use crate::record::LaneRecord;

    fn run(seed: u32, accuracies: [f32; 2]) -> RaceRecord {
        let config = RaceConfig {
            seed,
            ..RaceConfig::default()
        };
        let lanes = (0..2)
            .map(|lane| {
                let mut r = interval(lane, config.activations[lane], 0.5);
                r.val_accuracy = accuracies[lane];
                LaneRecord {
                    lane,
                    activation: config.activations[lane],
                    learning_rate: 0.1,
                    init: crate::InitScheme::Glorot,
                    label: config.lane_label(lane),
                    state: LaneState::Finished,
                    reports: vec![r],
                    epochs: vec![],
                    messages: vec![],
                    test_predictions: None,
                }
            })
            .collect();
        RaceRecord::new(&config, lanes)
    }

    #[test]
    fn the_seeds_are_those_of_the_cli_and_each_finished_run_widens_the_bands() {
        let config = RaceConfig {
            seed: 42,
            repeat_seeds: 3,
            ..RaceConfig::default()
        };
        let mut s = SeedRuns::new(&config);
        assert_eq!(s.seeds, seed_list("3", 42).unwrap());
        assert!(s.repeated() && !s.all_finished());
        assert_eq!(s.progress().as_deref(), Some("seed 1 of 3 (42)"));
        assert_eq!(s.bands_of(0), None);
        assert!(s.finish_run(run(42, [0.5, 0.9])));
        assert_eq!(s.config_of_run(&config).seed, 43);
        assert_eq!(s.progress().as_deref(), Some("seed 2 of 3 (43)"));
        let b = s.bands_of(1).expect("bands after one run");
        assert_eq!((b.runs(), b.accuracy[0].spread.min), (1, 0.9));
        assert!(s.finish_run(run(43, [0.6, 0.8])));
        assert!(!s.finish_run(run(44, [0.7, 0.95])));
        assert!(s.all_finished());
        assert_eq!(s.progress().as_deref(), Some("seed 3 of 3 (44)"));
        assert_eq!(s.finished_phrase(), "42–44");
        let acc = s.bands_of(1).unwrap().accuracy[0].spread;
        assert_eq!((acc.n, acc.min, acc.max), (3, 0.8, 0.95));
        let sigmoid = s.bands_of(0).unwrap().accuracy[0].spread;
        assert!((sigmoid.mean - 0.6).abs() < 1e-6);
        // Nothing more is taken once every seed has raced.
        assert!(!s.finish_run(run(45, [0.1, 0.1])));
        assert_eq!(s.finished.len(), 3);
    }

    #[test]
    fn one_seed_races_once() {
        let s = SeedRuns::new(&RaceConfig::default());
        assert_eq!(s.seeds, vec![42]);
        assert!(!s.repeated());
        assert_eq!(s.progress(), None);
        assert_eq!(
            s.config_of_run(&RaceConfig::default()),
            RaceConfig::default()
        );
    }
}
