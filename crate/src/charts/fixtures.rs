//! Reports for the chart tests (native and in the browser): one builder per report type, so
//! that a new report field needs one fix here, and a synthetic race shaped like a real one.

use super::lanes::LaneSeries;
use crate::activation::Activation;
use crate::network::CLASSES;
use crate::report::{EpochReport, Histogram, IntervalReport};

/// Images per epoch in the fixtures.
pub const SAMPLES_PER_EPOCH: u64 = 55_000;

/// An interval report at `epochs_done`, with plain values to overwrite: loss 1, accuracy 50%,
/// no per-layer data.
pub fn interval(lane: usize, activation: Activation, epochs_done: f64) -> IntervalReport {
    IntervalReport {
        lane,
        activation,
        epoch: (epochs_done.ceil() as u32).max(1),
        epochs_done,
        samples_seen: (epochs_done * SAMPLES_PER_EPOCH as f64) as u64,
        train_loss: 1.0,
        val_loss: 1.0,
        val_accuracy: 0.5,
        samples_per_sec: 20_000.0,
        elapsed_secs: epochs_done * 3.0,
        grad_norms: Vec::new(),
        dead_fraction: Vec::new(),
        saturated_fraction: Vec::new(),
        activation_mean: vec![],
        activation_std: vec![],
        activation_histogram: vec![],
        mean_abs_slope: vec![],
        signal_share: vec![],
        sparsity: vec![],
    }
}

/// The report at the end of epoch `epoch`, with the same plain values as [`interval`].
pub fn epoch(lane: usize, activation: Activation, epoch: u32) -> EpochReport {
    EpochReport {
        lane,
        activation,
        epoch,
        samples_seen: u64::from(epoch) * SAMPLES_PER_EPOCH,
        train_loss: 1.0,
        val_loss: 1.0,
        val_accuracy: 0.5,
        test_loss: 1.0,
        test_accuracy: 0.5,
        confusion: [[0; CLASSES]; CLASSES],
        grad_norms: Vec::new(),
        dead_fraction: Vec::new(),
        saturated_fraction: Vec::new(),
        activation_mean: vec![],
        activation_std: vec![],
        activation_histogram: vec![],
        mean_abs_slope: vec![],
        signal_share: vec![],
        sparsity: vec![],
        samples_per_sec: 20_000.0,
        epoch_secs: 3.0,
        elapsed_secs: f64::from(epoch) * 3.0,
        diverged: false,
    }
}

/// A lane for the charts, coloured with the page's lane colour `color`.
pub fn series<'a>(
    label: &str,
    color: usize,
    intervals: &'a [IntervalReport],
    epochs: &'a [EpochReport],
) -> LaneSeries<'a> {
    LaneSeries {
        label: label.into(),
        color: super::theme::LANE_COLORS[color],
        intervals,
        epochs,
        bands: None,
    }
}

/// A deterministic wobble in [-1, 1].
fn noise(i: usize) -> f64 {
    ((i as f64 * 12.9898).sin() * 43_758.547).fract() * 2.0 - 1.0
}

pub type Reports = (Vec<IntervalReport>, Vec<EpochReport>);

/// Synthetic reports shaped like a real race: `speed` scales how fast the lane learns;
/// `diverge_at` (in epochs) makes the loss blow up and turn NaN.
pub fn lane_reports(
    lane: usize,
    activation: Activation,
    epochs: u32,
    per_epoch: u32,
    speed: f64,
    diverge_at: Option<f64>,
) -> Reports {
    let relu = activation.is_relu_family();
    let mut intervals: Vec<IntervalReport> = Vec::new();
    let mut epoch_reports = Vec::new();
    let mut nan_reports = 0;
    'outer: for e in 1..=epochs {
        for k in 1..=per_epoch {
            let t = f64::from(e - 1) + f64::from(k) / f64::from(per_epoch);
            let i = intervals.len();
            let plateau = if relu { 0.0 } else { (0.35 - t).max(0.0) * 3.0 };
            let p = (-t * speed).exp();
            let mut loss = 0.02 + 0.25 / (1.0 + t) + 2.05 * p.powf(1.0 - plateau.min(0.9));
            loss *= 1.0 + 0.06 * noise(i);
            let mut acc =
                (1.0 - 0.9 * p.powf(1.3) - 0.02 - 0.03 / (1.0 + t)) + 0.004 * noise(i + 7);
            let decay = 0.6 + 0.4 * (-t).exp();
            let mut grads: Vec<f32> = if relu {
                vec![0.35, 0.3, 0.27, 0.42]
            } else {
                vec![0.003, 0.018, 0.09, 0.45]
            }
            .into_iter()
            .map(|g: f64| (g * decay * (1.0 + 0.1 * noise(i + 3))) as f32)
            .collect();
            let growth = 1.0 - (-t / 2.0).exp();
            let (dead, sat) = if relu {
                (
                    [
                        0.02 + 0.03 * growth,
                        0.05 + 0.06 * growth,
                        0.08 + 0.1 * growth,
                    ],
                    [0.48, 0.55, 0.62],
                )
            } else {
                (
                    [0.0, 0.0, 0.01 * growth],
                    [
                        0.03 + 0.05 * growth,
                        0.08 + 0.1 * growth,
                        0.15 + 0.2 * growth,
                    ],
                )
            };
            if let Some(d) = diverge_at
                && t > d
            {
                let blow = 10f64.powf((t - d) * 40.0);
                loss = 2.3 * blow;
                acc = 0.098;
                grads = grads.iter().map(|g| g * blow as f32).collect();
                if t > d + 0.3 {
                    loss = f64::NAN;
                    acc = f64::NAN;
                    grads = vec![f32::NAN, f32::INFINITY, f32::NAN, f32::NAN];
                    nan_reports += 1;
                }
            }
            let mut r = interval(lane, activation, t);
            r.train_loss = loss as f32;
            r.val_loss = (loss * 1.05) as f32;
            r.val_accuracy = acc as f32;
            r.grad_norms = grads;
            r.dead_fraction = dead.iter().map(|&v| v as f32).collect();
            r.saturated_fraction = sat.iter().map(|&v| v as f32).collect();
            unit_statistics(&mut r, t);
            intervals.push(r);
            if nan_reports >= 2 {
                break 'outer;
            }
        }
        let last = intervals.last().expect("a report");
        let mut r = epoch(lane, activation, e);
        r.train_loss = last.train_loss;
        r.val_loss = last.val_loss;
        r.val_accuracy = last.val_accuracy + 0.002;
        r.test_loss = last.val_loss;
        r.test_accuracy = last.val_accuracy;
        r.grad_norms = last.grad_norms.clone();
        r.dead_fraction = last.dead_fraction.clone();
        r.saturated_fraction = last.saturated_fraction.clone();
        r.activation_mean = last.activation_mean.clone();
        r.activation_std = last.activation_std.clone();
        r.activation_histogram = last.activation_histogram.clone();
        r.mean_abs_slope = last.mean_abs_slope.clone();
        r.signal_share = last.signal_share.clone();
        r.sparsity = last.sparsity.clone();
        r.diverged = !last.train_loss.is_finite();
        epoch_reports.push(r);
    }
    if nan_reports > 0
        && let Some(e) = epoch_reports.last_mut()
    {
        e.diverged = true;
    }
    (intervals, epoch_reports)
}

/// Three hidden layers' output statistics at `t` epochs, shaped like a real race: Sigmoid's
/// top layer drifting toward 0 with mean |f′| near 0.2, ReLU about half zeros with |f′| ≈ ½.
fn unit_statistics(r: &mut IntervalReport, t: f64) {
    let a = r.activation;
    let (lo, hi) = a.histogram_range();
    let relu = a.is_relu_family();
    let mut means = Vec::new();
    let mut hists = Vec::new();
    for layer in 0..3 {
        let mean = if relu {
            0.4 + 0.1 * layer as f32
        } else {
            (0.5 - 0.12 * layer as f32 * (t as f32).min(3.0)).max(0.05)
        };
        means.push(mean);
        let mut h = Histogram::new(lo, hi, Histogram::BINS);
        let spread = if relu { 0.8 } else { 0.15 };
        let values: Vec<f32> = (0..200)
            .map(|k| {
                let u = (k as f32 + 0.5) / 200.0 - 0.5;
                if relu && k % 2 == 0 {
                    0.0
                } else {
                    (mean + spread * u * 2.0).max(if relu { 0.0 } else { lo })
                }
            })
            .collect();
        h.add_all(&values);
        hists.push(h);
    }
    r.activation_std = vec![if relu { 0.6 } else { 0.09 }; 3];
    r.activation_mean = means;
    r.activation_histogram = hists;
    // The race's two ReLU lanes apart (lanes 1 and 2): identical lines would hide one lane.
    let apart = if r.lane >= 2 { 0.7 } else { 1.0 };
    r.mean_abs_slope = if relu {
        vec![0.5 * apart, 0.55 * apart, 0.6 * apart]
    } else {
        vec![0.21, 0.2, 0.19]
    };
    r.signal_share = crate::metrics::signal_share(&r.mean_abs_slope);
    r.sparsity = if relu {
        vec![0.5, 0.52, 0.55]
    } else {
        vec![0.0; 3]
    };
}

/// Sigmoid, ReLU, a ReLU lane that diverges, and a lane that has not reported yet.
pub fn race(epochs: u32, per_epoch: u32) -> [Reports; 4] {
    [
        lane_reports(0, Activation::Sigmoid, epochs, per_epoch, 0.9, None),
        lane_reports(1, Activation::Relu, epochs, per_epoch, 2.2, None),
        lane_reports(2, Activation::Relu, epochs, per_epoch, 2.0, Some(0.6)),
        (Vec::new(), Vec::new()),
    ]
}

/// The largest race the page runs: 4 lanes × 100 epochs × 20 reports (one of them diverges).
pub fn largest_race() -> Vec<Reports> {
    let mut data: Vec<Reports> = race(100, 20).into_iter().take(3).collect();
    data.push(lane_reports(3, Activation::Tanh, 100, 20, 1.4, None));
    data
}

/// Colours of the fixture lanes, by position (the page's palette in another order, so that a
/// test can't pass by drawing lanes in palette order).
pub const SIGMOID: (u8, u8, u8) = (0xe6, 0x9f, 0x00);
pub const RELU: (u8, u8, u8) = (0x00, 0x72, 0xb2);
pub const WILD: (u8, u8, u8) = (0xcc, 0x79, 0xa7);
pub const EMPTY: (u8, u8, u8) = (0x00, 0x9e, 0x73);

/// Chart lanes for reports from [`race`]: "Sigmoid", "ReLU", "ReLU (lr 2)", "Tanh".
pub fn lanes(data: &[Reports]) -> Vec<LaneSeries<'_>> {
    let labels = ["Sigmoid", "ReLU", "ReLU (lr 2)", "Tanh"];
    let colors = [SIGMOID, RELU, WILD, EMPTY];
    data.iter()
        .enumerate()
        .map(|(i, (iv, ep))| LaneSeries {
            label: labels[i % 4].to_string(),
            color: colors[i % 4],
            intervals: iv,
            epochs: ep,
            bands: None,
        })
        .collect()
}
