//! The messages between the page and a lane's Web Worker: one set of Rust types, serialized with
//! serde-wasm-bindgen on both sides, so there is no JSON schema to keep in step by hand.
//!
//! Every command is answered: `Load` by `Loaded` (or `LoadFailed`), `Configure` by `Configured`
//! (or `Refused`), `Start`/`Pause` by `State`, `Step` by its events and `State`, `SetInput` by
//! `Prediction`, `TestDigit` by `TestDigit`, `TestImages` by `TestImages`, `WatchUnits` by
//! `ReceptiveFields`, `Snapshot` by `Snapshot`.
//!
//! The worker keeps the current input (a drawing or a test digit) and answers again, with the same
//! request number, after every interval report and after `Configure`: the page sends an input once,
//! not once per report. Likewise it re-sends the receptive fields of the watched units after
//! reports, at most about once a second.

use crate::network::{CLASSES, INPUT};
use crate::race::{RaceConfig, ReceptiveFields, TraceLayer};
use crate::report::LaneEvent;
use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Fetch, decompress and validate the four MNIST files from `base_url` (relative to the
    /// page, e.g. `"data/"`). With `cache` (a Cache Storage name), the files are read from that
    /// cache when they are there, and put there once they are valid: the page's other lanes, and
    /// the next visit offline, then load them without the network.
    Load {
        base_url: String,
        #[serde(default)]
        cache: Option<String>,
    },
    /// Build this worker's lane (index `lane` of the race `config`), discarding any previous one.
    Configure { config: RaceConfig, lane: usize },
    /// Train (in slices) until paused, finished or diverged.
    Start,
    /// Stop training after the current slice.
    Pause,
    /// While paused: train one batch (then report where the lane is) or up to the next
    /// scheduled report.
    Step { to: StepTo },
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
    /// Send test images `indices` with their labels (for the gallery of mistakes).
    TestImages { indices: Vec<u32> },
    /// Send, now and after reports, the first layer's incoming weights of these units.
    WatchUnits { units: Vec<usize> },
    /// Send the lane's current parameters and this epoch's batch order (for the benchmark that
    /// trains TensorFlow.js from the very same starting point).
    Snapshot,
    /// Panic on purpose, to exercise the crash path (used by the browser tests).
    Crash,
}

/// How far a step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepTo {
    /// One training batch, then a report of where the lane is (outside the schedule).
    Batch,
    /// Up to and including the next scheduled interval report.
    Report,
}

/// One test image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestImage {
    pub index: u32,
    pub label: u8,
    #[serde(with = "serde_bytes")]
    pub pixels: Vec<u8>,
}

/// The first layer's incoming weights of some units, as bytes: each weight an f32 in
/// little-endian order (a byte array crosses the worker boundary as one typed array, where a
/// `Vec<f32>` would become a JS array of numbers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldsMessage {
    pub lane: usize,
    pub units: Vec<usize>,
    pub inputs: usize,
    #[serde(with = "serde_bytes")]
    pub weights_le: Vec<u8>,
    pub dead: Vec<bool>,
    /// Progress in epochs when they were read.
    pub epochs_done: f64,
}

impl FieldsMessage {
    pub fn encode(lane: usize, fields: &ReceptiveFields, epochs_done: f64) -> FieldsMessage {
        FieldsMessage {
            lane,
            units: fields.units.clone(),
            inputs: fields.inputs,
            weights_le: fields
                .weights
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect(),
            dead: fields.dead.clone(),
            epochs_done,
        }
    }

    pub fn decode(&self) -> Result<ReceptiveFields, String> {
        if self.weights_le.len() != 4 * self.units.len() * self.inputs
            || self.dead.len() != self.units.len()
        {
            return Err(format!(
                "receptive fields of {} units × {} inputs came with {} bytes",
                self.units.len(),
                self.inputs,
                self.weights_le.len()
            ));
        }
        Ok(ReceptiveFields {
            units: self.units.clone(),
            inputs: self.inputs,
            weights: self
                .weights_le
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            dead: self.dead.clone(),
        })
    }
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
    /// Data loading progress, `fraction` in [0, 1]: `received` of `total` compressed bytes of
    /// the four files (`total` 0 when the server did not say), read from the browser's cache
    /// when `from_cache`, else from the network.
    Loading {
        fraction: f32,
        stage: String,
        received: u64,
        total: u64,
        from_cache: bool,
    },
    /// The data could not be loaded: `message` names the file and the problem. The worker
    /// stays up but cannot race.
    LoadFailed {
        message: String,
    },
    /// The data is in memory and valid.
    Loaded {
        train: usize,
        test: usize,
        seconds: f64,
        /// The test set's labels (for telling which lane read a test image right).
        #[serde(with = "serde_bytes")]
        test_labels: Vec<u8>,
    },
    /// The lane is built and at the start of its race.
    Configured {
        lane: usize,
        parameters: usize,
        layer_sizes: Vec<usize>,
    },
    /// The lane could not be built from these settings; `message` says why.
    Refused {
        lane: usize,
        message: String,
    },
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
        /// The input through the network: every hidden unit's pre-activation and output.
        layers: Vec<TraceLayer>,
    },
    TestImages {
        images: Vec<TestImage>,
    },
    ReceptiveFields(FieldsMessage),
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
    Error {
        message: String,
    },
    /// The worker's code panicked; it is dead and must be replaced.
    Panicked {
        message: String,
    },
}

/// Checks a `SetInput` payload.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receptive_fields_cross_as_bytes_and_come_back_exactly() {
        let fields = ReceptiveFields {
            units: vec![3, 7],
            inputs: 3,
            weights: vec![0.5, -1.25, f32::MIN_POSITIVE, 1e-30, -0.0, 3.0e8],
            dead: vec![false, true],
        };
        let message = FieldsMessage::encode(1, &fields, 0.25);
        assert_eq!(message.weights_le.len(), 24);
        assert_eq!(message.decode(), Ok(fields));
        let mut cut = message.clone();
        cut.weights_le.pop();
        assert!(cut.decode().unwrap_err().contains("came with 23 bytes"));
    }
}
