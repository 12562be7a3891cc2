//! One race over several seeds: the runs (natively, on a small pool of threads) and their
//! aggregate — per epoch and lane, the mean, standard deviation and range of the test accuracy
//! and the training loss.
//!
//! A seed changes the initial draws and the batch order and nothing else, so the spread over
//! seeds is how much of a difference between lanes is luck.

use crate::activation::Activation;
use crate::record::{LaneRecord, RaceRecord};
use serde::{Deserialize, Serialize};

/// The most seeds one `--seeds` may ask for.
pub const MAX_SEEDS: usize = 100;

/// Reads a seed list: a single number n means n seeds counting up from `first`; a comma-separated
/// list gives the seeds themselves (`"42,43,44"`). Repeated seeds are refused (they would count
/// one run twice).
pub fn seed_list(spec: &str, first: u32) -> Result<Vec<u32>, String> {
    let spec = spec.trim();
    let seeds: Vec<u32> = if spec.contains(',') {
        spec.split(',')
            .map(|s| {
                s.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("'{}' is not a seed (0–{})", s.trim(), u32::MAX))
            })
            .collect::<Result<_, _>>()?
    } else {
        let n: usize = spec.parse().map_err(|_| {
            format!("'{spec}' is neither a number of seeds nor a list like 42,43,44")
        })?;
        if n == 0 {
            return Err("0 seeds: give at least 1".into());
        }
        if n > MAX_SEEDS {
            return Err(format!("{n} seeds; at most {MAX_SEEDS}"));
        }
        (0..n as u32)
            .map(|i| {
                first
                    .checked_add(i)
                    .ok_or_else(|| format!("seeds from {first} on run past {}", u32::MAX))
            })
            .collect::<Result<_, _>>()?
    };
    if seeds.len() > MAX_SEEDS {
        return Err(format!("{} seeds; at most {MAX_SEEDS}", seeds.len()));
    }
    if let Some((_, s)) = seeds
        .iter()
        .enumerate()
        .find(|(i, s)| seeds[..*i].contains(s))
    {
        return Err(format!("seed {s} is listed twice"));
    }
    Ok(seeds)
}

/// Mean, standard deviation and range of some values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// How many values.
    pub n: usize,
    pub mean: f32,
    /// The sample standard deviation (n − 1 in the denominator; 0 for one value).
    pub std: f32,
    pub min: f32,
    pub max: f32,
}

impl Spread {
    /// The spread of `values`; `None` if there are none.
    pub fn of(values: &[f32]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        let n = values.len();
        let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let var = if n > 1 {
            values
                .iter()
                .map(|&v| (v as f64 - mean).powi(2))
                .sum::<f64>()
                / (n - 1) as f64
        } else {
            0.0
        };
        Some(Spread {
            n,
            mean: mean as f32,
            std: var.sqrt() as f32,
            min: values.iter().copied().fold(f32::INFINITY, f32::min),
            max: values.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        })
    }
}

/// One lane's epochs over all seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneSummary {
    pub lane: usize,
    pub activation: Activation,
    /// What sets the lane apart ([`crate::RaceConfig::lane_label`]).
    pub label: String,
    pub epochs: Vec<EpochSummary>,
}

/// One epoch of one lane over the seeds that completed it without diverging.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    /// From 1.
    pub epoch: u32,
    /// Seeds whose lane diverged in or before this epoch (left out of the spreads).
    pub diverged: usize,
    /// `None` when every seed diverged.
    pub test_accuracy: Option<Spread>,
    /// On all 5,000 validation images at the epoch's end.
    #[serde(default)]
    pub val_accuracy: Option<Spread>,
    pub train_loss: Option<Spread>,
}

/// The aggregate of a race run once per seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedSummary {
    pub seeds: Vec<u32>,
    pub lanes: Vec<LaneSummary>,
}

/// What `race --seeds … --json` writes: every run and their aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedsRecord {
    /// One record per seed, in the order of `summary.seeds`.
    pub runs: Vec<RaceRecord>,
    pub summary: SeedSummary,
}

/// Aggregates runs of the same race with different seeds (`runs[i]` with `seeds[i]`).
pub fn summarize(seeds: &[u32], runs: &[RaceRecord]) -> SeedSummary {
    let Some(first) = runs.first() else {
        return SeedSummary {
            seeds: seeds.to_vec(),
            lanes: Vec::new(),
        };
    };
    let epochs = first.config.epochs;
    let lanes = first
        .lanes
        .iter()
        .enumerate()
        .map(|(l, lane)| {
            let of_lane: Vec<&LaneRecord> = runs.iter().filter_map(|r| r.lanes.get(l)).collect();
            let epochs = (1..=epochs)
                .map(|epoch| {
                    let mut acc = Vec::new();
                    let mut val = Vec::new();
                    let mut loss = Vec::new();
                    let mut diverged = 0;
                    for rec in &of_lane {
                        match rec.epochs.iter().find(|e| e.epoch == epoch) {
                            Some(e) if !e.diverged => {
                                acc.push(e.test_accuracy);
                                val.push(e.val_accuracy);
                                loss.push(e.train_loss);
                            }
                            // Diverged in this epoch, or earlier (no report at all).
                            _ => diverged += 1,
                        }
                    }
                    EpochSummary {
                        epoch,
                        diverged,
                        test_accuracy: Spread::of(&acc),
                        val_accuracy: Spread::of(&val),
                        train_loss: Spread::of(&loss),
                    }
                })
                .collect();
            LaneSummary {
                lane: l,
                activation: lane.activation,
                label: first.config.lane_label(l),
                epochs,
            }
        })
        .collect();
    SeedSummary {
        seeds: seeds.to_vec(),
        lanes,
    }
}

/// Runs `config` once per seed of `seeds` (each lane to its end), on `threads` threads that
/// take (seed, lane) jobs in turn. The records do not depend on the number of threads (only
/// their timings do). `progress` is called with the batches just trained, from any thread.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_seeds(
    config: &crate::RaceConfig,
    seeds: &[u32],
    data: &crate::Mnist,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<RaceRecord>, String> {
    use crate::race::{Lane, LaneState};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let configs: Vec<crate::RaceConfig> = seeds
        .iter()
        .map(|&seed| crate::RaceConfig {
            seed,
            ..config.clone()
        })
        .collect();
    for c in &configs {
        c.validate()?;
    }
    let lanes = config.activations.len();
    let jobs = configs.len() * lanes;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<LaneRecord>>> = Mutex::new(vec![None; jobs]);
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, jobs.max(1)) {
            s.spawn(|| {
                loop {
                    let job = next.fetch_add(1, Ordering::Relaxed);
                    if job >= jobs {
                        break;
                    }
                    let mut lane =
                        Lane::new(&configs[job / lanes], job % lanes).expect("validated above");
                    let mut record = LaneRecord::new(&lane);
                    let mut events = Vec::new();
                    while lane.state() == LaneState::Training {
                        progress(lane.advance(data, 64, &mut events));
                        for e in events.drain(..) {
                            record.record(e);
                        }
                    }
                    results.lock().expect("no worker panicked")[job] = Some(record);
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .expect("no worker panicked")
        .into_iter();
    Ok(configs
        .iter()
        .map(|c| {
            let lanes = results
                .by_ref()
                .take(lanes)
                .map(|r| r.expect("every job ran"))
                .collect();
            RaceRecord::new(c, lanes)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::race::{LaneState, RaceConfig};
    use crate::report::EpochReport;

    #[test]
    fn seed_lists() {
        assert_eq!(seed_list("3", 42).unwrap(), vec![42, 43, 44]);
        assert_eq!(seed_list("7, 1,9", 42).unwrap(), vec![7, 1, 9]);
        assert_eq!(seed_list("1", 5).unwrap(), vec![5]);
        for bad in ["0", "x", "1,,2", "4,4", "101", "-3"] {
            assert!(seed_list(bad, 42).is_err(), "{bad}");
        }
        assert!(seed_list("2", u32::MAX).is_err());
    }

    #[test]
    fn spread_is_hand_computed() {
        let s = Spread::of(&[0.9, 0.92, 0.94]).unwrap();
        assert_eq!(s.n, 3);
        assert!((s.mean - 0.92).abs() < 1e-6);
        assert!((s.std - 0.02).abs() < 1e-6);
        assert_eq!((s.min, s.max), (0.9, 0.94));
        assert_eq!(Spread::of(&[0.5]).unwrap().std, 0.0);
        assert_eq!(Spread::of(&[]), None);
    }

    fn epoch(epoch: u32, test_accuracy: f32, train_loss: f32, diverged: bool) -> EpochReport {
        EpochReport {
            lane: 0,
            activation: Activation::Relu,
            epoch,
            samples_seen: 0,
            train_loss,
            val_loss: 0.0,
            val_accuracy: 0.0,
            test_loss: 0.0,
            test_accuracy,
            confusion: [[0; 10]; 10],
            grad_norms: vec![],
            dead_fraction: vec![],
            saturated_fraction: vec![],
            activation_mean: vec![],
            activation_std: vec![],
            activation_histogram: vec![],
            mean_abs_slope: vec![],
            signal_share: vec![],
            sparsity: vec![],
            samples_per_sec: 0.0,
            epoch_secs: 0.0,
            elapsed_secs: 0.0,
            diverged,
        }
    }

    fn run(epochs: Vec<EpochReport>) -> RaceRecord {
        let config = RaceConfig {
            activations: vec![Activation::Relu],
            epochs: 2,
            ..RaceConfig::default()
        };
        let lane = LaneRecord {
            lane: 0,
            activation: Activation::Relu,
            learning_rate: 0.1,
            init: crate::InitScheme::Glorot,
            label: "ReLU".into(),
            state: LaneState::Finished,
            reports: vec![],
            epochs,
            messages: vec![],
            test_predictions: None,
        };
        RaceRecord::new(&config, vec![lane])
    }

    #[test]
    fn summary_leaves_diverged_runs_out() {
        let runs = vec![
            run(vec![epoch(1, 0.90, 0.4, false), epoch(2, 0.94, 0.2, false)]),
            run(vec![epoch(1, 0.92, 0.3, false), epoch(2, 0.96, 0.1, false)]),
            // Diverged in epoch 1: no epoch 2 at all.
            run(vec![epoch(1, 0.10, f32::NAN, true)]),
        ];
        let s = summarize(&[1, 2, 3], &runs);
        assert_eq!(s.seeds, vec![1, 2, 3]);
        let e = &s.lanes[0].epochs;
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].diverged, e[1].diverged), (1, 1));
        let acc = e[1].test_accuracy.unwrap();
        assert_eq!(acc.n, 2);
        assert!((acc.mean - 0.95).abs() < 1e-6);
        assert!((acc.std - 0.014_142_1).abs() < 1e-5);
        assert!((e[0].train_loss.unwrap().mean - 0.35).abs() < 1e-6);
        assert_eq!(s.lanes[0].label, "ReLU");
    }
}
