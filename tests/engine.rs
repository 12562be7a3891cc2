//! The race engine end to end on real MNIST: reproducibility, the study's effects, divergence,
//! the unit statistics, what the views need from a lane (trace, receptive fields, test
//! predictions, step mode), several seeds, and the CLI's JSON.

// These tests read files and spawn the CLI: native only.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use activation_race::mistakes::{disagreements, per_class_accuracy};
use activation_race::report::{LaneEvent, TestPredictions};
use activation_race::seeds::run_seeds;
use activation_race::{Activation, InitMode, InitScheme, Lane, LaneState, RaceConfig};

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
    // GELU keeps its slopes in the workspace: that path too.
    let config = RaceConfig {
        activations: vec![Activation::Sigmoid, Activation::Relu, Activation::Gelu],
        ..small_config()
    };
    for lane in 0..3 {
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
        // Step mode: one report at a time, each call ending right after an interval report;
        // interleaved with single batches and a time-sliced call that leaves evaluation pending.
        let mut l = Lane::new(&config, lane).unwrap();
        let mut events = Vec::new();
        let mut steps = 0;
        while l.state() == LaneState::Training {
            let before = events.len();
            match steps % 3 {
                0 => {
                    l.advance_to_next_report(common::mnist(), &mut events);
                    assert!(
                        matches!(
                            events[before..].iter().rfind(|e| !matches!(
                                e,
                                LaneEvent::Epoch(_)
                                    | LaneEvent::TestPredictions(_)
                                    | LaneEvent::Finished { .. }
                            )),
                            Some(LaneEvent::Interval(_))
                        ),
                        "step {steps} did not end with an interval report"
                    );
                }
                1 => {
                    assert!(l.advance(common::mnist(), 1, &mut events) <= 1);
                }
                _ => {
                    l.advance_until(common::mnist(), usize::MAX, 1e-5, &mut events);
                }
            }
            steps += 1;
        }
        let stepped: Vec<LaneEvent> = events.iter().map(LaneEvent::untimed).collect();
        assert_eq!(whole, stepped);
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

fn test_predictions(events: &[LaneEvent]) -> Vec<&TestPredictions> {
    events
        .iter()
        .filter_map(|e| match e {
            LaneEvent::TestPredictions(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn every_epoch_sends_test_predictions_that_agree_with_its_report() {
    let config = RaceConfig {
        train_size: 2_000,
        ..small_config()
    };
    let events = run_sliced(&config, 1, usize::MAX);
    let reports = epoch_reports(&events);
    let predictions = test_predictions(&events);
    assert_eq!(predictions.len(), 2);
    let labels = common::mnist().test.labels();
    for (r, p) in reports.iter().zip(&predictions) {
        assert_eq!((p.epoch, p.lane), (r.epoch, 1));
        assert_eq!(p.predicted.len(), 10_000);
        let mut confusion = [[0u32; 10]; 10];
        for (&y, &guess) in labels.iter().zip(&p.predicted) {
            confusion[y as usize][guess as usize] += 1;
        }
        assert_eq!(confusion, r.confusion);
        assert!(p.confidence.iter().all(|&c| c >= 26));
        let per_class = per_class_accuracy(&r.confusion);
        let weighted: f32 = (0..10)
            .map(|d| per_class[d].unwrap() * r.confusion[d].iter().sum::<u32>() as f32)
            .sum();
        assert!((weighted / 1e4 - r.test_accuracy).abs() < 1e-4);
    }
    // The event follows its epoch report.
    let at = events
        .iter()
        .position(|e| matches!(e, LaneEvent::TestPredictions(_)))
        .unwrap();
    assert!(matches!(events[at - 1], LaneEvent::Epoch(_)));
    // Sigmoid and ReLU after two short epochs disagree on many images, each way.
    let sigmoid = run_sliced(&config, 0, usize::MAX);
    let d = disagreements(test_predictions(&sigmoid)[1], predictions[1], labels).unwrap();
    assert!(d.len() > 100, "{} disagreements", d.len());
    assert!(
        d.windows(2)
            .all(|w| w[0].wrong_confidence() >= w[1].wrong_confidence())
    );
    for x in &d[..20] {
        let y = labels[x.index as usize];
        assert_eq!(x.label, y);
        assert!((x.a_predicted == y) != (x.b_predicted == y));
    }
}

#[test]
fn trace_and_receptive_fields_show_the_network_itself() {
    let config = RaceConfig {
        activations: vec![Activation::Relu, Activation::Silu],
        train_size: 1_000,
        epochs: 1,
        ..small_config()
    };
    let data = common::mnist();
    for lane in 0..2 {
        let mut l = Lane::new(&config, lane).unwrap();
        let mut events = Vec::new();
        while l.state() == LaneState::Training {
            l.advance(data, usize::MAX, &mut events);
        }
        let image = data.test.image(0);
        let trace = l.trace(image).unwrap();
        assert_eq!(trace.probabilities, l.predict(image));
        assert_eq!(trace.layers.len(), 2);
        assert!(l.trace(&image[..700]).is_err());
        let net = l.network().clone();
        // Unit 3 of the first layer by hand: z = w·x + b, output f(z).
        let w = &net.layers[0].weights;
        let z: f32 = (0..784)
            .map(|i| w[(3, i)] * image[i] as f32 / 255.0)
            .sum::<f32>()
            + net.layers[0].bias[3];
        let first = &trace.layers[0];
        assert_eq!(first.pre_activations.len(), 32);
        assert!((first.pre_activations[3] - z).abs() < 1e-4);
        for (&z, &a) in first.pre_activations.iter().zip(&first.outputs) {
            assert!((net.activation.eval(z, 0.01).0 - a).abs() < 1e-6);
        }

        let fields = l.receptive_fields(&[0, 3, 31]).unwrap();
        assert_eq!((fields.inputs, fields.weights.len()), (784, 3 * 784));
        assert_eq!(fields.weights[784 + 100], w[(3, 100)]);
        assert_eq!(
            fields.dead,
            vec![
                l.dead_units()[0][0],
                l.dead_units()[0][3],
                l.dead_units()[0][31]
            ]
        );
        assert!(l.receptive_fields(&[32]).unwrap_err().contains("32"));
    }
}

#[test]
fn unit_statistics_on_real_mnist() {
    let config = RaceConfig {
        hidden: vec![64, 64, 64],
        activations: Activation::ALL[..4].to_vec(),
        train_size: 3_000,
        epochs: 1,
        ..small_config()
    };
    for (lane, act) in config.activations.iter().enumerate() {
        let events = run_sliced(&config, lane, usize::MAX);
        let r = epoch_reports(&events)[0];
        for l in 0..3 {
            let h = &r.activation_histogram[l];
            assert_eq!(
                h.total(),
                64 * 500,
                "{act}: the probe is 500 images × 64 units"
            );
            assert_eq!((h.lo, h.hi), act.histogram_range());
            assert!(r.activation_std[l] > 0.0 && r.activation_mean[l].is_finite());
            assert!(r.mean_abs_slope[l] > 0.0 && r.mean_abs_slope[l] <= act.max_slope());
        }
        // The share is the running product from the top, so it falls towards the input.
        let s = &r.signal_share;
        assert!((s[2] - r.mean_abs_slope[2]).abs() < 1e-6);
        assert!((s[0] - s[1] * r.mean_abs_slope[0]).abs() < 1e-6);
        match act {
            Activation::Sigmoid => {
                assert!(r.activation_mean.iter().all(|&m| m > 0.0 && m < 1.0));
                assert!(s[0] < 0.25f32.powi(3) + 1e-6);
                assert_eq!(r.sparsity, vec![0.0; 3]);
            }
            // ReLU outputs are 0 exactly when the unit is off.
            Activation::Relu => {
                assert_eq!(r.sparsity, r.saturated_fraction);
                assert!(
                    r.sparsity.iter().all(|&x| x > 0.2 && x < 0.9),
                    "{:?}",
                    r.sparsity
                );
            }
            _ => {}
        }
        // The interval reports carry the same statistics.
        let LaneEvent::Interval(first) = &events[0] else {
            panic!("the first event is an interval report")
        };
        assert_eq!(first.activation_histogram.len(), 3);
        assert_eq!(first.sparsity.len(), 3);
    }
}

#[test]
fn modern_activations_learn() {
    let config = RaceConfig {
        activations: vec![
            Activation::Elu,
            Activation::Gelu,
            Activation::Silu,
            Activation::Softplus,
        ],
        train_size: 5_000,
        epochs: 1,
        ..small_config()
    };
    // One short epoch at the study's learning rate: ELU, GELU and SiLU reach 84–86% here,
    // Softplus (f′ = σ(z) ≤ 1, about ½ near 0) learns more slowly, 78%.
    for (lane, floor) in [(0, 0.8), (1, 0.8), (2, 0.8), (3, 0.7)] {
        let events = run_sliced(&config, lane, usize::MAX);
        let r = epoch_reports(&events)[0];
        assert!(
            r.test_accuracy > floor,
            "{}: test accuracy {}",
            r.activation,
            r.test_accuracy
        );
    }
}

#[test]
fn seeds_do_not_depend_on_the_number_of_threads() {
    let config = RaceConfig {
        activations: vec![Activation::Tanh, Activation::Relu],
        train_size: 1_000,
        epochs: 1,
        lane_inits: Some(vec![InitScheme::Standard, InitScheme::He]),
        ..small_config()
    };
    let seeds = [5, 9, 6];
    let untimed = |threads| {
        run_seeds(&config, &seeds, common::mnist(), threads, &|_| {})
            .unwrap()
            .iter()
            .map(|r| r.untimed())
            .collect::<Vec<_>>()
    };
    let one = untimed(1);
    assert_eq!(one, untimed(3));
    assert_eq!(one.len(), 3);
    assert_eq!(one[1].config.seed, 9);
    assert_eq!(one[1].lanes[0].label, "Tanh · standard init");
    assert_ne!(one[0].lanes[1].epochs, one[1].lanes[1].epochs);
    // Each seed's record is what a single race with that seed reports.
    let single = RaceConfig {
        seed: 6,
        ..config.clone()
    };
    let events = run_sliced(&single, 1, usize::MAX);
    assert_eq!(
        one[2].lanes[1].epochs,
        epoch_reports(&events)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    );
}

#[test]
fn cli_runs_several_seeds_and_writes_their_summary() {
    let dir = std::env::temp_dir().join(format!("ar-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("seeds.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_race"))
        .args([
            "--hidden",
            "16",
            "--activations",
            "relu,relu",
            "--lane-lr",
            "0.05,0.2",
        ])
        .args([
            "--epochs",
            "2",
            "--train-size",
            "1000",
            "--seeds",
            "3",
            "--seed",
            "10",
        ])
        .args(["--threads", "2", "--quiet", "--json"])
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
        table.contains("ReLU · lr 0.05") && table.contains("3 seeds (10, 11, 12)"),
        "{table}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 3);
    assert_eq!(v["runs"][2]["config"]["seed"], 12);
    let lanes = v["summary"]["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 2);
    let e = &lanes[1]["epochs"][1];
    assert_eq!(e["epoch"], 2);
    assert_eq!(e["test_accuracy"]["n"], 3);
    for key in ["mean", "std", "min", "max"] {
        assert!(e["test_accuracy"][key].is_number() && e["train_loss"][key].is_number());
    }
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_race"))
        .args(["--seeds", "4,4", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("twice"));
    std::fs::remove_dir_all(&dir).unwrap();
}
