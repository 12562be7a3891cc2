//! The race: lanes that share everything but one chosen variable.
//!
//! Every lane of a race is built from the same [`RaceConfig`]: the same layer sizes, the same
//! initial-weight seed (so the same random draws), the same batch order (a shuffle that depends on
//! the seed and the epoch only), optimizer and batch size. What differs is normally the
//! activation; a race may instead vary the learning rate (`lane_learning_rates`) or the
//! initialisation (`lane_inits`) — lanes may then repeat an activation. [`RaceConfig::varying`]
//! says which variables differ; with more than one the comparison is no longer controlled.
//!
//! A [`Lane`] trains in steps of whole batches ([`Lane::advance`]) and can stop after any batch
//! and resume; the reports do not depend on how the work was sliced.

use crate::activation::{Activation, DEFAULT_LEAKY_SLOPE};
use crate::init::{InitMode, InitScheme};
use crate::metrics::{EVAL_BATCH, Evaluation, Evaluator, Probe, evaluate};
use crate::mnist::{MAX_TRAIN_SIZE, Mnist};
use crate::network::{CLASSES, Gradients, INPUT, Mlp, Workspace};
use crate::optimizer::{Optimizer, OptimizerKind};
use crate::report::{EpochReport, IntervalReport, LaneEvent, TestPredictions};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use web_time::Instant;

/// Everything that defines a race. The defaults reproduce the classic study.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RaceConfig {
    /// Hidden layer widths, input side first.
    pub hidden: Vec<usize>,
    /// One activation per lane.
    pub activations: Vec<Activation>,
    /// Negative slope of Leaky ReLU.
    pub leaky_slope: f32,
    /// The shared learning rate.
    pub learning_rate: f32,
    /// Per-lane learning rates, overriding the shared one (one entry per lane).
    pub lane_learning_rates: Option<Vec<f32>>,
    pub optimizer: OptimizerKind,
    pub batch_size: usize,
    pub epochs: u32,
    /// Seeds the initial weights and the batch order.
    pub seed: u32,
    /// Training images used (the first ones of the 55,000).
    pub train_size: usize,
    /// How the lanes choose their initialisation scheme (unless `lane_inits` is given).
    pub init: InitMode,
    /// Per-lane initialisation schemes, overriding `init` (one entry per lane).
    pub lane_inits: Option<Vec<InitScheme>>,
    /// Interval reports per epoch.
    pub reports_per_epoch: u32,
    /// Validation images evaluated at each interval report (the whole 5,000 at epoch ends).
    pub interval_val_size: usize,
    /// Validation accuracy that ends the race for the page (the finish line), in [0, 1].
    pub target_accuracy: f32,
    /// The page only: how many seeds it races one after another (`seed`, `seed` + 1, …, as
    /// `race --seeds N` does), drawing bands over the finished ones; 1 races once.
    #[serde(skip_serializing_if = "races_once")]
    pub repeat_seeds: u32,
}

fn races_once(seeds: &u32) -> bool {
    *seeds == 1
}

impl Default for RaceConfig {
    fn default() -> Self {
        RaceConfig {
            hidden: vec![128, 64],
            activations: vec![Activation::Sigmoid, Activation::Relu],
            leaky_slope: DEFAULT_LEAKY_SLOPE,
            learning_rate: 0.1,
            lane_learning_rates: None,
            optimizer: OptimizerKind::Sgd,
            batch_size: 64,
            epochs: 5,
            seed: 42,
            train_size: MAX_TRAIN_SIZE,
            init: InitMode::Glorot,
            lane_inits: None,
            reports_per_epoch: 20,
            interval_val_size: 1_000,
            target_accuracy: 0.95,
            repeat_seeds: 1,
        }
    }
}

/// Bounds on the settings, shared by the CLI's validation and the page's clamping.
pub mod limits {
    pub const MAX_HIDDEN_LAYERS: usize = 8;
    pub const MAX_WIDTH: usize = 1024;
    pub const MAX_LANES: usize = 4;
    pub const MIN_LEARNING_RATE: f32 = 1e-6;
    pub const MAX_LEARNING_RATE: f32 = 100.0;
    pub const MAX_BATCH: usize = 2048;
    pub const MAX_EPOCHS: u32 = 100;
    pub const MIN_TRAIN_SIZE: usize = 100;
    pub const MAX_REPORTS_PER_EPOCH: u32 = 200;
    /// The most seeds the page races one after another.
    pub const MAX_REPEAT_SEEDS: u32 = 10;
}

/// A setting that can differ between the lanes of a race.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    Activation,
    LearningRate,
    Init,
}

impl Variable {
    pub fn label(self) -> &'static str {
        match self {
            Variable::Activation => "activation",
            Variable::LearningRate => "learning rate",
            Variable::Init => "initialisation",
        }
    }
}

impl RaceConfig {
    /// The learning rate of lane `lane`.
    pub fn learning_rate_of(&self, lane: usize) -> f32 {
        self.lane_learning_rates
            .as_ref()
            .and_then(|r| r.get(lane).copied())
            .unwrap_or(self.learning_rate)
    }

    /// The initialisation scheme of lane `lane`: its entry of `lane_inits`, else what `init`
    /// chooses for its activation.
    pub fn init_of(&self, lane: usize) -> InitScheme {
        self.lane_inits
            .as_ref()
            .and_then(|i| i.get(lane).copied())
            .unwrap_or_else(|| {
                let act = self
                    .activations
                    .get(lane)
                    .copied()
                    .unwrap_or(Activation::Relu);
                self.init.scheme_for(act)
            })
    }

    /// The variables that differ between the lanes, in the order activation, learning rate,
    /// initialisation. Empty for one lane or identical lanes; more than one entry means the
    /// comparison is no longer controlled. (`init = per_activation` with different activations
    /// varies the initialisation too: the same draws at different scales.)
    pub fn varying(&self) -> Vec<Variable> {
        let lanes = 0..self.activations.len();
        let differs = |f: &dyn Fn(usize) -> String| {
            let first = f(0);
            lanes.clone().any(|l| f(l) != first)
        };
        let mut v = Vec::new();
        if differs(&|l| self.activations[l].key().to_string()) {
            v.push(Variable::Activation);
        }
        if differs(&|l| self.learning_rate_of(l).to_string()) {
            v.push(Variable::LearningRate);
        }
        if differs(&|l| self.init_of(l).key().to_string()) {
            v.push(Variable::Init);
        }
        v
    }

    /// A short name for lane `lane` saying what sets it apart, for legends and cards: its
    /// activation, followed by every other variable that differs between the lanes, e.g.
    /// "ReLU · lr 0.01" or "Sigmoid · standard init".
    pub fn lane_label(&self, lane: usize) -> String {
        let mut label = self
            .activations
            .get(lane)
            .map(|a| a.label().to_string())
            .unwrap_or_else(|| format!("lane {lane}"));
        for v in self.varying() {
            match v {
                Variable::Activation => {}
                Variable::LearningRate => {
                    label += &format!(" · lr {}", self.learning_rate_of(lane));
                }
                Variable::Init => label += &format!(" · {} init", self.init_of(lane).label()),
            }
        }
        label
    }

    /// Layer widths from input to output, e.g. `[784, 128, 64, 10]`.
    pub fn layer_sizes(&self) -> Vec<usize> {
        let mut s = vec![INPUT];
        s.extend(&self.hidden);
        s.push(CLASSES);
        s
    }

    /// Checks every setting; the message says which one is wrong and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        use limits::*;
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(format!(
                "{} hidden layers; at most {MAX_HIDDEN_LAYERS} are allowed",
                self.hidden.len()
            ));
        }
        if let Some(&w) = self.hidden.iter().find(|&&w| w == 0 || w > MAX_WIDTH) {
            return Err(format!("hidden layer width {w} is outside 1–{MAX_WIDTH}"));
        }
        if self.activations.is_empty() || self.activations.len() > MAX_LANES {
            return Err(format!(
                "{} lanes; a race has 1–{MAX_LANES}",
                self.activations.len()
            ));
        }
        let lr_ok =
            |lr: f32| lr.is_finite() && (MIN_LEARNING_RATE..=MAX_LEARNING_RATE).contains(&lr);
        if !lr_ok(self.learning_rate) {
            return Err(format!(
                "learning rate {} is outside {MIN_LEARNING_RATE}–{MAX_LEARNING_RATE}",
                self.learning_rate
            ));
        }
        if let Some(rates) = &self.lane_learning_rates {
            if rates.len() != self.activations.len() {
                return Err(format!(
                    "{} per-lane learning rates for {} lanes",
                    rates.len(),
                    self.activations.len()
                ));
            }
            if let Some(bad) = rates.iter().find(|&&r| !lr_ok(r)) {
                return Err(format!(
                    "learning rate {bad} is outside {MIN_LEARNING_RATE}–{MAX_LEARNING_RATE}"
                ));
            }
        }
        if let Some(inits) = &self.lane_inits
            && inits.len() != self.activations.len()
        {
            return Err(format!(
                "{} per-lane initialisations for {} lanes",
                inits.len(),
                self.activations.len()
            ));
        }
        if !(self.leaky_slope.is_finite() && (0.0..1.0).contains(&self.leaky_slope)) {
            return Err(format!(
                "leaky slope {} is outside [0, 1)",
                self.leaky_slope
            ));
        }
        if !(1..=MAX_BATCH).contains(&self.batch_size) {
            return Err(format!(
                "batch size {} is outside 1–{MAX_BATCH}",
                self.batch_size
            ));
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return Err(format!("{} epochs is outside 1–{MAX_EPOCHS}", self.epochs));
        }
        if !(MIN_TRAIN_SIZE..=MAX_TRAIN_SIZE).contains(&self.train_size) {
            return Err(format!(
                "training-set size {} is outside {MIN_TRAIN_SIZE}–{MAX_TRAIN_SIZE}",
                self.train_size
            ));
        }
        if self.batch_size > self.train_size {
            return Err(format!(
                "batch size {} is larger than the training set ({})",
                self.batch_size, self.train_size
            ));
        }
        if !(1..=MAX_REPORTS_PER_EPOCH).contains(&self.reports_per_epoch) {
            return Err(format!(
                "{} reports per epoch is outside 1–{MAX_REPORTS_PER_EPOCH}",
                self.reports_per_epoch
            ));
        }
        if !(1..=crate::mnist::VALIDATION_SIZE).contains(&self.interval_val_size) {
            return Err(format!(
                "interval validation size {} is outside 1–{}",
                self.interval_val_size,
                crate::mnist::VALIDATION_SIZE
            ));
        }
        if !(self.target_accuracy > 0.0 && self.target_accuracy <= 1.0) {
            return Err(format!(
                "target accuracy {} is outside (0, 1]",
                self.target_accuracy
            ));
        }
        if !(1..=MAX_REPEAT_SEEDS).contains(&self.repeat_seeds) {
            return Err(format!(
                "{} seeds is outside 1–{MAX_REPEAT_SEEDS}",
                self.repeat_seeds
            ));
        }
        if self.seed.checked_add(self.repeat_seeds - 1).is_none() {
            return Err(format!(
                "{} seeds from {} run past {}",
                self.repeat_seeds,
                self.seed,
                u32::MAX
            ));
        }
        Ok(())
    }

    /// Batches in one epoch (the last one may be smaller than `batch_size`).
    pub fn batches_per_epoch(&self) -> usize {
        self.train_size.div_ceil(self.batch_size)
    }
}

/// The order in which epoch `epoch` (from 0) visits the first `n` training images.
///
/// A function of the seed and the epoch only, so every lane sees the same batches.
pub fn epoch_order(seed: u32, epoch: u32, n: usize, order: &mut Vec<u32>) {
    order.clear();
    order.extend(0..n as u32);
    // Distinct from the weight-initialisation stream (which is seeded with `seed` alone).
    let stream = ((seed as u64) << 32 | epoch as u64) ^ 0x9E37_79B9_7F4A_7C15;
    order.shuffle(&mut StdRng::seed_from_u64(stream));
}

/// Whether a lane is still going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneState {
    Training,
    Finished,
    Diverged,
}

/// Sums over a stretch of batches (an interval or an epoch).
#[derive(Clone, Debug, Default)]
struct Tally {
    loss_sum: f64,
    samples: u64,
    batches: u32,
    grad_norm_sums: Vec<f64>,
    train_secs: f64,
    secs: f64,
}

impl Tally {
    fn new(layers: usize) -> Tally {
        Tally {
            grad_norm_sums: vec![0.0; layers],
            ..Tally::default()
        }
    }
    fn reset(&mut self) {
        let layers = self.grad_norm_sums.len();
        *self = Tally::new(layers);
    }
    fn mean_loss(&self) -> f32 {
        (self.loss_sum / self.samples.max(1) as f64) as f32
    }
    fn mean_grad_norms(&self) -> Vec<f32> {
        let b = self.batches.max(1) as f64;
        self.grad_norm_sums.iter().map(|s| (s / b) as f32).collect()
    }
    fn samples_per_sec(&self) -> f32 {
        if self.train_secs > 0.0 {
            (self.samples as f64 / self.train_secs) as f32
        } else {
            0.0
        }
    }
}

/// One network in the race, with everything it needs to train: optimizer state, buffers and its
/// position in the epoch.
#[derive(Clone, Debug)]
pub struct Lane {
    index: usize,
    config: RaceConfig,
    net: Mlp,
    optimizer: Optimizer,
    train_ws: Workspace,
    eval_ws: Workspace,
    single_ws: Workspace,
    grads: Gradients,
    grad_norms: Vec<f32>,
    labels: Vec<u8>,
    order: Vec<u32>,
    /// Epoch in progress, from 0.
    epoch: u32,
    /// Batches done in the epoch in progress.
    batch: usize,
    batches_per_epoch: usize,
    /// The next interval report, from 1 to `reports_per_epoch`.
    next_report: u32,
    interval: Tally,
    epoch_tally: Tally,
    samples_seen: u64,
    active_secs: f64,
    state: LaneState,
    pending: Option<Pending>,
    /// Per hidden layer and unit: dead at the last probe (all alive before the first).
    dead_units: Vec<Vec<bool>>,
}

/// Evaluation due at a report boundary; training waits until it is done.
// One per lane, replaced a few times per epoch: its size does not matter.
#[expect(
    clippy::large_enum_variant,
    reason = "one per lane, replaced a few times per epoch"
)]
#[derive(Clone, Debug)]
enum Pending {
    /// The interval report's validation images.
    Interval(Evaluator),
    /// End of epoch: the whole validation set...
    EpochValidation(Evaluator),
    /// ...then the test set.
    EpochTest {
        validation: Evaluation,
        test: Evaluator,
    },
}

impl Lane {
    /// Lane `index` of a race described by `config` (which must be valid).
    pub fn new(config: &RaceConfig, index: usize) -> Result<Lane, String> {
        config.validate()?;
        let activation = *config
            .activations
            .get(index)
            .ok_or_else(|| format!("the race has no lane {index}"))?;
        let net = Mlp::new(
            INPUT,
            &config.hidden,
            CLASSES,
            activation,
            config.leaky_slope,
            config.init_of(index),
            config.seed as u64,
        );
        let optimizer = Optimizer::new(config.optimizer, config.learning_rate_of(index), &net);
        let mut order = Vec::with_capacity(config.train_size);
        epoch_order(config.seed, 0, config.train_size, &mut order);
        let layers = net.layers.len();
        Ok(Lane {
            index,
            config: config.clone(),
            train_ws: Workspace::new(&net, config.batch_size),
            eval_ws: Workspace::new(&net, EVAL_BATCH),
            // Keeps z for the trace of a drawn digit; 1 column, so it costs nothing.
            single_ws: Workspace::with_pre_activations(&net, 1),
            grads: net.gradients(),
            grad_norms: vec![0.0; layers],
            labels: Vec::with_capacity(config.batch_size),
            optimizer,
            net,
            order,
            epoch: 0,
            batch: 0,
            batches_per_epoch: config.batches_per_epoch(),
            next_report: 1,
            interval: Tally::new(layers),
            epoch_tally: Tally::new(layers),
            samples_seen: 0,
            active_secs: 0.0,
            state: LaneState::Training,
            pending: None,
            dead_units: config.hidden.iter().map(|&w| vec![false; w]).collect(),
        })
    }

    pub fn index(&self) -> usize {
        self.index
    }
    pub fn activation(&self) -> Activation {
        self.net.activation
    }
    pub fn learning_rate(&self) -> f32 {
        self.optimizer.learning_rate()
    }
    /// The initialisation scheme the lane started from.
    pub fn init(&self) -> InitScheme {
        self.config.init_of(self.index)
    }
    /// What sets this lane apart from the others ([`RaceConfig::lane_label`]).
    pub fn label(&self) -> String {
        self.config.lane_label(self.index)
    }
    pub fn network(&self) -> &Mlp {
        &self.net
    }
    pub fn state(&self) -> LaneState {
        self.state
    }
    pub fn config(&self) -> &RaceConfig {
        &self.config
    }
    /// Completed epochs plus the fraction of the current one.
    pub fn epochs_done(&self) -> f64 {
        self.epoch as f64 + self.batch as f64 / self.batches_per_epoch as f64
    }
    pub fn samples_seen(&self) -> u64 {
        self.samples_seen
    }
    /// The batch order of the epoch in progress (indices into the training split).
    pub fn batch_order(&self) -> &[u32] {
        &self.order
    }

    /// Trains up to `max_batches` batches (fewer if the lane finishes or diverges), pushing
    /// reports to `events` as their boundaries are crossed. Evaluation due at a boundary is always
    /// completed before returning. Returns the batches trained.
    pub fn advance(
        &mut self,
        data: &Mnist,
        max_batches: usize,
        events: &mut Vec<LaneEvent>,
    ) -> usize {
        self.advance_until(data, max_batches, f64::INFINITY, events)
    }

    /// Like [`Lane::advance`], but stops as soon as `budget_secs` seconds have passed, after the
    /// current batch or evaluation step (≤ 500 images) — how a Web Worker trains in slices
    /// that keep it responsive. Evaluation left unfinished continues on the next call.
    pub fn advance_until(
        &mut self,
        data: &Mnist,
        max_batches: usize,
        budget_secs: f64,
        events: &mut Vec<LaneEvent>,
    ) -> usize {
        let started = Instant::now();
        let mut done = 0;
        while self.state == LaneState::Training && started.elapsed().as_secs_f64() < budget_secs {
            if let Some(pending) = self.pending.take() {
                let step_started = Instant::now();
                self.pending = self.evaluate_step(pending, data, started, events);
                self.epoch_tally.secs += step_started.elapsed().as_secs_f64();
                continue;
            }
            if done >= max_batches {
                break;
            }
            let batch_started = Instant::now();
            let (loss, n) = self.train_batch(data);
            let secs = batch_started.elapsed().as_secs_f64();
            done += 1;
            self.batch += 1;
            self.samples_seen += n as u64;
            for tally in [&mut self.interval, &mut self.epoch_tally] {
                tally.loss_sum += loss as f64 * n as f64;
                tally.samples += n as u64;
                tally.batches += 1;
                tally.train_secs += secs;
                tally.secs += secs;
                for (sum, &g) in tally.grad_norm_sums.iter_mut().zip(&self.grad_norms) {
                    *sum += g as f64;
                }
            }
            if !loss.is_finite() {
                self.diverge(data, started, loss, events);
                break;
            }
            if self.batch >= self.report_boundary(self.next_report) {
                let len = self
                    .config
                    .interval_val_size
                    .min(data.validation_split().len);
                self.pending = Some(Pending::Interval(Evaluator::new(len, false, true)));
            }
        }
        self.active_secs += started.elapsed().as_secs_f64();
        done
    }

    /// Step mode: trains up to the next interval report and emits it (with the epoch's
    /// reports if it is the last of an epoch), or stops when the lane finishes or diverges.
    /// Evaluation left pending by a sliced [`Lane::advance_until`] is completed first, and its
    /// report is then the next one. The reports are those of an unsliced run. Returns the
    /// batches trained.
    pub fn advance_to_next_report(&mut self, data: &Mnist, events: &mut Vec<LaneEvent>) -> usize {
        if self.state != LaneState::Training {
            return 0;
        }
        if self.pending.is_some() {
            // Finishes the pending evaluation (all of it: `advance` evaluates before it counts
            // batches) and trains nothing.
            return self.advance(data, 0, events);
        }
        let to_boundary = self.report_boundary(self.next_report) - self.batch;
        self.advance(data, to_boundary.max(1), events)
    }

    /// A report of where the lane is now, for step mode: evaluated on the interval validation
    /// images and the probe like a scheduled report, with the training figures of the interval
    /// so far. The schedule is untouched: the next scheduled report (and every later one) is
    /// exactly what it would have been without this peek. `None` while an evaluation is
    /// pending (a scheduled report is about to come anyway).
    pub fn peek_report(&mut self, data: &Mnist) -> Option<IntervalReport> {
        if self.pending.is_some() {
            return None;
        }
        let started = Instant::now();
        let len = self
            .config
            .interval_val_size
            .min(data.validation_split().len);
        let e = evaluate(
            &self.net,
            &mut self.eval_ws,
            data.validation_split().prefix(len),
            false,
            true,
        );
        let probe = self.take_probe(e.probe);
        let report = IntervalReport {
            lane: self.index,
            activation: self.net.activation,
            epoch: self.epoch + 1,
            epochs_done: self.epochs_done(),
            samples_seen: self.samples_seen,
            train_loss: if self.interval.samples > 0 {
                self.interval.mean_loss()
            } else {
                f32::NAN
            },
            val_loss: e.loss,
            val_accuracy: e.accuracy,
            samples_per_sec: self.interval.samples_per_sec(),
            elapsed_secs: self.active_secs,
            grad_norms: self.interval.mean_grad_norms(),
            dead_fraction: probe.dead_fraction,
            saturated_fraction: probe.saturated_fraction,
            activation_mean: probe.activation_mean,
            activation_std: probe.activation_std,
            activation_histogram: probe.activation_histogram,
            mean_abs_slope: probe.mean_abs_slope,
            signal_share: probe.signal_share,
            sparsity: probe.sparsity,
        };
        self.active_secs += started.elapsed().as_secs_f64();
        Some(report)
    }

    /// Whether the lane is evaluating (between a report boundary and its report).
    pub fn is_evaluating(&self) -> bool {
        self.pending.is_some()
    }

    /// Class probabilities for one 28×28 image of bytes (0 = background, 255 = ink).
    pub fn predict(&mut self, image: &[u8]) -> [f32; CLASSES] {
        self.single_ws.load_images(std::iter::once(image));
        self.net.forward(&mut self.single_ws, 1);
        let mut p = [0.0; CLASSES];
        p.copy_from_slice(self.single_ws.probabilities(1));
        p
    }

    /// One 28×28 image of bytes through the network: every hidden unit's pre-activation and
    /// output, the logits and the probabilities. The forward pass runs in a preallocated
    /// one-image workspace; only the returned copies are allocated.
    pub fn trace(&mut self, image: &[u8]) -> Result<Trace, String> {
        crate::protocol::check_pixels(image)?;
        self.single_ws.load_images(std::iter::once(image));
        self.net.forward(&mut self.single_ws, 1);
        let ws = &self.single_ws;
        let layers = (0..self.net.layers.len() - 1)
            .map(|l| TraceLayer {
                pre_activations: ws
                    .hidden_pre_activations(l, 1)
                    .expect("the one-image workspace keeps pre-activations")
                    .to_vec(),
                outputs: ws.hidden_outputs(l, 1).to_vec(),
            })
            .collect();
        let mut logits = [0.0; CLASSES];
        logits.copy_from_slice(ws.logits(1));
        let mut probabilities = [0.0; CLASSES];
        probabilities.copy_from_slice(ws.probabilities(1));
        Ok(Trace {
            layers,
            logits,
            probabilities,
        })
    }

    /// The incoming weights of first-layer units `units` (their "receptive fields"), with
    /// whether each was dead at the last probe. An error names a unit that does not exist.
    pub fn receptive_fields(&self, units: &[usize]) -> Result<ReceptiveFields, String> {
        let first = &self.net.layers[0];
        if self.net.layers.len() < 2 {
            return Err("the network has no hidden layer".into());
        }
        if let Some(&bad) = units.iter().find(|&&u| u >= first.outputs()) {
            return Err(format!(
                "unit {bad} does not exist: the first hidden layer has {} units",
                first.outputs()
            ));
        }
        let inputs = first.inputs();
        let mut weights = Vec::with_capacity(units.len() * inputs);
        for &u in units {
            // Row u of the column-major outputs × inputs matrix: stride `outputs`.
            weights.extend(first.weights.row(u).iter().copied());
        }
        Ok(ReceptiveFields {
            units: units.to_vec(),
            inputs,
            weights,
            dead: units.iter().map(|&u| self.dead_units[0][u]).collect(),
        })
    }

    /// Per hidden layer and unit, whether the unit was dead (inactive on every probe image) at
    /// the last report; all false before the first.
    pub fn dead_units(&self) -> &[Vec<bool>] {
        &self.dead_units
    }

    /// The batch index (within the epoch) after which interval report `k` is due.
    fn report_boundary(&self, k: u32) -> usize {
        let r = self.config.reports_per_epoch as usize;
        (k as usize * self.batches_per_epoch).div_ceil(r)
    }

    fn train_batch(&mut self, data: &Mnist) -> (f32, usize) {
        let train = data.train_split(self.config.train_size);
        let b = self.config.batch_size;
        let start = self.batch * b;
        let end = (start + b).min(self.order.len());
        let indices = &self.order[start..end];
        let n = self
            .train_ws
            .load_images(indices.iter().map(|&i| train.image(i as usize)));
        self.labels.clear();
        self.labels
            .extend(indices.iter().map(|&i| train.label(i as usize)));
        self.net.forward(&mut self.train_ws, n);
        let loss = self
            .net
            .backward(&mut self.train_ws, &mut self.grads, &self.labels);
        if loss.is_finite() {
            self.optimizer
                .step(&mut self.net, &self.grads, Some(&mut self.grad_norms));
        } else {
            self.grad_norms.fill(f32::NAN);
        }
        (loss, n)
    }

    fn elapsed(&self, call_started: Instant) -> f64 {
        self.active_secs + call_started.elapsed().as_secs_f64()
    }

    /// Runs one step of the pending evaluation; emits the report when it completes. Returns
    /// what is still pending.
    fn evaluate_step(
        &mut self,
        pending: Pending,
        data: &Mnist,
        call_started: Instant,
        events: &mut Vec<LaneEvent>,
    ) -> Option<Pending> {
        let interval_set = data
            .validation_split()
            .prefix(self.config.interval_val_size);
        match pending {
            Pending::Interval(mut e) => {
                e.step(&self.net, &mut self.eval_ws, interval_set);
                if !e.is_done() {
                    return Some(Pending::Interval(e));
                }
                self.report_interval(e.finish(), call_started, events);
                if self.batch == self.batches_per_epoch {
                    let len = data.validation_split().len;
                    Some(Pending::EpochValidation(Evaluator::new(len, false, true)))
                } else {
                    None
                }
            }
            Pending::EpochValidation(mut e) => {
                e.step(&self.net, &mut self.eval_ws, data.validation_split());
                if !e.is_done() {
                    return Some(Pending::EpochValidation(e));
                }
                let test = Evaluator::new(data.test_split().len, true, false).with_predictions();
                Some(Pending::EpochTest {
                    validation: e.finish(),
                    test,
                })
            }
            Pending::EpochTest {
                validation,
                mut test,
            } => {
                test.step(&self.net, &mut self.eval_ws, data.test_split());
                if !test.is_done() {
                    return Some(Pending::EpochTest { validation, test });
                }
                self.end_epoch(validation, test.finish(), call_started, false, events);
                None
            }
        }
    }

    fn report_interval(
        &mut self,
        e: Evaluation,
        call_started: Instant,
        events: &mut Vec<LaneEvent>,
    ) {
        let probe = self.take_probe(e.probe);
        events.push(LaneEvent::Interval(IntervalReport {
            lane: self.index,
            activation: self.net.activation,
            epoch: self.epoch + 1,
            epochs_done: self.epochs_done(),
            samples_seen: self.samples_seen,
            train_loss: self.interval.mean_loss(),
            val_loss: e.loss,
            val_accuracy: e.accuracy,
            samples_per_sec: self.interval.samples_per_sec(),
            elapsed_secs: self.elapsed(call_started),
            grad_norms: self.interval.mean_grad_norms(),
            dead_fraction: probe.dead_fraction,
            saturated_fraction: probe.saturated_fraction,
            activation_mean: probe.activation_mean,
            activation_std: probe.activation_std,
            activation_histogram: probe.activation_histogram,
            mean_abs_slope: probe.mean_abs_slope,
            signal_share: probe.signal_share,
            sparsity: probe.sparsity,
        }));
        self.interval.reset();
        while self.next_report <= self.config.reports_per_epoch
            && self.report_boundary(self.next_report) <= self.batch
        {
            self.next_report += 1;
        }
    }

    /// The probe's statistics for a report; remembers which units were dead.
    fn take_probe(&mut self, probe: Option<Probe>) -> Probe {
        let mut probe = probe.unwrap_or_default();
        if !probe.dead_units.is_empty() {
            self.dead_units = std::mem::take(&mut probe.dead_units);
        }
        probe
    }

    fn end_epoch(
        &mut self,
        val: Evaluation,
        test: Evaluation,
        call_started: Instant,
        diverged: bool,
        events: &mut Vec<LaneEvent>,
    ) {
        let probe = self.take_probe(val.probe);
        events.push(LaneEvent::Epoch(EpochReport {
            lane: self.index,
            activation: self.net.activation,
            epoch: self.epoch + 1,
            samples_seen: self.samples_seen,
            train_loss: self.epoch_tally.mean_loss(),
            val_loss: val.loss,
            val_accuracy: val.accuracy,
            test_loss: test.loss,
            test_accuracy: test.accuracy,
            confusion: test.confusion.unwrap_or_default(),
            grad_norms: self.epoch_tally.mean_grad_norms(),
            dead_fraction: probe.dead_fraction,
            saturated_fraction: probe.saturated_fraction,
            activation_mean: probe.activation_mean,
            activation_std: probe.activation_std,
            activation_histogram: probe.activation_histogram,
            mean_abs_slope: probe.mean_abs_slope,
            signal_share: probe.signal_share,
            sparsity: probe.sparsity,
            samples_per_sec: self.epoch_tally.samples_per_sec(),
            epoch_secs: self.epoch_tally.secs,
            elapsed_secs: self.elapsed(call_started),
            diverged,
        }));
        if let Some(p) = test.predictions {
            events.push(LaneEvent::TestPredictions(TestPredictions {
                lane: self.index,
                epoch: self.epoch + 1,
                predicted: p.predicted,
                confidence: p.confidence,
            }));
        }
        if diverged {
            return;
        }
        self.epoch_tally.reset();
        self.interval.reset();
        self.epoch += 1;
        self.batch = 0;
        self.next_report = 1;
        if self.epoch >= self.config.epochs {
            self.state = LaneState::Finished;
            events.push(LaneEvent::Finished { lane: self.index });
        } else {
            epoch_order(
                self.config.seed,
                self.epoch,
                self.config.train_size,
                &mut self.order,
            );
        }
    }

    fn diverge(
        &mut self,
        data: &Mnist,
        call_started: Instant,
        loss: f32,
        events: &mut Vec<LaneEvent>,
    ) {
        self.state = LaneState::Diverged;
        self.pending = None;
        let val = evaluate(
            &self.net,
            &mut self.eval_ws,
            data.validation_split(),
            false,
            true,
        );
        let mut test = Evaluator::new(data.test_split().len, true, false).with_predictions();
        while !test.is_done() {
            test.step(&self.net, &mut self.eval_ws, data.test_split());
        }
        self.end_epoch(val, test.finish(), call_started, true, events);
        events.push(LaneEvent::Diverged {
            lane: self.index,
            epoch: self.epoch + 1,
            samples_seen: self.samples_seen,
            message: format!(
                "{} diverged: the training loss became {} after {} samples (epoch {}) with learning rate {}. Try a smaller learning rate.",
                self.net.activation.label(),
                if loss.is_nan() { "NaN" } else { "infinite" },
                self.samples_seen,
                self.epoch + 1,
                self.optimizer.learning_rate()
            ),
        });
    }
}

/// One image through a lane's network ([`Lane::trace`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Hidden layers, input side first.
    pub layers: Vec<TraceLayer>,
    pub logits: [f32; CLASSES],
    pub probabilities: [f32; CLASSES],
}

/// One hidden layer's units for one image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceLayer {
    /// z = W·x + b of every unit.
    pub pre_activations: Vec<f32>,
    /// f(z) of every unit.
    pub outputs: Vec<f32>,
}

/// The incoming weights of some first-layer units ([`Lane::receptive_fields`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceptiveFields {
    /// The units, as asked for.
    pub units: Vec<usize>,
    /// Weights per unit (784: one per pixel).
    pub inputs: usize,
    /// `inputs` weights per unit, unit after unit; within a unit in pixel order (row by row of
    /// the 28×28 image).
    pub weights: Vec<f32>,
    /// Whether each unit was dead at the last probe.
    pub dead: Vec<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_the_study() {
        let c = RaceConfig::default();
        assert_eq!(c.layer_sizes(), vec![784, 128, 64, 10]);
        assert_eq!(c.activations, vec![Activation::Sigmoid, Activation::Relu]);
        assert_eq!(
            (c.learning_rate, c.batch_size, c.epochs, c.seed),
            (0.1, 64, 5, 42)
        );
        assert_eq!(c.optimizer, OptimizerKind::Sgd);
        assert!(c.validate().is_ok());
        assert_eq!(c.batches_per_epoch(), 860);
    }

    #[test]
    fn validation_names_the_bad_setting() {
        let bad = |f: fn(&mut RaceConfig)| {
            let mut c = RaceConfig::default();
            f(&mut c);
            c.validate().unwrap_err()
        };
        assert!(bad(|c| c.learning_rate = f32::NAN).contains("learning rate"));
        assert!(bad(|c| c.learning_rate = 0.0).contains("learning rate"));
        assert!(bad(|c| c.batch_size = 0).contains("batch size"));
        assert!(bad(|c| c.hidden = vec![128, 0]).contains("width 0"));
        assert!(bad(|c| c.activations.clear()).contains("lanes"));
        assert!(bad(|c| c.train_size = 60_000).contains("training-set size"));
        assert!(bad(|c| c.lane_learning_rates = Some(vec![0.1])).contains("per-lane"));
        assert!(bad(|c| c.epochs = 0).contains("epochs"));
    }

    #[test]
    fn epoch_order_is_a_seeded_permutation() {
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        epoch_order(42, 0, 1000, &mut a);
        epoch_order(42, 0, 1000, &mut b);
        epoch_order(42, 1, 1000, &mut c);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<u32>>());
    }

    #[test]
    fn report_boundaries_cover_the_epoch() {
        // 16 batches, 20 reports: some boundaries coincide.
        let c = RaceConfig {
            train_size: 1000,
            batch_size: 64,
            ..RaceConfig::default()
        };
        let lane = Lane::new(&c, 0).unwrap();
        let bounds: Vec<usize> = (1..=20).map(|k| lane.report_boundary(k)).collect();
        assert_eq!(*bounds.last().unwrap(), 16);
        assert!(bounds.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn varying_names_what_differs_and_labels_say_it() {
        let c = RaceConfig::default();
        assert_eq!(c.varying(), vec![Variable::Activation]);
        assert_eq!(c.lane_label(1), "ReLU");
        let rates = RaceConfig {
            activations: vec![Activation::Relu; 4],
            lane_learning_rates: Some(vec![0.01, 0.1, 0.3, 1.0]),
            ..RaceConfig::default()
        };
        assert!(rates.validate().is_ok());
        assert_eq!(rates.varying(), vec![Variable::LearningRate]);
        assert_eq!(rates.lane_label(0), "ReLU · lr 0.01");
        let inits = RaceConfig {
            activations: vec![Activation::Sigmoid; 2],
            lane_inits: Some(vec![InitScheme::Standard, InitScheme::Glorot]),
            ..RaceConfig::default()
        };
        assert_eq!(inits.varying(), vec![Variable::Init]);
        assert_eq!(inits.lane_label(0), "Sigmoid · standard init");
        assert_eq!(inits.init_of(1), InitScheme::Glorot);
        // Per-activation init with two activations varies two things: not controlled.
        let per = RaceConfig {
            init: InitMode::PerActivation,
            ..RaceConfig::default()
        };
        assert_eq!(per.varying(), vec![Variable::Activation, Variable::Init]);
        assert_eq!(per.lane_label(1), "ReLU · He init");
        // Equal per-lane values vary nothing.
        let same = RaceConfig {
            activations: vec![Activation::Tanh; 2],
            lane_learning_rates: Some(vec![0.1, 0.1]),
            ..RaceConfig::default()
        };
        assert!(same.varying().is_empty());
        assert_eq!(same.lane_label(0), "Tanh");
    }

    #[test]
    fn lane_inits_choose_each_lanes_scheme() {
        let c = RaceConfig {
            hidden: vec![8],
            activations: vec![Activation::Sigmoid; 2],
            lane_inits: Some(vec![InitScheme::Standard, InitScheme::Glorot]),
            ..RaceConfig::default()
        };
        let (a, b) = (Lane::new(&c, 0).unwrap(), Lane::new(&c, 1).unwrap());
        assert_eq!(
            (a.init(), b.init()),
            (InitScheme::Standard, InitScheme::Glorot)
        );
        // Same draws, scaled: 1/√784 against √(6/792).
        let ratio =
            a.network().layers[0].weights[(3, 100)] / b.network().layers[0].weights[(3, 100)];
        let expected = (1.0 / 784f32.sqrt()) / (6.0f32 / 792.0).sqrt();
        assert!((ratio - expected).abs() < 1e-5, "{ratio}");
        let bad = RaceConfig {
            lane_inits: Some(vec![InitScheme::He]),
            ..RaceConfig::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("per-lane initialisations")
        );
    }
}
