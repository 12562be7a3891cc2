//! The race engine end to end on real MNIST: reproducibility, the study's effects, divergence,
//! and the CLI's JSON.

// These tests read files and spawn the CLI: native only.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use activation_race::report::LaneEvent;
use activation_race::{Activation, InitMode, Lane, LaneState, RaceConfig};

fn small_config() -> RaceConfig {
    RaceConfig {
        hidden: vec![32, 16],
        train_size: 3_000,
        batch_size: 50,
        epochs: 2,
        reports_per_epoch: 7,
        interval_val_size: 300,
        ..RaceConfig::default()
    }
}

/// Runs a lane to the end, `slice` batches at a time, returning its events without timings.
fn run_sliced(config: &RaceConfig, lane: usize, slice: usize) -> Vec<LaneEvent> {
    let mut l = Lane::new(config, lane).expect("a valid configuration");
    let mut events = Vec::new();
    while l.state() == LaneState::Training {
        l.advance(common::mnist(), slice, &mut events);
    }
    events.iter().map(LaneEvent::untimed).collect()
}

#[test]
fn same_seed_gives_identical_reports_however_the_work_is_sliced() {
    let config = small_config();
    for lane in 0..2 {
        let whole = run_sliced(&config, lane, usize::MAX);
        let intervals = whole
            .iter()
            .filter(|e| matches!(e, LaneEvent::Interval(_)))
            .count();
        assert_eq!(intervals, 2 * 7);
        assert!(matches!(whole.last(), Some(LaneEvent::Finished { .. })));
        assert_eq!(whole, run_sliced(&config, lane, 1));
        assert_eq!(whole, run_sliced(&config, lane, 13));
        // Time-budgeted slices, as in a Web Worker: evaluation is cut into steps too.
        let mut l = Lane::new(&config, lane).unwrap();
        let mut events = Vec::new();
        let mut calls = 0;
        while l.state() == LaneState::Training {
            l.advance_until(common::mnist(), usize::MAX, 1e-5, &mut events);
            calls += 1;
        }
        assert!(calls > 2 * 60, "{calls} calls");
        let timed: Vec<LaneEvent> = events.iter().map(LaneEvent::untimed).collect();
        assert_eq!(whole, timed);
    }
    // And a different seed gives a different race.
    let other = RaceConfig {
        seed: 7,
        ..config.clone()
    };
    assert_ne!(run_sliced(&config, 1, 60), run_sliced(&other, 1, 60));
}

#[test]
fn lanes_share_initial_weights_and_batch_order() {
    let config = RaceConfig {
        activations: vec![Activation::Sigmoid, Activation::Relu, Activation::Tanh],
        ..small_config()
    };
    let lanes: Vec<Lane> = (0..3).map(|i| Lane::new(&config, i).unwrap()).collect();
    for l in &lanes[1..] {
        assert_eq!(l.network().layers, lanes[0].network().layers);
        assert_eq!(l.batch_order(), lanes[0].batch_order());
    }
    // Per-activation initialisation rescales the very same draws.
    let per = RaceConfig {
        init: InitMode::PerActivation,
        ..config
    };
    let (sig, relu) = (Lane::new(&per, 0).unwrap(), Lane::new(&per, 1).unwrap());
    // Layer 32 → 16: He's limit √(6/32) over Glorot's √(6/48).
    let (a, b) = (
        &sig.network().layers[1].weights,
        &relu.network().layers[1].weights,
    );
    let ratio = b[(5, 9)] / a[(5, 9)];
    assert!((ratio - b[(11, 30)] / a[(11, 30)]).abs() < 1e-4);
    assert!((ratio - 1.5f32.sqrt()).abs() < 1e-4, "{ratio}");
}

fn epoch_reports(events: &[LaneEvent]) -> Vec<&activation_race::EpochReport> {
    events
        .iter()
        .filter_map(|e| match e {
            LaneEvent::Epoch(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn relu_learns_and_beats_sigmoid_after_one_short_epoch() {
    let config = RaceConfig {
        train_size: 10_000,
        epochs: 1,
        ..RaceConfig::default()
    };
    let sigmoid = run_sliced(&config, 0, 100);
    let relu = run_sliced(&config, 1, 100);
    let (s, r) = (epoch_reports(&sigmoid)[0], epoch_reports(&relu)[0]);
    assert!(
        r.test_accuracy > 0.85,
        "ReLU test accuracy {}",
        r.test_accuracy
    );
    assert!(
        r.test_accuracy > s.test_accuracy + 0.05,
        "ReLU {} vs Sigmoid {}",
        r.test_accuracy,
        s.test_accuracy
    );
    assert!(r.train_loss < s.train_loss);
    // The confusion matrix covers the whole test set and agrees with the accuracy.
    let total: u32 = r.confusion.iter().flatten().sum();
    let diagonal: u32 = (0..10).map(|k| r.confusion[k][k]).sum();
    assert_eq!(total, 10_000);
    assert!((diagonal as f32 / 1e4 - r.test_accuracy).abs() < 1e-6);
}

#[test]
fn deep_sigmoid_gradients_vanish_towards_the_input_but_relu_gradients_do_not() {
    let config = RaceConfig {
        hidden: vec![128; 5],
        train_size: 6_400,
        epochs: 1,
        ..RaceConfig::default()
    };
    let ratio = |lane| {
        let events = run_sliced(&config, lane, 100);
        let g = &epoch_reports(&events)[0].grad_norms;
        assert_eq!(g.len(), 6);
        g[0] / g[5]
    };
    let (sigmoid, relu) = (ratio(0), ratio(1));
    assert!(sigmoid < 0.05, "Sigmoid first/last gradient norm {sigmoid}");
    assert!(relu > 0.3, "ReLU first/last gradient norm {relu}");
}

#[test]
fn a_diverging_lane_stops_and_the_others_go_on() {
    let config = RaceConfig {
        activations: vec![Activation::LeakyRelu, Activation::Sigmoid],
        lane_learning_rates: Some(vec![50.0, 0.1]),
        ..small_config()
    };
    let wild = run_sliced(&config, 0, 10);
    let last = wild.last().unwrap();
    let LaneEvent::Diverged { message, epoch, .. } = last else {
        panic!("expected a divergence, got {last:?}");
    };
    assert_eq!(*epoch, 1);
    assert!(
        message.contains("diverged") && message.contains("learning rate 50"),
        "{message}"
    );
    let reports = epoch_reports(&wild);
    assert_eq!(reports.len(), 1);
    assert!(reports[0].diverged);
    let calm = run_sliced(&config, 1, 10);
    assert!(matches!(calm.last(), Some(LaneEvent::Finished { .. })));
    assert!(epoch_reports(&calm).iter().all(|r| !r.diverged));
}

#[test]
fn cli_writes_the_documented_json() {
    let dir = std::env::temp_dir().join(format!("ar-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("race.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_race"))
        .args([
            "--hidden",
            "32,16",
            "--activations",
            "sigmoid,relu,tanh",
            "--lr",
            "0.1",
        ])
        .args([
            "--batch",
            "64",
            "--epochs",
            "2",
            "--seed",
            "3",
            "--train-size",
            "2000",
        ])
        .args(["--optimizer", "momentum", "--quiet", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Sigmoid") && table.contains("leader"),
        "{table}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["config"]["hidden"], serde_json::json!([32, 16]));
    assert_eq!(v["config"]["optimizer"], "momentum");
    let lanes = v["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 3);
    assert_eq!(lanes[2]["activation"], "tanh");
    for lane in lanes {
        assert_eq!(lane["reports"].as_array().unwrap().len(), 40);
        let epochs = lane["epochs"].as_array().unwrap();
        assert_eq!(epochs.len(), 2);
        for e in epochs {
            for key in [
                "epoch",
                "train_loss",
                "val_accuracy",
                "test_accuracy",
                "samples_per_sec",
                "diverged",
            ] {
                assert!(!e[key].is_null(), "missing {key}");
            }
            assert_eq!(e["grad_norms"].as_array().unwrap().len(), 3);
            assert_eq!(e["dead_fraction"].as_array().unwrap().len(), 2);
            assert_eq!(e["saturated_fraction"].as_array().unwrap().len(), 2);
        }
        // Two epochs on 2,000 images: the ReLU and Tanh lanes are well past chance.
        if lane["activation"] != "sigmoid" {
            assert!(
                epochs[1]["test_accuracy"].as_f64().unwrap() > 0.7,
                "{}",
                epochs[1]
            );
        }
    }
    // Bad flags are refused with a message, not a panic.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_race"))
        .args(["--lr", "1000", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("learning rate"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn peeking_between_reports_leaves_the_race_unchanged() {
    let config = small_config();
    let whole = run_sliced(&config, 1, usize::MAX);
    // Step mode: one batch, a peek, one batch, a peek, … then the rest as usual.
    let mut l = Lane::new(&config, 1).expect("a valid configuration");
    let mut events = Vec::new();
    let mut peeks = Vec::new();
    for _ in 0..25 {
        l.advance(common::mnist(), 1, &mut events);
        if let Some(r) = l.peek_report(common::mnist()) {
            peeks.push(r);
        }
    }
    while l.state() == LaneState::Training {
        l.advance(common::mnist(), usize::MAX, &mut events);
    }
    let events: Vec<LaneEvent> = events.iter().map(LaneEvent::untimed).collect();
    assert_eq!(events, whole, "peeks do not change the scheduled reports");
    assert!(peeks.len() >= 20, "{} peeks", peeks.len());
    // A peek is a real measurement at its batch: progress, accuracy and per-layer figures.
    let p = &peeks[9];
    assert!(
        (p.epochs_done - 10.0 / 60.0).abs() < 1e-9,
        "{}",
        p.epochs_done
    );
    assert!(p.val_accuracy > 0.1 && p.train_loss.is_finite());
    assert_eq!(p.activation_mean.len(), 2);
    assert_eq!(p.grad_norms.len(), 3);
}
