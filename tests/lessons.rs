//! Lessons on real MNIST: a short race of each of two lessons, judged from its own reports.
// Native only: it reads the MNIST files from disk.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use activation_race::lessons::{LaneRun, Lesson, percent};
use activation_race::{Lane, LaneEvent, RaceConfig};

/// Runs `config` to the end and returns each lane's interval and epoch reports.
fn race(
    config: &RaceConfig,
) -> Vec<(
    Vec<activation_race::IntervalReport>,
    Vec<activation_race::EpochReport>,
)> {
    (0..config.activations.len())
        .map(|i| {
            let mut lane = Lane::new(config, i).expect("a valid lesson");
            let mut events = Vec::new();
            lane.advance(common::mnist(), usize::MAX, &mut events);
            let mut intervals = Vec::new();
            let mut epochs = Vec::new();
            for e in events {
                match e {
                    LaneEvent::Interval(r) => intervals.push(r),
                    LaneEvent::Epoch(r) => epochs.push(r),
                    _ => {}
                }
            }
            (intervals, epochs)
        })
        .collect()
}

#[test]
fn short_real_lessons_are_judged_from_their_reports() {
    for lesson in [Lesson::FairRace, Lesson::DeadRelu] {
        let config = RaceConfig {
            train_size: 2_000,
            epochs: 1,
            reports_per_epoch: 4,
            ..lesson.config()
        };
        assert!(lesson.fits(&config));
        let lanes = race(&config);
        let runs: Vec<LaneRun<'_>> = lanes
            .iter()
            .map(|(i, e)| LaneRun {
                intervals: i,
                epochs: e,
            })
            .collect();
        let verdict = lesson.verdict(&config, &runs);
        for (intervals, epochs) in &lanes {
            assert_eq!(intervals.len(), 4);
            let test = percent(epochs.last().expect("an epoch").test_accuracy);
            assert!(verdict.contains(&test), "{verdict} lacks {test}");
        }
        if lesson == Lesson::DeadRelu {
            let dead = percent(lanes[0].0.last().unwrap().dead_fraction[0]);
            assert!(
                verdict.contains(&format!("ReLU: {dead} of the first layer's units dead")),
                "{verdict}"
            );
        }
    }
}
