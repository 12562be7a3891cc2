//! What a lane reports while it trains. These types travel unchanged from a Web Worker to the
//! page (serde-wasm-bindgen) and into the CLI's JSON output (serde_json).
//!
//! Per-layer vectors are ordered from the input side: `grad_norms[0]` is the first layer's
//! weights (784 → first hidden layer), the last entry the output layer. `dead_fraction` and
//! `saturated_fraction` have one entry per hidden layer.

use crate::activation::Activation;
use crate::network::CLASSES;
use serde::{Deserialize, Serialize};

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
    pub dead_fraction: Vec<f32>,
    pub saturated_fraction: Vec<f32>,
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
