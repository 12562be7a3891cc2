//! The messages between the page and a lane's Web Worker: one set of Rust types, serialized with
//! serde-wasm-bindgen on both sides, so there is no JSON schema to keep in step by hand.
//!
//! Every command is answered: `Load` by `Loaded` (or `LoadFailed`), `Configure` by `Configured`
//! (or `Refused`), `Start`/`Pause` by `State`, `SetInput` by `Prediction`, `TestDigit` by
//! `TestDigit`, `Snapshot` by `Snapshot`.
//!
//! The worker keeps the current input (a drawing or a test digit) and answers again, with the same
//! request number, after every interval report and after `Configure`: the page sends an input once,
//! not once per report.

use crate::network::{CLASSES, INPUT};
use crate::race::RaceConfig;
use crate::report::LaneEvent;
use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Fetch, decompress and validate the four MNIST files from `base_url` (relative to the
    /// page, e.g. `"data/"`).
    Load { base_url: String },
    /// Build this worker's lane (index `lane` of the race `config`), discarding any previous one.
    Configure { config: RaceConfig, lane: usize },
    /// Train (in slices) until paused, finished or diverged.
    Start,
    /// Stop training after the current slice.
    Pause,
    /// The input to classify from now on: one 28×28 image of bytes (0 = background, 255 =
    /// ink), answered at once and again after every report, tagged with `request`.
    SetInput {
        request: u32,
        #[serde(with = "serde_bytes")]
        pixels: Vec<u8>,
    },
    /// No input any more (the pad was cleared).
    ClearInput,
    /// Send test image `index` (taken modulo the test-set size) with its label and prediction.
    TestDigit { request: u32, index: u32 },
    /// Send the lane's current parameters and this epoch's batch order (for the benchmark that
    /// trains TensorFlow.js from the very same starting point).
    Snapshot,
    /// Panic on purpose, to exercise the crash path (used by the browser tests).
    Crash,
}

/// Worker → page.
// Messages are built a few times a second and moved once: their size does not matter.
#[expect(
    clippy::large_enum_variant,
    reason = "messages are built a few times a second and moved once"
)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's message handler is installed; commands sent before this are lost.
    Ready,
    /// Data loading progress, `fraction` in [0, 1].
    Loading { fraction: f32, stage: String },
    /// The data could not be loaded: `message` names the file and the problem. The worker
    /// stays up but cannot race.
    LoadFailed { message: String },
    /// The data is in memory and valid.
    Loaded {
        train: usize,
        test: usize,
        seconds: f64,
    },
    /// The lane is built and at the start of its race.
    Configured {
        lane: usize,
        parameters: usize,
        layer_sizes: Vec<usize>,
    },
    /// The lane could not be built from these settings; `message` says why.
    Refused { lane: usize, message: String },
    /// Whether the lane is training now, and where it is.
    State {
        lane: usize,
        running: bool,
        epochs_done: f64,
        samples_seen: u64,
    },
    /// Reports, divergence and the finish, as the engine produces them.
    Event(LaneEvent),
    Prediction {
        request: u32,
        lane: usize,
        probabilities: [f32; CLASSES],
        samples_seen: u64,
    },
    TestDigit {
        request: u32,
        index: u32,
        label: u8,
        #[serde(with = "serde_bytes")]
        pixels: Vec<u8>,
    },
    /// The lane's parameters, input side first: `weights[l]` is layer l's outputs × inputs
    /// matrix in column-major order (which is TensorFlow's inputs × outputs kernel, row-major).
    Snapshot {
        lane: usize,
        layer_sizes: Vec<usize>,
        weights: Vec<Vec<f32>>,
        biases: Vec<Vec<f32>>,
        /// Indices into the training split, in this epoch's order.
        batch_order: Vec<u32>,
    },
    /// Something went wrong that the user must know about; the worker is still usable.
    Error { message: String },
    /// The worker's code panicked; it is dead and must be replaced.
    Panicked { message: String },
}

/// Checks a `Classify` payload.
pub fn check_pixels(pixels: &[u8]) -> Result<(), String> {
    if pixels.len() == INPUT {
        Ok(())
    } else {
        Err(format!(
            "an image to classify must have {INPUT} pixels, got {}",
            pixels.len()
        ))
    }
}
