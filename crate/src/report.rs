//! What a lane reports while it trains. These types travel unchanged from a Web Worker to the
//! page (serde-wasm-bindgen) and into the CLI's JSON output (serde_json).
//!
//! Per-layer vectors are ordered from the input side: `grad_norms[0]` is the first layer's
//! weights (784 → first hidden layer), the last entry the output layer. The unit statistics
//! (`dead_fraction`, `saturated_fraction`, `activation_mean`, …, `sparsity`) have one entry per
//! hidden layer.
//!
//! # Unit statistics
//! Measured at every report on the fixed probe batch: the first 500 images of the validation
//! set (the interval validation images start with them), after the report's training. Over the
//! probe's units × images of each hidden layer:
//! - `activation_mean`, `activation_std`: mean and (population) standard deviation of the
//!   outputs f(z);
//! - `activation_histogram`: the outputs in [`Histogram::BINS`] equal bins over
//!   [`Activation::histogram_range`] (Sigmoid [0, 1], Tanh [−1, 1], the others [−1, 4]), with
//!   outputs outside the range counted in `below` / `above`;
//! - `mean_abs_slope`: mean |f′(z)|;
//! - `signal_share`: for hidden layer l, the product of `mean_abs_slope` over layers l … top.
//!   Backpropagation multiplies the gradient by f′ once per hidden layer on its way down, so this
//!   is the share of the gradient signal sent back by the output layer that survives the
//!   activations down to layer l's pre-activations — the weights and the correlation between
//!   layers left out. With Sigmoid (f′ ≤ ¼) it falls at least 4× per layer;
//! - `sparsity`: the share of outputs that are exactly 0, i.e. each probe image's share of
//!   silent units, averaged over the images (Glorot, Bordes & Bengio 2011). ReLU gives exact
//!   zeros for every z ≤ 0; the other activations only by rounding (Leaky ReLU at z = 0 exactly,
//!   the others practically never), so for them it is ≈ 0. Different from `dead_fraction`,
//!   which counts units inactive on *every* probe image.
//!
//! Fields added after the first release carry `#[serde(default)]`, so older JSON still reads.

use crate::activation::Activation;
use crate::network::CLASSES;
use serde::{Deserialize, Serialize};

/// Counts of values in equal bins over [lo, hi]; values outside are counted in `below` and
/// `above` (NaN nowhere).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub lo: f32,
    pub hi: f32,
    /// Bin i covers [lo + i·w, lo + (i+1)·w), w = (hi − lo) / counts.len(); the last bin also
    /// holds hi itself.
    pub counts: Vec<u32>,
    #[serde(default)]
    pub below: u32,
    #[serde(default)]
    pub above: u32,
}

impl Histogram {
    /// Bins of the reports' activation histograms.
    pub const BINS: usize = 40;

    /// An empty histogram of `bins` bins over [lo, hi].
    pub fn new(lo: f32, hi: f32, bins: usize) -> Histogram {
        assert!(
            lo < hi && (1..=250).contains(&bins),
            "a histogram needs lo < hi and 1–250 bins"
        );
        Histogram {
            lo,
            hi,
            counts: vec![0; bins],
            below: 0,
            above: 0,
        }
    }

    /// Counts every value of `values`.
    pub fn add_all(&mut self, values: &[f32]) {
        let bins = self.counts.len();
        let scale = bins as f32 / (self.hi - self.lo);
        let (lo, hi) = (self.lo, self.hi);
        // Slots: 0 below, 1..=bins the bins, bins + 1 above, bins + 2 NaN, computed a chunk at
        // a time into a small buffer by a loop without branches or float → int conversions
        // (which cost most of the probe), then counted.
        const CHUNK: usize = 256;
        // x + 2²³ rounds x ∈ [0, 2²²] to an integer held in the mantissa bits (as in fast_exp).
        const ROUND: f32 = 8_388_608.0;
        let mut slots = [[0u32; 256]; 4];
        let top = (bins + 1) as f32;
        let mut index = [0u8; CHUNK];
        for chunk in values.chunks(CHUNK) {
            for (i, &v) in index.iter_mut().zip(chunk) {
                // Shifted by one bin so that values below lo land in slot 0; max/min rather
                // than clamp: NaN becomes 0 here and gets its own slot below.
                let x = ((v - lo) * scale + 1.0).max(0.0).min(top);
                let t = x + ROUND;
                let floor = (t.to_bits() - ROUND.to_bits()) as i32 - ((t - ROUND) > x) as i32;
                // hi itself, and rounding just below it, belong to the last bin.
                let slot = if v > hi {
                    bins as i32 + 1
                } else {
                    floor.min(bins as i32)
                };
                *i = if v.is_nan() {
                    bins as u8 + 2
                } else {
                    slot as u8
                };
            }
            // Four tallies, one per position mod 4: a run of equal slots (a ReLU layer's zeros,
            // a saturated Sigmoid's ones) into one tally is a chain of dependent increments
            // through memory, several cycles each; four interleaved chains overlap.
            let (quads, rest) = index[..chunk.len()].as_chunks::<4>();
            for q in quads {
                for (tally, &i) in slots.iter_mut().zip(q) {
                    tally[i as usize] += 1;
                }
            }
            for &i in rest {
                slots[0][i as usize] += 1;
            }
        }
        let slot = |k: usize| slots.iter().map(|t| t[k]).sum::<u32>();
        self.below += slot(0);
        for (k, c) in self.counts.iter_mut().enumerate() {
            *c += slot(k + 1);
        }
        self.above += slot(bins + 1);
    }

    /// Values counted, in bins or outside them.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| c as u64).sum::<u64>() + self.below as u64 + self.above as u64
    }
}

/// Running metrics, reported several times per epoch (`reports_per_epoch`, default 20).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntervalReport {
    pub lane: usize,
    pub activation: Activation,
    /// The epoch in progress, from 1.
    pub epoch: u32,
    /// Progress in epochs, e.g. 1.25 is a quarter into the second epoch.
    pub epochs_done: f64,
    /// Training samples processed since the start, over all epochs.
    pub samples_seen: u64,
    /// Mean training loss over the batches of this interval.
    pub train_loss: f32,
    /// Loss and accuracy on the interval validation images (a fixed prefix of the validation set).
    pub val_loss: f32,
    pub val_accuracy: f32,
    /// Training samples per second of training time in this interval (evaluation excluded).
    pub samples_per_sec: f32,
    /// Seconds spent training and evaluating since the start (pauses excluded).
    pub elapsed_secs: f64,
    /// Mean over the interval's batches of each layer's weight-gradient L2 norm.
    pub grad_norms: Vec<f32>,
    /// Per hidden layer: units inactive on every image of the probe batch.
    pub dead_fraction: Vec<f32>,
    /// Per hidden layer: fraction of (unit, probe image) pairs that pass almost no gradient.
    pub saturated_fraction: Vec<f32>,
    /// Per hidden layer: mean of the outputs over the probe (see the module docs).
    #[serde(default)]
    pub activation_mean: Vec<f32>,
    /// Per hidden layer: standard deviation of the outputs over the probe.
    #[serde(default)]
    pub activation_std: Vec<f32>,
    /// Per hidden layer: histogram of the outputs over the probe.
    #[serde(default)]
    pub activation_histogram: Vec<Histogram>,
    /// Per hidden layer: mean |f′(z)| over the probe.
    #[serde(default)]
    pub mean_abs_slope: Vec<f32>,
    /// Per hidden layer: product of `mean_abs_slope` from this layer to the top hidden layer.
    #[serde(default)]
    pub signal_share: Vec<f32>,
    /// Per hidden layer: share of exactly-zero outputs per probe image, averaged.
    #[serde(default)]
    pub sparsity: Vec<f32>,
}

/// End-of-epoch results, with the whole validation and test sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    pub lane: usize,
    pub activation: Activation,
    /// The epoch just completed, from 1.
    pub epoch: u32,
    pub samples_seen: u64,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f32,
    pub val_loss: f32,
    pub val_accuracy: f32,
    pub test_loss: f32,
    pub test_accuracy: f32,
    /// `confusion[true digit][predicted digit]` on the test set.
    pub confusion: [[u32; CLASSES]; CLASSES],
    /// Mean over the epoch's batches of each layer's weight-gradient L2 norm.
    pub grad_norms: Vec<f32>,
    /// Per hidden layer: units inactive on every image of the probe batch.
    pub dead_fraction: Vec<f32>,
    /// Per hidden layer: fraction of (unit, probe image) pairs that pass almost no gradient.
    pub saturated_fraction: Vec<f32>,
    /// Per hidden layer: mean of the outputs over the probe (see the module docs).
    #[serde(default)]
    pub activation_mean: Vec<f32>,
    /// Per hidden layer: standard deviation of the outputs over the probe.
    #[serde(default)]
    pub activation_std: Vec<f32>,
    /// Per hidden layer: histogram of the outputs over the probe.
    #[serde(default)]
    pub activation_histogram: Vec<Histogram>,
    /// Per hidden layer: mean |f′(z)| over the probe.
    #[serde(default)]
    pub mean_abs_slope: Vec<f32>,
    /// Per hidden layer: product of `mean_abs_slope` from this layer to the top hidden layer.
    #[serde(default)]
    pub signal_share: Vec<f32>,
    /// Per hidden layer: share of exactly-zero outputs per probe image, averaged.
    #[serde(default)]
    pub sparsity: Vec<f32>,
    /// Training samples per second of training time over the epoch.
    pub samples_per_sec: f32,
    /// Seconds spent on this epoch (training and evaluation).
    pub epoch_secs: f64,
    /// Seconds since the start of the race (pauses excluded).
    pub elapsed_secs: f64,
    /// The loss became non-finite during this epoch; the lane stopped.
    pub diverged: bool,
}

/// Something a lane has to say after advancing.
// Built a few times per epoch and moved once: size does not matter, boxing would only add noise.
#[expect(
    clippy::large_enum_variant,
    reason = "built a few times per epoch and moved once; boxing would only add noise"
)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LaneEvent {
    Interval(IntervalReport),
    Epoch(EpochReport),
    /// The training loss became NaN or infinite; the lane has stopped. `message` says so in words.
    Diverged {
        lane: usize,
        epoch: u32,
        samples_seen: u64,
        message: String,
    },
    /// All configured epochs are done.
    Finished {
        lane: usize,
    },
    /// Every test image's prediction at the end of an epoch, sent right after that epoch's
    /// [`EpochReport`] (apart from it, to keep the reports small).
    TestPredictions(TestPredictions),
}

/// What a lane made of each of the 10,000 test images at the end of an epoch, in test-set
/// order, from the epoch's test pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestPredictions {
    pub lane: usize,
    /// The epoch just completed, from 1.
    pub epoch: u32,
    /// The predicted digit of each test image.
    #[serde(with = "serde_bytes")]
    pub predicted: Vec<u8>,
    /// The probability of the predicted digit, quantised: round(255·p) (so ≥ 26, as the top of
    /// ten probabilities is at least 0.1).
    #[serde(with = "serde_bytes")]
    pub confidence: Vec<u8>,
}

impl TestPredictions {
    /// The probability `confidence[i]` stands for.
    pub fn probability(&self, i: usize) -> f32 {
        self.confidence[i] as f32 / 255.0
    }
}

impl IntervalReport {
    /// The report without its wall-clock fields, for comparing runs.
    pub fn untimed(&self) -> IntervalReport {
        IntervalReport {
            samples_per_sec: 0.0,
            elapsed_secs: 0.0,
            ..self.clone()
        }
    }
}

impl EpochReport {
    /// The report without its wall-clock fields, for comparing runs.
    pub fn untimed(&self) -> EpochReport {
        EpochReport {
            samples_per_sec: 0.0,
            epoch_secs: 0.0,
            elapsed_secs: 0.0,
            ..self.clone()
        }
    }
}

impl LaneEvent {
    /// The event without wall-clock fields, for comparing runs.
    pub fn untimed(&self) -> LaneEvent {
        match self {
            LaneEvent::Interval(r) => LaneEvent::Interval(r.untimed()),
            LaneEvent::Epoch(r) => LaneEvent::Epoch(r.untimed()),
            other => other.clone(),
        }
    }
}
