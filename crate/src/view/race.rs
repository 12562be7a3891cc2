//! The race as the page sees it: one [`LaneModel`] per lane (its worker's phase and its place in
//! the race), the winner, the current input and the errors to show — changed only by
//! [`RaceView::update`], which answers each [`Msg`] with the [`Command`]s the DOM code must carry
//! out (spawn a worker, post a message, write the URL, redraw).
//!
//! Everything the page shows in text (status line, buttons, lane cards, prediction bars, the
//! finish line) is computed here too, so it is tested natively.

use super::seeds::SeedRuns;
use crate::activation::Activation;
use crate::lessons::{LaneRun, Lesson};
use crate::mistakes::{Disagreement, disagreements};
use crate::network::{CLASSES, INPUT, argmax};
use crate::protocol::{FromWorker, StepTo, ToWorker};
use crate::race::{RaceConfig, ReceptiveFields, TraceLayer, Variable};
use crate::report::{EpochReport, IntervalReport, LaneEvent, TestPredictions};
use crate::settings;
use std::collections::BTreeMap;

/// Where a lane's Web Worker is.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerPhase {
    /// Created; its wasm is starting. Commands wait in the lane's outbox until it says `Ready`.
    Starting,
    /// Up, and waiting for another lane's download of MNIST, to read it from the browser's cache.
    Waiting,
    /// Fetching (or reading from the cache), decompressing and validating MNIST: `received` of
    /// `total` compressed bytes (`total` 0 when unknown).
    Loading {
        fraction: f32,
        received: u64,
        total: u64,
        from_cache: bool,
    },
    /// MNIST is in memory: the lane can race.
    Loaded,
    /// MNIST could not be loaded; the worker answers but cannot race.
    LoadFailed { message: String },
    /// The worker died (a panic or an error event) and must be replaced.
    Crashed { message: String },
}

/// Where a lane is in the race.
#[derive(Clone, Debug, PartialEq)]
pub enum LanePhase {
    /// `Configure` was sent and not yet answered: events still in flight belong to the previous
    /// race and are dropped.
    Configuring,
    /// Built from the settings, at the start line.
    Ready,
    Running,
    Paused,
    Finished,
    Diverged {
        message: String,
    },
    /// The lane refused the settings.
    Refused {
        message: String,
    },
}

/// When a lane first reached the finish line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reached {
    pub epochs: f64,
    pub secs: f64,
}

/// A lane's reading of the current input.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub probabilities: [f32; CLASSES],
    /// Milliseconds from the input (reading the pad included) to this lane's first answer.
    pub answer_ms: f64,
    /// The input through the network: every hidden unit's pre-activation and output.
    pub layers: Vec<TraceLayer>,
}

/// Bytes in megabytes with one decimal, e.g. "11.3 MB".
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// First-layer units whose receptive fields the page shows (the first ones of the layer).
pub const WATCHED_UNITS: usize = 16;

/// Test images on which two lanes disagree that the gallery shows.
pub const GALLERY_SIZE: usize = 24;

/// The test images on which lanes `a` and `b` disagree at an epoch end.
#[derive(Clone, Debug, PartialEq)]
pub struct Gallery {
    pub a: usize,
    pub b: usize,
    pub epoch: u32,
    /// Disagreements in all, before cutting to [`GALLERY_SIZE`].
    pub total: usize,
    /// The most confident mistakes first.
    pub items: Vec<Disagreement>,
    /// The items' pixels as they arrive from a worker.
    pub images: BTreeMap<u32, Vec<u8>>,
}

/// One lane: its worker, its phase, what it reported.
#[derive(Clone, Debug)]
pub struct LaneModel {
    pub index: usize,
    pub activation: Activation,
    pub worker: WorkerPhase,
    pub phase: LanePhase,
    /// Commands for a worker that is not ready yet.
    outbox: Vec<ToWorker>,
    /// The worker is new and does not hold the current input yet.
    needs_input: bool,
    pub intervals: Vec<IntervalReport>,
    pub epochs: Vec<EpochReport>,
    pub reached: Option<Reached>,
    pub prediction: Option<Prediction>,
    /// Every test image's prediction at the latest epoch end.
    pub test_predictions: Option<TestPredictions>,
    /// The watched first-layer units' incoming weights, and when they were read (epochs).
    pub fields: Option<(ReceptiveFields, f64)>,
}

impl LaneModel {
    fn new(index: usize, activation: Activation) -> LaneModel {
        LaneModel {
            index,
            activation,
            worker: WorkerPhase::Starting,
            phase: LanePhase::Configuring,
            outbox: Vec::new(),
            needs_input: true,
            intervals: Vec::new(),
            epochs: Vec::new(),
            reached: None,
            prediction: None,
            test_predictions: None,
            fields: None,
        }
    }

    /// The worker is alive (it may still be starting or loading).
    pub fn usable(&self) -> bool {
        !matches!(self.worker, WorkerPhase::Crashed { .. })
    }

    pub fn loaded(&self) -> bool {
        self.worker == WorkerPhase::Loaded
    }

    /// The worker crashed or could not load MNIST: only a new one can race.
    pub fn needs_new_worker(&self) -> bool {
        matches!(
            self.worker,
            WorkerPhase::Crashed { .. } | WorkerPhase::LoadFailed { .. }
        )
    }

    /// Finished or diverged: this lane is done racing.
    pub fn done(&self) -> bool {
        matches!(self.phase, LanePhase::Finished | LanePhase::Diverged { .. })
    }

    pub fn running(&self) -> bool {
        self.phase == LanePhase::Running
    }

    /// Progress in epochs of the latest report.
    pub fn epochs_done(&self) -> f64 {
        self.intervals.last().map_or(0.0, |r| r.epochs_done)
    }

    /// Sends now if the worker is ready, else queues it.
    fn command(&mut self, message: ToWorker, out: &mut Vec<Command>) {
        match self.worker {
            WorkerPhase::Starting => self.outbox.push(message),
            WorkerPhase::Crashed { .. } => {}
            _ => out.push(Command::Post {
                lane: self.index,
                message,
            }),
        }
    }

    fn clear_race(&mut self) {
        self.intervals.clear();
        self.epochs.clear();
        self.reached = None;
        self.prediction = None;
        self.test_predictions = None;
        self.fields = None;
    }
}

/// Where the workers find the MNIST assets, relative to the page (and so to the worker script).
pub const DATA_URL: &str = "data/";

/// Loading starting now, with no bytes yet.
const LOADING: WorkerPhase = WorkerPhase::Loading {
    fraction: 0.0,
    received: 0,
    total: 0,
    from_cache: false,
};

/// What happened: the user's actions and the workers' messages.
#[expect(
    clippy::large_enum_variant,
    reason = "a message is built and moved once; boxing would only add noise"
)]
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// The page is up: start the workers.
    Boot,
    /// New settings (from the form or an editing button), already clamped: a fresh race if they
    /// differ from the current ones.
    Configure(RaceConfig),
    Start,
    /// Pause if a lane is running, else start or resume.
    TogglePause,
    Reset,
    /// Replace every crashed worker and race again.
    RestartCrashed,
    DismissErrors,
    /// The input changed: a drawing read from the pad (`None` when it is empty). `started_ms`
    /// is when reading the pad began, so answer times include the preprocessing.
    Input {
        pixels: Option<Box<[u8; INPUT]>>,
        started_ms: f64,
    },
    /// Ask for MNIST test image `index` (any number; taken modulo the test-set size).
    RandomDigit {
        index: u32,
    },
    FromWorker {
        lane: usize,
        message: FromWorker,
    },
    /// The worker could not be created or raised an error event (it is dead).
    WorkerFailed {
        lane: usize,
        message: String,
    },
    /// The worker sent something the page could not decode.
    Unreadable {
        lane: usize,
        error: String,
    },
    /// Test hook: make a lane's worker panic.
    CrashLane {
        lane: usize,
    },
    /// Step mode, while no lane runs.
    Step(StepTo),
    /// Load gallery image `index` (a test image) into the pad.
    PickTestImage {
        index: u32,
    },
    /// Compare lanes `a` and `b` in the gallery of mistakes.
    Compare {
        a: usize,
        b: usize,
    },
    /// Show or hide the settings panel (a lesson for a class hides it).
    ShowSettings(bool),
    /// Show unit `unit` of lane `lane`'s first layer large.
    SelectUnit {
        lane: usize,
        unit: usize,
    },
}

/// How soon the page should show the new state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redraw {
    /// What the user did, or a control message: at the next frame.
    Now,
    /// New reports: at the race view's pace (a few times a second while racing).
    Paced,
}

/// What the DOM code must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Create lane `lane`'s worker (and its cards).
    Spawn {
        lane: usize,
    },
    /// Terminate lane `lane`'s worker (and remove its cards if the lane is gone).
    Terminate {
        lane: usize,
    },
    Post {
        lane: usize,
        message: ToWorker,
    },
    /// Replace the address's query with this one (no `?`).
    WriteUrl {
        query: String,
    },
    /// Paint a test image on the pad and the preview, with its caption.
    ShowTestDigit {
        caption: String,
        pixels: Vec<u8>,
    },
    /// Say this through the page's polite live region (the race's milestones, not every
    /// report).
    Announce {
        text: String,
    },
    Redraw(Redraw),
}

/// The whole race as the page knows it.
#[derive(Clone, Debug)]
pub struct RaceView {
    pub config: RaceConfig,
    pub lanes: Vec<LaneModel>,
    pub winner: Option<usize>,
    input: Option<Box<[u8; INPUT]>>,
    /// Number of the latest input; older answers are ignored.
    request: u32,
    request_started_ms: f64,
    pub errors: Vec<String>,
    /// Epoch ends announced so far in this race.
    announced_epochs: usize,
    /// The test set's labels, once a worker has sent them.
    test_labels: Option<Vec<u8>>,
    /// The pair of lanes the gallery compares.
    pub compare: (usize, usize),
    pub gallery: Option<Gallery>,
    /// The receptive field shown large: (lane, unit).
    pub selected_unit: Option<(usize, usize)>,
    /// The caption of a test digit whose answers are still to be announced (the pad's keyboard
    /// path: a screen-reader user asked for a digit and waits to hear what the lanes read).
    answers_to_announce: Option<String>,
    /// "Ready to race" was announced (once, when MNIST is first loaded).
    announced_ready: bool,
    /// The seeds the race repeats with and the runs finished so far (one seed unless
    /// `config.repeat_seeds` > 1).
    pub seed_runs: SeedRuns,
    /// The lesson the race is, and whether the settings panel is hidden (the address's page
    /// options, written back with the settings).
    pub page: settings::PageOptions,
    /// The lesson's verdict, written from the reports when the race ended.
    pub verdict: Option<String>,
    /// The Cache Storage cache the lanes share MNIST through (see [`RaceView::may_load`]); `None`
    /// where the browser has none (insecure contexts): then every lane downloads its own copy.
    pub data_cache: Option<String>,
}

impl RaceView {
    /// The page with `config` (read from the URL); nothing runs until [`Msg::Boot`].
    pub fn new(config: RaceConfig) -> RaceView {
        RaceView {
            lanes: Vec::new(),
            winner: None,
            input: None,
            request: 0,
            request_started_ms: 0.0,
            errors: Vec::new(),
            announced_epochs: 0,
            test_labels: None,
            compare: (0, 1),
            gallery: None,
            selected_unit: None,
            answers_to_announce: None,
            announced_ready: false,
            seed_runs: SeedRuns::new(&config),
            config,
            page: settings::PageOptions::default(),
            verdict: None,
            data_cache: None,
        }
    }

    /// The page with `config` and the address's page options (a lesson, a hidden panel).
    pub fn with_page(config: RaceConfig, page: settings::PageOptions) -> RaceView {
        let mut view = RaceView::new(config);
        // A lesson whose defining settings the address changed is no lesson any more.
        view.page = settings::PageOptions {
            lesson: page.lesson.filter(|l| l.fits(&view.config)),
            ..page
        };
        view
    }

    /// The lesson the race is, if any.
    pub fn lesson(&self) -> Option<Lesson> {
        self.page.lesson
    }

    /// The lesson's verdict from the reports received so far (the page shows it when the race
    /// ends; tests recompute it).
    pub fn lesson_verdict(&self) -> Option<String> {
        let lesson = self.lesson()?;
        let runs: Vec<LaneRun<'_>> = self
            .lanes
            .iter()
            .map(|l| LaneRun {
                intervals: &l.intervals,
                epochs: &l.epochs,
            })
            .collect();
        Some(lesson.verdict(&self.config, &runs))
    }

    pub fn has_input(&self) -> bool {
        self.input.is_some()
    }

    /// Applies `msg` at time `now_ms` (the page's clock); returns what the DOM code must do.
    pub fn update(&mut self, msg: Msg, now_ms: f64) -> Vec<Command> {
        let mut out = Vec::new();
        let could_start = self.can_start();
        match msg {
            Msg::Boot => {
                self.sync_lanes(&mut out);
                self.reset(now_ms, &mut out);
                out.push(self.url_command());
            }
            Msg::Configure(config) => {
                if config != self.config {
                    self.config = config;
                    // Settings that change what the lesson is about leave the lesson.
                    if self.lesson().is_some_and(|l| !l.fits(&self.config)) {
                        self.page.lesson = None;
                    }
                    self.sync_lanes(&mut out);
                    self.reset(now_ms, &mut out);
                    out.push(self.url_command());
                }
            }
            Msg::Start => self.start(now_ms, &mut out),
            Msg::TogglePause => {
                if self.any_running() {
                    for lane in &mut self.lanes {
                        if lane.running() {
                            lane.phase = LanePhase::Paused;
                            lane.command(ToWorker::Pause, &mut out);
                        }
                    }
                    out.push(announce("Paused."));
                } else {
                    self.start(now_ms, &mut out);
                }
            }
            Msg::Reset => self.reset(now_ms, &mut out),
            Msg::RestartCrashed => {
                for lane in &mut self.lanes {
                    if lane.needs_new_worker() {
                        out.push(Command::Terminate { lane: lane.index });
                        *lane = LaneModel::new(lane.index, lane.activation);
                        out.push(Command::Spawn { lane: lane.index });
                    }
                }
                self.errors.clear();
                self.reset(now_ms, &mut out);
            }
            Msg::DismissErrors => self.errors.clear(),
            Msg::Input { pixels, started_ms } => self.set_input(pixels, started_ms, &mut out),
            Msg::RandomDigit { index } => {
                if let Some(lane) = self.lanes.iter_mut().find(|l| l.loaded()) {
                    lane.command(ToWorker::TestDigit { request: 0, index }, &mut out);
                }
            }
            Msg::FromWorker { lane, message } => {
                // A crashed worker is terminated; whatever it sent on its way out is dropped.
                if self.lanes.get(lane).is_some_and(LaneModel::usable) {
                    self.on_worker(lane, message, now_ms, &mut out);
                }
            }
            Msg::WorkerFailed { lane, message } => self.crash(lane, message, &mut out),
            Msg::Unreadable { lane, error } => {
                if let Some(l) = self.lanes.get(lane) {
                    let name = self.label(l.index);
                    self.add_error(format!(
                        "The {name} lane sent a message the page could not read ({error}). Reload the page if the lane stops responding."
                    ));
                }
            }
            Msg::CrashLane { lane } => {
                if let Some(l) = self.lanes.get_mut(lane) {
                    l.command(ToWorker::Crash, &mut out);
                }
            }
            Msg::Step(to) => {
                if self.can_step() {
                    for lane in &mut self.lanes {
                        if !lane.done() {
                            lane.command(ToWorker::Step { to }, &mut out);
                        }
                    }
                }
            }
            Msg::PickTestImage { index } => {
                let picked = self.gallery.as_ref().and_then(|g| {
                    let item = g.items.iter().find(|d| d.index == index)?;
                    let pixels = g.images.get(&index)?;
                    Some((item.clone(), pixels.clone()))
                });
                if let Some((d, pixels)) = picked
                    && let Ok(image) = <[u8; INPUT]>::try_from(pixels.as_slice())
                {
                    let (a, b) = (self.label(self.compare.0), self.label(self.compare.1));
                    let caption = format!(
                        "MNIST test image #{index}, labelled {}: {a} read {}, {b} read {}.",
                        d.label, d.a_predicted, d.b_predicted
                    );
                    out.push(Command::ShowTestDigit {
                        caption: caption.clone(),
                        pixels,
                    });
                    self.set_input(Some(Box::new(image)), now_ms, &mut out);
                    self.answers_to_announce = Some(caption);
                }
            }
            Msg::Compare { a, b } => {
                if a != b && a < self.lanes.len() && b < self.lanes.len() {
                    self.compare = (a, b);
                    self.update_gallery(&mut out);
                }
            }
            Msg::ShowSettings(shown) => {
                if self.page.hide_settings == shown {
                    self.page.hide_settings = !shown;
                    out.push(self.url_command());
                }
            }
            Msg::SelectUnit { lane, unit } => {
                let known = self
                    .lanes
                    .get(lane)
                    .and_then(|l| l.fields.as_ref())
                    .is_some_and(|(f, _)| f.units.contains(&unit));
                if known {
                    self.selected_unit = Some((lane, unit));
                }
            }
        }
        if !could_start && self.can_start() && !self.announced_ready {
            self.announced_ready = true;
            out.push(announce(
                "MNIST is loaded and the race is ready: press Start race.",
            ));
        }
        if !out.iter().any(|c| matches!(c, Command::Redraw(_))) {
            out.push(Command::Redraw(Redraw::Now));
        }
        out
    }

    fn on_worker(&mut self, lane: usize, message: FromWorker, now_ms: f64, out: &mut Vec<Command>) {
        let target = self.config.target_accuracy;
        let name = self.label(lane);
        let l = &mut self.lanes[lane];
        match message {
            FromWorker::Ready => {
                if l.worker == WorkerPhase::Starting {
                    l.worker = WorkerPhase::Waiting;
                    let queued = std::mem::take(&mut l.outbox);
                    // Load, when this lane may load now, goes before the queued commands.
                    self.start_loads(out);
                    out.extend(
                        queued
                            .into_iter()
                            .map(|message| Command::Post { lane, message }),
                    );
                }
            }
            FromWorker::Loading {
                fraction,
                received,
                total,
                from_cache,
                ..
            } => {
                if matches!(l.worker, WorkerPhase::Loading { .. }) {
                    l.worker = WorkerPhase::Loading {
                        fraction: fraction.clamp(0.0, 1.0),
                        received,
                        total,
                        from_cache,
                    };
                }
            }
            FromWorker::Loaded { test_labels, .. } => {
                if l.usable() {
                    l.worker = WorkerPhase::Loaded;
                }
                if self.test_labels.is_none() {
                    self.test_labels = Some(test_labels);
                }
                self.start_loads(out);
            }
            FromWorker::LoadFailed { message } => {
                if l.usable() {
                    l.worker = WorkerPhase::LoadFailed {
                        message: message.clone(),
                    };
                }
                // The lanes waiting for this download share its fate: one problem, one message.
                for other in &mut self.lanes {
                    if other.worker == WorkerPhase::Waiting {
                        other.worker = WorkerPhase::LoadFailed {
                            message: message.clone(),
                        };
                    }
                }
                self.add_error(format!("{name} lane: {message}"));
            }
            FromWorker::Configured { .. } => {
                if l.phase == LanePhase::Configuring {
                    l.phase = LanePhase::Ready;
                }
            }
            FromWorker::Refused { message, .. } => {
                l.phase = LanePhase::Refused {
                    message: message.clone(),
                };
                self.add_error(format!("{name} lane: {message}"));
            }
            FromWorker::State { running, .. } => match (&l.phase, running) {
                (LanePhase::Ready | LanePhase::Paused, true) => l.phase = LanePhase::Running,
                (LanePhase::Running, false) => l.phase = LanePhase::Paused,
                _ => {}
            },
            FromWorker::Event(event) => {
                let (mut epoch_ended, mut stopped, mut predictions_came) = (false, false, false);
                if l.phase != LanePhase::Configuring {
                    match event {
                        LaneEvent::Interval(r) => {
                            if l.reached.is_none() && r.val_accuracy >= target {
                                l.reached = Some(Reached {
                                    epochs: r.epochs_done,
                                    secs: r.elapsed_secs,
                                });
                                if self.winner.is_none() {
                                    self.winner = Some(lane);
                                    out.push(announce(&format!(
                                        "{name} crossed the finish line first: {:.1}% validation accuracy after {:.2} epochs.",
                                        100.0 * target,
                                        r.epochs_done
                                    )));
                                }
                            }
                            l.intervals.push(r);
                        }
                        LaneEvent::Epoch(r) => {
                            l.epochs.push(r);
                            epoch_ended = true;
                        }
                        LaneEvent::Diverged { message, .. } => {
                            l.phase = LanePhase::Diverged { message };
                            out.push(announce(&format!("{name} diverged and stopped.")));
                            stopped = true;
                        }
                        LaneEvent::Finished { .. } => {
                            l.phase = LanePhase::Finished;
                            stopped = true;
                        }
                        LaneEvent::TestPredictions(p) => {
                            l.test_predictions = Some(p);
                            predictions_came = true;
                        }
                    }
                }
                if epoch_ended {
                    self.announce_epochs(out);
                }
                if predictions_came {
                    self.update_gallery(out);
                }
                if stopped {
                    self.announce_end(out);
                    self.judge_lesson(out);
                    self.next_seed(now_ms, out);
                }
                out.push(Command::Redraw(Redraw::Paced));
            }
            FromWorker::Prediction {
                request,
                probabilities,
                layers,
                ..
            } => {
                if request == self.request && self.input.is_some() {
                    match &mut l.prediction {
                        // A re-reading after a report keeps the report's pace.
                        Some(p) => {
                            p.probabilities = probabilities;
                            p.layers = layers;
                            out.push(Command::Redraw(Redraw::Paced));
                        }
                        None => {
                            l.prediction = Some(Prediction {
                                probabilities,
                                answer_ms: (now_ms - self.request_started_ms).max(0.0),
                                layers,
                            });
                            self.announce_answers(out);
                        }
                    }
                }
            }
            FromWorker::TestImages { images } => {
                if let Some(g) = &mut self.gallery {
                    for image in images {
                        if g.items.iter().any(|d| d.index == image.index) {
                            g.images.insert(image.index, image.pixels);
                        }
                    }
                    out.push(Command::Redraw(Redraw::Paced));
                }
            }
            FromWorker::ReceptiveFields(message) => {
                if l.phase != LanePhase::Configuring {
                    match message.decode() {
                        Ok(fields) => {
                            l.fields = Some((fields, message.epochs_done));
                            out.push(Command::Redraw(Redraw::Paced));
                        }
                        Err(e) => self.add_error(format!("{name} lane: {e}")),
                    }
                }
            }
            FromWorker::TestDigit {
                index,
                label,
                pixels,
                ..
            } => {
                if let Ok(image) = <[u8; INPUT]>::try_from(pixels.as_slice()) {
                    let caption = format!("MNIST test image #{index}, labelled {label}.");
                    out.push(Command::ShowTestDigit {
                        caption: caption.clone(),
                        pixels,
                    });
                    // A test image is already in MNIST's format: classified exactly as it is.
                    self.set_input(Some(Box::new(image)), now_ms, out);
                    self.answers_to_announce = Some(caption);
                }
            }
            FromWorker::Error { message } => self.add_error(format!("{name} lane: {message}")),
            FromWorker::Panicked { message } => self.crash(lane, message, out),
            // Only the benchmark asks for snapshots.
            FromWorker::Snapshot { .. } => {}
        }
    }

    /// Sends Load to the lanes waiting for MNIST that may load now (see [`RaceView::may_load`]).
    fn start_loads(&mut self, out: &mut Vec<Command>) {
        for lane in 0..self.lanes.len() {
            if self.lanes[lane].worker == WorkerPhase::Waiting && self.may_load() {
                self.lanes[lane].worker = LOADING;
                out.push(Command::Post {
                    lane,
                    message: ToWorker::Load {
                        base_url: DATA_URL.into(),
                        cache: self.data_cache.clone(),
                    },
                });
            }
        }
    }

    /// Whether a waiting lane may load MNIST now. Workers share no memory, but they share the
    /// browser's cache: with one, a single lane downloads while the others wait, then read the
    /// files from the cache, where the first put them once it had checked them — one download
    /// for all lanes. Without a cache every lane downloads its own copy at once.
    fn may_load(&self) -> bool {
        self.data_cache.is_none()
            || self.lanes.iter().any(LaneModel::loaded)
            || !self
                .lanes
                .iter()
                .any(|l| matches!(l.worker, WorkerPhase::Loading { .. }))
    }

    /// Makes the lanes match the configuration: a worker per lane.
    fn sync_lanes(&mut self, out: &mut Vec<Command>) {
        let wanted = self.config.activations.len();
        while self.lanes.len() > wanted {
            if let Some(l) = self.lanes.pop() {
                out.push(Command::Terminate { lane: l.index });
            }
        }
        while self.lanes.len() < wanted {
            let index = self.lanes.len();
            self.lanes
                .push(LaneModel::new(index, self.config.activations[index]));
            out.push(Command::Spawn { lane: index });
        }
        if self.winner.is_some_and(|w| w >= wanted) {
            self.winner = None;
        }
        // A removed lane may have been the one downloading.
        self.start_loads(out);
        for (lane, &activation) in self.lanes.iter_mut().zip(&self.config.activations) {
            lane.activation = activation;
        }
    }

    /// A fresh race from the settings, not started: every lane is rebuilt, and a repeated race
    /// starts again from its first seed.
    fn reset(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        self.seed_runs = SeedRuns::new(&self.config);
        self.rebuild_lanes(now_ms, out);
    }

    /// When a run of a repeated race has ended (every lane finished or diverged, none crashed),
    /// keeps it for the bands and races the next seed at once.
    fn next_seed(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        if !self.seed_runs.repeated()
            || !self.all_done()
            || !self.started()
            || self.lanes.iter().any(|l| !l.usable())
        {
            return;
        }
        let run = crate::record::RaceRecord::new(
            &self.seed_runs.config_of_run(&self.config),
            super::export::lane_records(self),
        );
        if !self.seed_runs.finish_run(run) {
            out.push(announce(&format!(
                "All {} seeds have raced: the charts show the lowest, mean and highest value of each lane over seeds {}.",
                self.seed_runs.seeds.len(),
                self.seed_runs.finished_phrase()
            )));
            return;
        }
        self.rebuild_lanes(now_ms, out);
        // Start follows Configure in each worker's queue; the lanes stay `Configuring` (dropping
        // anything of the finished run still in flight) until their workers say they are built
        // and then running.
        for lane in &mut self.lanes {
            lane.command(ToWorker::Start, out);
        }
        out.push(announce(&format!(
            "Seed {} of {} ({}) has started.",
            self.seed_runs.current_number(),
            self.seed_runs.seeds.len(),
            self.seed_runs.current_seed()
        )));
    }

    /// Every lane rebuilt from the settings with the seed of the run under way, not started.
    fn rebuild_lanes(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        self.winner = None;
        self.verdict = None;
        self.announced_epochs = 0;
        self.gallery = None;
        self.selected_unit = None;
        if self.compare.0 >= self.lanes.len() || self.compare.1 >= self.lanes.len() {
            self.compare = (0, 1);
        }
        // The networks start afresh: their answers to the current input are timed from here.
        self.request_started_ms = now_ms;
        for lane in &mut self.lanes {
            lane.clear_race();
            if !lane.usable() {
                continue;
            }
            lane.phase = LanePhase::Configuring;
            lane.command(
                ToWorker::Configure {
                    config: self.seed_runs.config_of_run(&self.config),
                    lane: lane.index,
                },
                out,
            );
            let width = self.config.hidden.first().copied().unwrap_or(0);
            lane.command(
                ToWorker::WatchUnits {
                    units: (0..width.min(WATCHED_UNITS)).collect(),
                },
                out,
            );
            if lane.needs_input {
                lane.needs_input = false;
                if let Some(pixels) = &self.input {
                    lane.command(
                        ToWorker::SetInput {
                            request: self.request,
                            pixels: pixels.to_vec(),
                        },
                        out,
                    );
                }
            }
        }
    }

    fn start(&mut self, now_ms: f64, out: &mut Vec<Command>) {
        if !self.can_start() {
            return;
        }
        if self.all_done() {
            self.reset(now_ms, out);
            // The lanes start as soon as they are rebuilt: Start follows Configure in each
            // worker's queue.
        }
        let resuming = self.started();
        for lane in &mut self.lanes {
            // A crashed lane sits out until it is restarted; the others race on.
            if !lane.done() && lane.usable() {
                lane.phase = LanePhase::Running;
                lane.command(ToWorker::Start, out);
            }
        }
        let names: Vec<String> = (0..self.lanes.len()).map(|i| self.label(i)).collect();
        out.push(announce(&if resuming {
            "Resumed.".to_string()
        } else {
            format!("The race has started: {}.", names.join(" vs "))
        }));
    }

    /// The gallery of the compared pair, once both have predictions of the same epoch; asks a
    /// worker for the images.
    fn update_gallery(&mut self, out: &mut Vec<Command>) {
        let (a, b) = self.compare;
        let (Some(la), Some(lb), Some(labels)) =
            (self.lanes.get(a), self.lanes.get(b), &self.test_labels)
        else {
            return;
        };
        let (Some(pa), Some(pb)) = (&la.test_predictions, &lb.test_predictions) else {
            return;
        };
        if pa.epoch != pb.epoch
            || self
                .gallery
                .as_ref()
                .is_some_and(|g| (g.a, g.b, g.epoch) == (a, b, pa.epoch))
        {
            return;
        }
        match disagreements(pa, pb, labels) {
            Ok(all) => {
                let total = all.len();
                let items: Vec<Disagreement> = all.into_iter().take(GALLERY_SIZE).collect();
                let indices = items.iter().map(|d| d.index).collect();
                self.gallery = Some(Gallery {
                    a,
                    b,
                    epoch: pa.epoch,
                    total,
                    items,
                    images: BTreeMap::new(),
                });
                if let Some(lane) = self.lanes.iter_mut().find(|l| l.loaded()) {
                    lane.command(ToWorker::TestImages { indices }, out);
                }
            }
            Err(e) => self.add_error(format!("the gallery of mistakes: {e}")),
        }
    }

    /// Announces each epoch once every lane still racing has finished it.
    fn announce_epochs(&mut self, out: &mut Vec<Command>) {
        let racing: Vec<&LaneModel> = self
            .lanes
            .iter()
            .filter(|l| !matches!(l.phase, LanePhase::Diverged { .. }))
            .collect();
        let Some(done) = racing.iter().map(|l| l.epochs.len()).min() else {
            return;
        };
        while self.announced_epochs < done {
            let k = self.announced_epochs;
            let parts: Vec<String> = racing
                .iter()
                .map(|l| {
                    format!(
                        "{} {:.1}%",
                        self.label(l.index),
                        100.0 * l.epochs[k].test_accuracy
                    )
                })
                .collect();
            out.push(announce(&format!(
                "Epoch {} done. Test accuracy: {}.",
                k + 1,
                parts.join(", ")
            )));
            self.announced_epochs += 1;
        }
    }

    /// Announces the end of the race when the last lane stops.
    fn announce_end(&self, out: &mut Vec<Command>) {
        if !self.all_done() {
            return;
        }
        let text = match self.winner {
            Some(w) => format!("The race is over. {} won.", self.label(w)),
            None => "The race is over; no lane reached the finish line.".to_string(),
        };
        match self.seed_runs.progress() {
            Some(seed) => out.push(announce(&format!("{}: {text}", capitalized(&seed)))),
            None => out.push(announce(&text)),
        }
    }

    /// At the end of a lesson's race, its verdict from the reports (shown and announced).
    fn judge_lesson(&mut self, out: &mut Vec<Command>) {
        if !self.all_done() || !self.started() {
            return;
        }
        if let Some(verdict) = self.lesson_verdict() {
            out.push(announce(&verdict));
            self.verdict = Some(verdict);
        }
    }

    fn set_input(
        &mut self,
        input: Option<Box<[u8; INPUT]>>,
        started_ms: f64,
        out: &mut Vec<Command>,
    ) {
        self.request = self.request.wrapping_add(1);
        self.request_started_ms = started_ms;
        self.answers_to_announce = None;
        for lane in &mut self.lanes {
            lane.prediction = None;
            lane.needs_input = false;
            let message = match &input {
                Some(pixels) => ToWorker::SetInput {
                    request: self.request,
                    pixels: pixels.to_vec(),
                },
                None => ToWorker::ClearInput,
            };
            lane.command(message, out);
        }
        self.input = input;
    }

    fn crash(&mut self, lane: usize, message: String, out: &mut Vec<Command>) {
        let name = self.label(lane);
        let Some(l) = self.lanes.get_mut(lane) else {
            return;
        };
        if !l.usable() {
            return;
        }
        l.worker = WorkerPhase::Crashed {
            message: message.clone(),
        };
        l.outbox.clear();
        // A wasm instance that panicked may still run the training slices it had scheduled:
        // end it, so that nothing it sends passes for the lane's progress.
        out.push(Command::Terminate { lane });
        if l.running() {
            l.phase = LanePhase::Paused;
        }
        self.add_error(format!(
            "The {name} lane's worker crashed: {message}. The other lanes are unaffected; restart the lane to race again."
        ));
        // Lanes waiting for its download load without it.
        self.start_loads(out);
    }

    fn add_error(&mut self, message: String) {
        if !self.errors.contains(&message) {
            self.errors.push(message);
        }
    }

    fn url_command(&self) -> Command {
        let query = settings::page_query(&self.config, &self.page);
        Command::WriteUrl {
            query: query.trim_start_matches('?').to_string(),
        }
    }

    // ----- what the page shows -----------------------------------------------------------------

    /// Step mode: no lane runs, every lane is built, some lane can still train.
    pub fn can_step(&self) -> bool {
        self.can_start() && !self.any_running() && !self.all_done()
    }

    /// Every lane loaded and built (a crashed one aside: the others can race on without it,
    /// until it is restarted): the race can start.
    pub fn can_start(&self) -> bool {
        self.lanes.iter().any(LaneModel::usable)
            && self.lanes.iter().filter(|l| l.usable()).all(|l| {
                l.loaded() && !matches!(l.phase, LanePhase::Configuring | LanePhase::Refused { .. })
            })
    }

    pub fn any_running(&self) -> bool {
        self.lanes.iter().any(LaneModel::running)
    }

    /// Every lane finished, diverged or crashed: the race is over.
    pub fn all_done(&self) -> bool {
        self.lanes.iter().all(|l| l.done() || !l.usable())
    }

    /// Some lane has reported: a race is under way (or over).
    pub fn started(&self) -> bool {
        self.lanes.iter().any(|l| !l.intervals.is_empty())
    }

    /// Lane `lane`'s name, e.g. "ReLU" or "ReLU (lr 0.01)" (the charts' legend names too).
    pub fn label(&self, lane: usize) -> String {
        self.config.lane_label(lane)
    }

    pub fn controls(&self) -> Controls {
        let can_start = self.can_start();
        let running = self.any_running();
        let started = self.started();
        let done = self.all_done();
        let mid_race = started && !done;
        Controls {
            // Mid-race, Pause/Resume is the control; Start begins a race or runs it again.
            start: Control {
                enabled: can_start && !running && !mid_race,
                label: if done && started {
                    "Race again"
                } else {
                    "Start race"
                },
            },
            pause: Control {
                enabled: can_start && (running || mid_race),
                label: if mid_race && !running {
                    "Resume"
                } else {
                    "Pause"
                },
            },
            reset_enabled: can_start,
            step_enabled: self.can_step(),
            random_digit_enabled: self.lanes.iter().any(LaneModel::loaded),
        }
    }

    /// The race's status line, e.g. "loading MNIST… 42%", "racing", "finished".
    pub fn status(&self) -> String {
        let crashed = self.lanes.iter().any(|l| !l.usable());
        let failed = self
            .lanes
            .iter()
            .any(|l| matches!(l.worker, WorkerPhase::LoadFailed { .. }));
        if !self.lanes.iter().any(LaneModel::usable) {
            return "every lane crashed".into();
        }
        let status: String = if failed {
            "MNIST could not be loaded".into()
        } else if !self
            .lanes
            .iter()
            .filter(|l| l.usable())
            .all(LaneModel::loaded)
        {
            self.loading_status()
        } else if self.any_running() {
            "racing".into()
        } else if self.started() && self.all_done() {
            "finished".into()
        } else if self.started() {
            "paused".into()
        } else if self.can_start() {
            "ready — press Start race".into()
        } else {
            "preparing the lanes…".into()
        };
        // A repeated race says which seed is racing.
        let status = match self.seed_runs.progress() {
            Some(seed) if self.lanes.iter().all(LaneModel::loaded) => format!("{status} · {seed}"),
            _ => status,
        };
        // The other lanes go on: say both.
        if crashed {
            format!("{status} · a lane crashed")
        } else {
            status
        }
    }

    /// The status line while MNIST loads: the download in bytes ("loading MNIST… 3.2 of 11.3
    /// MB"), then the unpacking.
    fn loading_status(&self) -> String {
        let mut reading = self.lanes.iter().filter_map(|l| match l.worker {
            WorkerPhase::Loading {
                received,
                total,
                from_cache,
                ..
            } => Some((received, total, from_cache)),
            _ => None,
        });
        // The lane furthest on (with a shared cache, the one downloading).
        let Some((received, total, from_cache)) = reading.clone().max_by_key(|r| r.0) else {
            return "loading MNIST…".into();
        };
        let all_in = reading.all(|(r, t, _)| t > 0 && r >= t);
        let source = if from_cache {
            " from this browser's cache"
        } else {
            ""
        };
        if all_in {
            format!("loading MNIST… {} in{source}, unpacking", megabytes(total))
        } else if total > 0 {
            format!(
                "loading MNIST… {} of {}{source}",
                megabytes(received).trim_end_matches(" MB"),
                megabytes(total)
            )
        } else {
            format!("loading MNIST… {}{source}", megabytes(received))
        }
    }

    pub fn lane_card(&self, lane: usize) -> LaneCard {
        let l = &self.lanes[lane];
        let last = l.intervals.last();
        let status = match (&l.worker, &l.phase) {
            (WorkerPhase::Crashed { .. }, _) => "crashed".to_string(),
            (WorkerPhase::LoadFailed { .. }, _) => "no data".into(),
            (WorkerPhase::Starting, _) => "starting".into(),
            (WorkerPhase::Waiting, _) => "waiting for the download".into(),
            (WorkerPhase::Loading { fraction, .. }, _) => {
                format!("loading {:.0}%", 100.0 * fraction)
            }
            (_, LanePhase::Diverged { .. }) => "diverged".into(),
            (_, LanePhase::Refused { .. }) => "refused the settings".into(),
            (_, LanePhase::Finished) => "finished".into(),
            (_, LanePhase::Running) => "training".into(),
            (_, LanePhase::Paused) => "paused".into(),
            (_, LanePhase::Configuring) => "preparing".into(),
            (_, LanePhase::Ready) => {
                if last.is_some() {
                    "paused".into()
                } else {
                    "ready".into()
                }
            }
        };
        let target = self.config.target_accuracy;
        let progress = (last.map_or(0.0, |r| r.val_accuracy) / target).clamp(0.0, 1.0);
        let diverged = match &l.phase {
            LanePhase::Diverged { message } => Some(message.clone()),
            _ => None,
        };
        let crashed = match &l.worker {
            WorkerPhase::Crashed { message } => Some(message.clone()),
            _ => None,
        };
        let progress_label = match (&diverged, l.reached) {
            (Some(message), _) => message.clone(),
            (None, Some(r)) => format!(
                "reached {:.1}% at epoch {:.2} ({:.1} s)",
                100.0 * target,
                r.epochs,
                r.secs
            ),
            (None, None) => format!(
                "{:.0}% of the way to {:.1}%",
                100.0 * progress,
                100.0 * target
            ),
        };
        LaneCard {
            name: self.label(lane),
            formula: format!("f(z) = {}", l.activation.formula()),
            status,
            epochs_done: format!("{:.2}", l.epochs_done()),
            epochs_total: format!(" / {} epochs", self.config.epochs),
            accuracy: last
                .map_or_else(|| "—".into(), |r| format!("{:.1}%", 100.0 * r.val_accuracy)),
            speed: last.map_or_else(|| "—".into(), |r| format_rate(r.samples_per_sec)),
            prediction: l
                .prediction
                .as_ref()
                .map_or_else(|| "—".into(), |p| argmax(&p.probabilities).to_string()),
            progress,
            progress_label,
            winner: self.winner == Some(lane),
            title: crashed.clone().or(diverged.clone()).unwrap_or_default(),
            diverged: diverged.is_some(),
            crashed: crashed.is_some(),
        }
    }

    pub fn prediction_card(&self, lane: usize) -> PredictionCard {
        let l = &self.lanes[lane];
        match &l.prediction {
            Some(p) => {
                let top = argmax(&p.probabilities);
                PredictionCard {
                    title: self.label(lane),
                    top: top.to_string(),
                    note: format!(
                        "reads {top} ({:.0}% sure) after {:.2} epochs · answered in {:.1} ms",
                        100.0 * p.probabilities[top],
                        l.epochs_done(),
                        p.answer_ms
                    ),
                    bars: p
                        .probabilities
                        .iter()
                        .enumerate()
                        .map(|(k, &pk)| Bar {
                            fraction: pk.clamp(0.0, 1.0),
                            text: format!("{:.1}%", 100.0 * pk),
                            top: k == top,
                        })
                        .collect(),
                }
            }
            None => PredictionCard {
                title: self.label(lane),
                top: "—".into(),
                note: if self.input.is_some() && l.usable() {
                    "thinking…".into()
                } else if self.input.is_some() {
                    "this lane's worker crashed".into()
                } else {
                    "draw a digit on the pad".into()
                },
                bars: vec![Bar::default(); CLASSES],
            },
        }
    }

    /// The finish-line sentence once a lane has crossed it.
    pub fn finish_text(&self) -> Option<String> {
        let w = self.winner?;
        let target = 100.0 * self.config.target_accuracy;
        let r = self.lanes.get(w)?.reached?;
        let mut msg = format!(
            "Finish line: {} crossed it first, reaching {target:.1}% validation accuracy after {:.2} epochs ({:.1} s).",
            self.label(w),
            r.epochs,
            r.secs
        );
        for l in self.lanes.iter().filter(|l| l.index != w) {
            match l.reached {
                Some(r) => {
                    msg += &format!(
                        " {} followed at epoch {:.2} ({:.1} s).",
                        self.label(l.index),
                        r.epochs,
                        r.secs
                    )
                }
                None => msg += &format!(" {} has not reached it yet.", self.label(l.index)),
            }
        }
        Some(msg)
    }

    /// What every lane shares, in words (what differs is in the lanes' names).
    pub fn shared_settings(&self) -> String {
        let c = &self.config;
        let varying = c.varying();
        let sizes: Vec<String> = c.layer_sizes().iter().map(|s| s.to_string()).collect();
        let mut parts = vec![format!("network {}", sizes.join("-"))];
        if !varying.contains(&Variable::Activation) {
            parts.push(format!(
                "{} activation",
                c.activations.first().map_or("?", |a| a.label())
            ));
        }
        parts.push(c.optimizer.label().to_string());
        if !varying.contains(&Variable::LearningRate) {
            parts.push(format!("learning rate {}", c.learning_rate_of(0)));
        }
        parts.push(format!("batch {}", c.batch_size));
        if !varying.contains(&Variable::Init) {
            parts.push(format!("{} initialisation", c.init_of(0).label()));
        }
        if self.seed_runs.repeated() {
            parts.push(format!(
                "seeds {}, one after another (in each, the same initial draws and batch order)",
                super::super::charts::bands::seeds_phrase(&self.seed_runs.seeds)
            ));
        } else {
            parts.push(format!(
                "seed {} (same initial draws and batch order)",
                c.seed
            ));
        }
        parts.push(format!("{} training images", c.train_size));
        format!("Shared by every lane: {}.", parts.join(" · "))
    }

    /// A warning when the lanes differ in more than one thing (or in nothing).
    pub fn comparison_warning(&self) -> Option<String> {
        let varying = self.config.varying();
        match varying.len() {
            0 if self.lanes.len() > 1 => Some(
                "Every lane is the same network with the same settings: they will race exactly alike."
                    .into(),
            ),
            0 | 1 => None,
            _ => {
                let names: Vec<&str> = varying.iter().map(|v| v.label()).collect();
                Some(format!(
                    "Not a controlled comparison: the lanes differ in {}. Change one thing at a time to know which made the difference.",
                    names.join(" and ")
                ))
            }
        }
    }

    /// Whether the error banner offers to restart crashed lanes (or to load MNIST again).
    pub fn offers_restart(&self) -> bool {
        self.restart_label().is_some()
    }

    /// The label of the error banner's button that replaces the workers which crashed or could
    /// not load MNIST (a dropped connection or a file fixed on the server deserves a retry).
    pub fn restart_label(&self) -> Option<&'static str> {
        if self.lanes.iter().any(|l| !l.usable()) {
            Some("Restart lane")
        } else if self.lanes.iter().any(LaneModel::needs_new_worker) {
            Some("Try loading again")
        } else {
            None
        }
    }

    /// The lanes' answers to the current input in one sentence: the pad's text alternative,
    /// for anyone who cannot see the bars.
    pub fn answers_summary(&self) -> String {
        if self.input.is_none() {
            return "No digit on the pad yet: draw one, or press Random test digit.".into();
        }
        let parts: Vec<String> = self
            .lanes
            .iter()
            .map(|l| {
                let name = self.label(l.index);
                match &l.prediction {
                    Some(p) => {
                        let top = argmax(&p.probabilities);
                        format!(
                            "{name} reads {top} ({:.0}% sure)",
                            100.0 * p.probabilities[top]
                        )
                    }
                    None if l.usable() => format!("{name} is still reading it"),
                    None => format!("{name} cannot answer: its worker crashed"),
                }
            })
            .collect();
        format!("{}.", parts.join("; "))
    }

    /// Announces the answers to a test digit once every working lane has answered.
    fn announce_answers(&mut self, out: &mut Vec<Command>) {
        let answered = self
            .lanes
            .iter()
            .filter(|l| l.usable() && l.loaded())
            .all(|l| l.prediction.is_some());
        if answered && let Some(caption) = self.answers_to_announce.take() {
            out.push(announce(&format!("{caption} {}", self.answers_summary())));
        }
    }
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A button's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Control {
    pub enabled: bool,
    pub label: &'static str,
}

/// The race controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Controls {
    pub start: Control,
    pub pause: Control,
    pub reset_enabled: bool,
    pub step_enabled: bool,
    pub random_digit_enabled: bool,
}

/// A lane's card in the race strip, as text.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneCard {
    pub name: String,
    /// The activation's formula, e.g. "max(0, z)".
    pub formula: String,
    pub status: String,
    pub epochs_done: String,
    pub epochs_total: String,
    pub accuracy: String,
    pub speed: String,
    pub prediction: String,
    /// Share of the way to the finish line, in [0, 1].
    pub progress: f32,
    pub progress_label: String,
    pub winner: bool,
    pub diverged: bool,
    pub crashed: bool,
    /// The crash or divergence message (a tooltip).
    pub title: String,
}

/// One bar of a prediction card.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bar {
    pub fraction: f32,
    pub text: String,
    pub top: bool,
}

/// A lane's reading of the input, as text and bars.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictionCard {
    pub title: String,
    pub top: String,
    pub note: String,
    pub bars: Vec<Bar>,
}

fn announce(text: &str) -> Command {
    Command::Announce {
        text: text.to_string(),
    }
}

/// Samples per second, e.g. "33.7k".
pub fn format_rate(per_sec: f32) -> String {
    if per_sec >= 1000.0 {
        format!("{:.1}k", per_sec / 1000.0)
    } else {
        format!("{per_sec:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posts(out: &[Command]) -> Vec<(usize, ToWorker)> {
        out.iter()
            .filter_map(|c| match c {
                Command::Post { lane, message } => Some((*lane, message.clone())),
                _ => None,
            })
            .collect()
    }

    fn worker(view: &mut RaceView, lane: usize, message: FromWorker) -> Vec<Command> {
        view.update(Msg::FromWorker { lane, message }, 100.0)
    }

    fn interval(lane: usize, epochs_done: f64, val_accuracy: f32) -> IntervalReport {
        IntervalReport {
            lane,
            activation: Activation::Relu,
            epoch: epochs_done.floor() as u32 + 1,
            epochs_done,
            samples_seen: (epochs_done * 55_000.0) as u64,
            train_loss: 0.3,
            val_loss: 0.3,
            val_accuracy,
            samples_per_sec: 33_700.0,
            elapsed_secs: epochs_done * 2.0,
            grad_norms: vec![0.1, 0.2, 0.3],
            dead_fraction: vec![0.0, 0.0],
            saturated_fraction: vec![0.1, 0.2],
            activation_mean: vec![],
            activation_std: vec![],
            activation_histogram: vec![],
            mean_abs_slope: vec![],
            signal_share: vec![],
            sparsity: vec![],
        }
    }

    /// A booted two-lane page whose lanes have loaded MNIST and been configured.
    fn ready_view() -> RaceView {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        for lane in 0..2 {
            worker(&mut v, lane, FromWorker::Ready);
            worker(&mut v, lane, loaded());
            worker(&mut v, lane, configured(lane));
        }
        v
    }

    /// A test set of six images.
    const TEST_LABELS: [u8; 6] = [7, 2, 1, 0, 4, 1];

    fn loaded() -> FromWorker {
        FromWorker::Loaded {
            train: 60_000,
            test: 10_000,
            seconds: 1.0,
            test_labels: TEST_LABELS.to_vec(),
        }
    }

    fn configured(lane: usize) -> FromWorker {
        FromWorker::Configured {
            lane,
            parameters: 109_386,
            layer_sizes: vec![784, 128, 64, 10],
        }
    }

    fn event(e: LaneEvent) -> FromWorker {
        FromWorker::Event(e)
    }

    #[test]
    fn boot_spawns_a_worker_per_lane_and_queues_until_ready() {
        let mut v = RaceView::new(RaceConfig::default());
        let out = v.update(Msg::Boot, 0.0);
        let spawned: Vec<_> = out
            .iter()
            .filter(|c| matches!(c, Command::Spawn { .. }))
            .collect();
        assert_eq!(spawned.len(), 2);
        assert!(posts(&out).is_empty(), "nothing is posted before Ready");
        assert!(out.iter().any(
            |c| matches!(c, Command::WriteUrl { query } if query.starts_with("hidden=128,64"))
        ));
        assert_eq!(v.status(), "loading MNIST…");
        assert!(!v.controls().start.enabled);
        // Ready flushes Load then Configure, in that order.
        let out = worker(&mut v, 1, FromWorker::Ready);
        let sent = posts(&out);
        assert!(matches!(sent[0], (1, ToWorker::Load { cache: None, .. })));
        assert!(matches!(sent[1], (1, ToWorker::Configure { lane: 1, .. })));
        worker(&mut v, 1, loading(0.5, 5_650_000, 11_300_000));
        assert_eq!(v.status(), "loading MNIST… 5.7 of 11.3 MB");
        assert_eq!(v.lane_card(1).status, "loading 50%");
        // Without a shared cache the other lane downloads at once, too.
        let sent = posts(&worker(&mut v, 0, FromWorker::Ready));
        assert!(matches!(sent[0], (0, ToWorker::Load { cache: None, .. })));
        worker(&mut v, 0, loading(0.9, 11_300_000, 11_300_000));
        assert_eq!(v.status(), "loading MNIST… 11.3 of 11.3 MB");
        worker(&mut v, 1, loading(0.9, 11_300_000, 11_300_000));
        assert_eq!(v.status(), "loading MNIST… 11.3 MB in, unpacking");
    }

    fn loading(fraction: f32, received: u64, total: u64) -> FromWorker {
        FromWorker::Loading {
            fraction,
            stage: String::new(),
            received,
            total,
            from_cache: false,
        }
    }

    #[test]
    fn with_a_shared_cache_one_lane_downloads_and_the_others_read_its_copy() {
        let mut v = RaceView::new(RaceConfig::default());
        v.data_cache = Some("mnist-1".into());
        v.update(Msg::Boot, 0.0);
        let sent = posts(&worker(&mut v, 1, FromWorker::Ready));
        assert!(matches!(&sent[0], (1, ToWorker::Load { cache: Some(c), .. }) if c == "mnist-1"));
        // The second lane is configured but waits for the download.
        let sent = posts(&worker(&mut v, 0, FromWorker::Ready));
        assert!(
            sent.iter()
                .all(|(_, m)| !matches!(m, ToWorker::Load { .. }))
        );
        assert!(matches!(sent[0], (0, ToWorker::Configure { .. })));
        assert_eq!(v.lane_card(0).status, "waiting for the download");
        worker(&mut v, 1, loading(0.3, 3_200_000, 11_300_000));
        assert_eq!(v.status(), "loading MNIST… 3.2 of 11.3 MB");
        worker(&mut v, 1, configured(1));
        // Loaded (and so in the cache): the waiting lane loads now.
        let sent = posts(&worker(&mut v, 1, loaded()));
        assert!(matches!(
            &sent[..],
            [(0, ToWorker::Load { cache: Some(_), .. })]
        ));
        worker(
            &mut v,
            0,
            FromWorker::Loading {
                fraction: 0.5,
                stage: String::new(),
                received: 11_300_000,
                total: 11_300_000,
                from_cache: true,
            },
        );
        assert_eq!(
            v.status(),
            "loading MNIST… 11.3 MB in from this browser's cache, unpacking"
        );
        worker(&mut v, 0, configured(0));
        worker(&mut v, 0, loaded());
        assert!(v.can_start());
    }

    #[test]
    fn with_a_shared_cache_a_failed_or_crashed_download_is_not_waited_for() {
        let mut v = RaceView::new(RaceConfig::default());
        v.data_cache = Some("mnist-1".into());
        v.update(Msg::Boot, 0.0);
        worker(&mut v, 0, FromWorker::Ready);
        worker(&mut v, 1, FromWorker::Ready);
        // The download fails: the waiting lane shares the failure, with one message.
        worker(
            &mut v,
            0,
            FromWorker::LoadFailed {
                message: "data/x.gz: HTTP 404".into(),
            },
        );
        assert!(v.lanes.iter().all(LaneModel::needs_new_worker));
        assert_eq!(v.errors.len(), 1);
        // Loading again: new workers, one downloads; it crashes, and the other takes over.
        v.update(Msg::RestartCrashed, 1.0);
        worker(&mut v, 0, FromWorker::Ready);
        worker(&mut v, 1, FromWorker::Ready);
        assert_eq!(v.lanes[1].worker, WorkerPhase::Waiting);
        let out = v.update(
            Msg::WorkerFailed {
                lane: 0,
                message: "boom".into(),
            },
            2.0,
        );
        assert!(matches!(&posts(&out)[..], [(1, ToWorker::Load { .. })]));
    }

    #[test]
    fn a_race_runs_pauses_resumes_and_finishes_with_a_winner() {
        let mut v = ready_view();
        assert_eq!(v.status(), "ready — press Start race");
        let c = v.controls();
        assert!(c.start.enabled && !c.pause.enabled && c.reset_enabled);
        let out = v.update(Msg::Start, 1.0);
        assert_eq!(
            posts(&out),
            vec![(0, ToWorker::Start), (1, ToWorker::Start)]
        );
        assert_eq!(v.status(), "racing");
        // Both report; ReLU crosses the line first.
        worker(
            &mut v,
            0,
            event(LaneEvent::Interval(interval(0, 0.05, 0.6))),
        );
        let out = worker(
            &mut v,
            1,
            event(LaneEvent::Interval(interval(1, 0.05, 0.96))),
        );
        assert_eq!(
            out,
            vec![
                announce(
                    "ReLU crossed the finish line first: 95.0% validation accuracy after 0.05 epochs."
                ),
                Command::Redraw(Redraw::Paced)
            ]
        );
        assert_eq!(v.winner, Some(1));
        let card = v.lane_card(1);
        assert!(card.winner);
        assert_eq!(card.accuracy, "96.0%");
        assert_eq!(card.speed, "33.7k");
        assert!(
            card.progress_label
                .starts_with("reached 95.0% at epoch 0.05")
        );
        assert_eq!(v.lane_card(0).progress_label, "63% of the way to 95.0%");
        let c = v.controls();
        assert!(!c.start.enabled && c.pause.enabled && c.pause.label == "Pause");

        let out = v.update(Msg::TogglePause, 2.0);
        assert_eq!(
            posts(&out),
            vec![(0, ToWorker::Pause), (1, ToWorker::Pause)]
        );
        assert_eq!(v.status(), "paused");
        let c = v.controls();
        assert!(!c.start.enabled && c.pause.enabled && c.pause.label == "Resume");
        // The worker's confirmation does not undo the pause.
        worker(
            &mut v,
            0,
            FromWorker::State {
                lane: 0,
                running: false,
                epochs_done: 0.05,
                samples_seen: 2750,
            },
        );
        assert_eq!(v.lanes[0].phase, LanePhase::Paused);
        let out = v.update(Msg::TogglePause, 3.0);
        assert_eq!(posts(&out).len(), 2, "resume starts both lanes");

        let mut said = Vec::new();
        for lane in 0..2 {
            let mut e =
                crate::view::export::tests_support::epoch_report(lane, 0.9 + 0.05 * lane as f32);
            e.lane = lane;
            said.extend(worker(&mut v, lane, event(LaneEvent::Epoch(e))));
            said.extend(worker(&mut v, lane, event(LaneEvent::Finished { lane })));
        }
        let said: Vec<&Command> = said
            .iter()
            .filter(|c| matches!(c, Command::Announce { .. }))
            .collect();
        assert_eq!(
            said,
            [
                &announce("Epoch 1 done. Test accuracy: Sigmoid 90.0%, ReLU 95.0%."),
                &announce("The race is over. ReLU won.")
            ],
            "one announcement per epoch for all lanes, and the end"
        );
        assert_eq!(v.status(), "finished");
        let c = v.controls();
        assert!(c.start.enabled && c.start.label == "Race again" && !c.pause.enabled);
        let finish = v.finish_text().unwrap();
        assert!(finish.starts_with("Finish line: ReLU crossed it first"));
        assert!(finish.ends_with("Sigmoid has not reached it yet."));
        // Racing again rebuilds the lanes first, then starts them.
        let out = v.update(Msg::Start, 4.0);
        let sent = posts(&out);
        assert!(matches!(sent[0], (0, ToWorker::Configure { .. })));
        assert!(sent.contains(&(1, ToWorker::Start)));
        assert_eq!(v.winner, None);
        assert!(v.lanes.iter().all(|l| l.intervals.is_empty()));
    }

    #[test]
    fn events_of_an_older_race_are_dropped_while_configuring() {
        let mut v = ready_view();
        v.update(Msg::Start, 0.0);
        worker(
            &mut v,
            0,
            event(LaneEvent::Interval(interval(0, 0.05, 0.5))),
        );
        v.update(Msg::Reset, 1.0);
        assert_eq!(v.lanes[0].phase, LanePhase::Configuring);
        assert!(!v.controls().start.enabled);
        worker(&mut v, 0, event(LaneEvent::Interval(interval(0, 0.1, 0.5))));
        worker(
            &mut v,
            0,
            FromWorker::State {
                lane: 0,
                running: true,
                epochs_done: 0.1,
                samples_seen: 1,
            },
        );
        assert!(v.lanes[0].intervals.is_empty());
        assert_eq!(v.lanes[0].phase, LanePhase::Configuring);
        worker(&mut v, 0, configured(0));
        worker(&mut v, 1, configured(1));
        assert_eq!(v.status(), "ready — press Start race");
    }

    #[test]
    fn a_diverged_lane_stops_and_the_others_go_on() {
        let mut v = ready_view();
        v.update(Msg::Start, 0.0);
        let message = "ReLU diverged: the training loss became NaN".to_string();
        worker(
            &mut v,
            1,
            event(LaneEvent::Diverged {
                lane: 1,
                epoch: 1,
                samples_seen: 100,
                message: message.clone(),
            }),
        );
        worker(
            &mut v,
            1,
            FromWorker::State {
                lane: 1,
                running: false,
                epochs_done: 0.0,
                samples_seen: 100,
            },
        );
        let card = v.lane_card(1);
        assert!(card.diverged);
        assert_eq!(
            (card.status.as_str(), card.title.as_str()),
            ("diverged", message.as_str())
        );
        assert_eq!(card.progress_label, message);
        assert_eq!(v.status(), "racing");
        worker(&mut v, 0, event(LaneEvent::Finished { lane: 0 }));
        assert_eq!(v.controls().start.label, "Start race", "no report yet");
        assert!(v.all_done());
    }

    #[test]
    fn a_crashed_worker_is_ended_and_what_it_sent_on_its_way_out_is_dropped() {
        let mut v = ready_view();
        v.update(Msg::Start, 0.0);
        let out = worker(
            &mut v,
            1,
            FromWorker::Panicked {
                message: "boom".into(),
            },
        );
        assert!(out.contains(&Command::Terminate { lane: 1 }));
        worker(&mut v, 1, event(LaneEvent::Interval(interval(1, 0.1, 0.5))));
        assert!(v.lanes[1].intervals.is_empty());
        worker(&mut v, 0, event(LaneEvent::Interval(interval(0, 0.1, 0.5))));
        assert_eq!(v.lanes[0].intervals.len(), 1, "the other lane goes on");
    }

    #[test]
    fn a_crash_marks_its_lane_offers_a_restart_and_the_restart_rebuilds_it() {
        let mut v = ready_view();
        v.update(Msg::Start, 0.0);
        v.update(
            Msg::FromWorker {
                lane: 1,
                message: FromWorker::Panicked {
                    message: "boom".into(),
                },
            },
            1.0,
        );
        assert_eq!(v.status(), "racing · a lane crashed");
        assert!(v.lane_card(1).crashed);
        assert_eq!(v.lane_card(0).status, "training");
        assert!(v.offers_restart());
        assert!(v.errors[0].contains("The ReLU lane's worker crashed: boom"));
        // A second report of the same death adds nothing.
        v.update(
            Msg::WorkerFailed {
                lane: 1,
                message: "boom".into(),
            },
            1.0,
        );
        assert_eq!(v.errors.len(), 1);
        worker(&mut v, 0, event(LaneEvent::Interval(interval(0, 0.5, 0.8))));
        // Nothing is sent to a dead worker.
        let out = v.update(Msg::TogglePause, 2.0);
        assert_eq!(posts(&out), vec![(0, ToWorker::Pause)]);
        // The other lane can resume without it, and the race ends when that lane finishes.
        let c = v.controls();
        assert!(c.pause.enabled && c.pause.label == "Resume");
        let out = v.update(Msg::TogglePause, 2.5);
        assert_eq!(posts(&out), vec![(0, ToWorker::Start)]);
        assert_eq!(v.lanes[1].phase, LanePhase::Paused);
        worker(&mut v, 0, event(LaneEvent::Interval(interval(0, 1.0, 0.9))));
        let out = worker(&mut v, 0, event(LaneEvent::Finished { lane: 0 }));
        assert_eq!(
            announcements(&out),
            ["The race is over; no lane reached the finish line."]
        );
        assert_eq!(v.controls().start.label, "Race again");
        let out = v.update(Msg::RestartCrashed, 3.0);
        assert!(out.contains(&Command::Terminate { lane: 1 }));
        assert!(out.contains(&Command::Spawn { lane: 1 }));
        assert!(v.errors.is_empty());
        assert_eq!(v.lanes[1].worker, WorkerPhase::Starting);
        // The new worker gets Load and Configure when ready.
        let sent = posts(&worker(&mut v, 1, FromWorker::Ready));
        assert!(matches!(sent[0], (1, ToWorker::Load { .. })));
        assert!(matches!(sent[1], (1, ToWorker::Configure { .. })));
    }

    #[test]
    fn the_input_is_sent_once_and_answers_are_matched_to_it() {
        let mut v = ready_view();
        let pixels = [7u8; INPUT];
        let out = v.update(
            Msg::Input {
                pixels: Some(Box::new(pixels)),
                started_ms: 50.0,
            },
            52.0,
        );
        let sent = posts(&out);
        assert_eq!(sent.len(), 2);
        let ToWorker::SetInput { request, .. } = sent[0].1.clone() else {
            panic!("{sent:?}")
        };
        assert_eq!(v.prediction_card(0).note, "thinking…");
        let mut p = [0.05f32; CLASSES];
        p[3] = 0.55;
        let answer = |request, probabilities| FromWorker::Prediction {
            request,
            lane: 0,
            probabilities,
            samples_seen: 0,
            layers: vec![],
        };
        // The answer to an older input is ignored.
        worker(&mut v, 0, answer(request.wrapping_sub(1), p));
        assert!(v.lanes[0].prediction.is_none());
        v.update(
            Msg::FromWorker {
                lane: 0,
                message: answer(request, p),
            },
            58.5,
        );
        let card = v.prediction_card(0);
        assert_eq!(card.top, "3");
        assert!(card.note.contains("answered in 8.5 ms"), "{}", card.note);
        assert!(card.bars[3].top && card.bars[3].text == "55.0%");
        assert_eq!(v.lane_card(0).prediction, "3");
        // A re-reading after a report keeps the first answer's time, at the report's pace.
        p[3] = 0.05;
        p[8] = 0.55;
        let out = v.update(
            Msg::FromWorker {
                lane: 0,
                message: answer(request, p),
            },
            900.0,
        );
        assert_eq!(out, vec![Command::Redraw(Redraw::Paced)]);
        assert_eq!(v.prediction_card(0).top, "8");
        assert!(v.prediction_card(0).note.contains("8.5 ms"));
        // Clearing the pad clears the workers' input too.
        let out = v.update(
            Msg::Input {
                pixels: None,
                started_ms: 1000.0,
            },
            1000.0,
        );
        assert_eq!(
            posts(&out),
            vec![(0, ToWorker::ClearInput), (1, ToWorker::ClearInput)]
        );
        assert_eq!(v.lane_card(0).prediction, "—");
        assert_eq!(v.prediction_card(0).note, "draw a digit on the pad");
    }

    #[test]
    fn a_restarted_worker_receives_the_current_input() {
        let mut v = ready_view();
        v.update(
            Msg::Input {
                pixels: Some(Box::new([1u8; INPUT])),
                started_ms: 0.0,
            },
            0.0,
        );
        v.update(
            Msg::WorkerFailed {
                lane: 0,
                message: "x".into(),
            },
            1.0,
        );
        v.update(Msg::RestartCrashed, 2.0);
        let sent = posts(&worker(&mut v, 0, FromWorker::Ready));
        assert!(
            matches!(sent.last(), Some((0, ToWorker::SetInput { .. }))),
            "{sent:?}"
        );
        // The lane that stayed up keeps its input and is not sent it again.
        let others: Vec<_> = posts(&v.update(Msg::Reset, 3.0));
        assert!(
            !others
                .iter()
                .any(|(_, m)| matches!(m, ToWorker::SetInput { .. }))
        );
    }

    #[test]
    fn a_test_digit_is_shown_and_becomes_the_input() {
        let mut v = ready_view();
        let out = v.update(Msg::RandomDigit { index: 123_456 }, 0.0);
        assert_eq!(
            posts(&out),
            vec![(
                0,
                ToWorker::TestDigit {
                    request: 0,
                    index: 123_456
                }
            )]
        );
        let out = worker(
            &mut v,
            0,
            FromWorker::TestDigit {
                request: 0,
                index: 3456,
                label: 4,
                pixels: vec![9; INPUT],
            },
        );
        assert!(out.iter().any(|c| matches!(c,
            Command::ShowTestDigit { caption, .. } if caption == "MNIST test image #3456, labelled 4.")));
        assert_eq!(
            posts(&out)
                .iter()
                .filter(|(_, m)| matches!(m, ToWorker::SetInput { .. }))
                .count(),
            2
        );
        assert!(v.has_input());
    }

    fn announcements(out: &[Command]) -> Vec<&str> {
        out.iter()
            .filter_map(|c| match c {
                Command::Announce { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn prediction(lane: usize, request: u32, top: usize) -> FromWorker {
        let mut probabilities = [0.01; CLASSES];
        probabilities[top] = 0.91;
        FromWorker::Prediction {
            request,
            lane,
            probabilities,
            samples_seen: 0,
            layers: vec![],
        }
    }

    #[test]
    fn ready_is_announced_once_when_mnist_is_first_loaded() {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        let mut said = Vec::new();
        for lane in 0..2 {
            for m in [FromWorker::Ready, loaded(), configured(lane)] {
                said.extend(
                    announcements(&worker(&mut v, lane, m))
                        .iter()
                        .map(|s| s.to_string()),
                );
            }
        }
        assert_eq!(
            said,
            ["MNIST is loaded and the race is ready: press Start race."]
        );
        // A reset makes the lanes wait again; being ready once more is not news.
        v.update(Msg::Reset, 1.0);
        for lane in 0..2 {
            assert!(announcements(&worker(&mut v, lane, configured(lane))).is_empty());
        }
    }

    #[test]
    fn the_answers_to_a_test_digit_are_summarised_and_announced_once_all_lanes_answered() {
        let mut v = ready_view();
        assert!(v.answers_summary().starts_with("No digit on the pad yet"));
        v.update(Msg::RandomDigit { index: 7 }, 0.0);
        let digit = FromWorker::TestDigit {
            request: 0,
            index: 7,
            label: 9,
            pixels: vec![9; INPUT],
        };
        worker(&mut v, 0, digit);
        let request = v.request;
        assert_eq!(
            v.answers_summary(),
            "Sigmoid is still reading it; ReLU is still reading it."
        );
        let out = worker(&mut v, 1, prediction(1, request, 9));
        assert!(announcements(&out).is_empty(), "Sigmoid has not answered");
        let out = worker(&mut v, 0, prediction(0, request, 4));
        assert_eq!(
            announcements(&out),
            [
                "MNIST test image #7, labelled 9. Sigmoid reads 4 (91% sure); ReLU reads 9 (91% sure)."
            ]
        );
        // Re-readings after reports update the summary without announcing again.
        let out = worker(&mut v, 0, prediction(0, request, 9));
        assert!(announcements(&out).is_empty());
        assert_eq!(
            v.answers_summary(),
            "Sigmoid reads 9 (91% sure); ReLU reads 9 (91% sure)."
        );
        // A drawing from the pad is not announced (the summary still says what the lanes read).
        v.update(
            Msg::Input {
                pixels: Some(Box::new([3; INPUT])),
                started_ms: 1.0,
            },
            1.0,
        );
        let request = v.request;
        for lane in 0..2 {
            assert!(announcements(&worker(&mut v, lane, prediction(lane, request, 3))).is_empty());
        }
        // A crashed lane does not hold the announcement back.
        v.update(Msg::RandomDigit { index: 8 }, 2.0);
        worker(
            &mut v,
            1,
            FromWorker::Panicked {
                message: "boom".into(),
            },
        );
        let digit = FromWorker::TestDigit {
            request: 0,
            index: 8,
            label: 1,
            pixels: vec![9; INPUT],
        };
        worker(&mut v, 0, digit);
        let request = v.request;
        let out = worker(&mut v, 0, prediction(0, request, 1));
        assert_eq!(
            announcements(&out),
            [
                "MNIST test image #8, labelled 1. Sigmoid reads 1 (91% sure); ReLU cannot answer: its worker crashed."
            ]
        );
    }

    #[test]
    fn a_failed_load_offers_to_try_again_and_a_crash_to_restart() {
        let mut v = ready_view();
        assert_eq!(v.restart_label(), None);
        worker(
            &mut v,
            1,
            FromWorker::LoadFailed {
                message: "MNIST could not be loaded: data/x.gz: truncated".into(),
            },
        );
        assert_eq!(v.restart_label(), Some("Try loading again"));
        let out = v.update(Msg::RestartCrashed, 1.0);
        assert!(out.contains(&Command::Terminate { lane: 1 }));
        assert!(out.contains(&Command::Spawn { lane: 1 }));
        assert!(
            !out.contains(&Command::Spawn { lane: 0 }),
            "lane 0 keeps its worker"
        );
        assert!(v.errors.is_empty());
        assert_eq!(v.lanes[1].worker, WorkerPhase::Starting);
        worker(
            &mut v,
            0,
            FromWorker::Panicked {
                message: "boom".into(),
            },
        );
        assert_eq!(v.restart_label(), Some("Restart lane"));
    }

    #[test]
    fn new_settings_resize_the_race_and_rewrite_the_url() {
        let mut v = ready_view();
        let mut config = v.config.clone();
        config.add_lane();
        let out = v.update(Msg::Configure(config.clone()), 0.0);
        assert!(out.contains(&Command::Spawn { lane: 2 }));
        assert!(out.iter().any(
            |c| matches!(c, Command::WriteUrl { query } if query.contains("lanes=sigmoid,relu,leaky_relu"))
        ));
        assert_eq!(v.lanes.len(), 3);
        assert_eq!(v.lane_card(2).name, "Leaky ReLU");
        // The same settings again change nothing.
        let out = v.update(Msg::Configure(config.clone()), 1.0);
        assert_eq!(out, vec![Command::Redraw(Redraw::Now)]);
        config.remove_lane(0);
        config.lane_learning_rates = Some(vec![0.01, 0.1]);
        let out = v.update(Msg::Configure(config), 2.0);
        assert!(out.contains(&Command::Terminate { lane: 2 }));
        assert_eq!(v.lanes.len(), 2);
        assert_eq!(v.label(0), "ReLU · lr 0.01");
        assert_eq!(v.lanes[0].activation, Activation::Relu);
    }

    #[test]
    fn load_failures_refusals_and_unreadable_messages_are_shown() {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        worker(&mut v, 0, FromWorker::Ready);
        worker(
            &mut v,
            0,
            FromWorker::LoadFailed {
                message: "data/train-labels-idx1-ubyte.gz is not valid gzip data".into(),
            },
        );
        assert_eq!(v.status(), "MNIST could not be loaded");
        assert!(v.errors[0].starts_with("Sigmoid lane: data/train-labels"));
        assert!(!v.controls().start.enabled);
        assert_eq!(v.lane_card(0).status, "no data");
        worker(
            &mut v,
            1,
            FromWorker::Refused {
                lane: 1,
                message: "batch size 0 is outside 1–2048".into(),
            },
        );
        v.update(
            Msg::Unreadable {
                lane: 1,
                error: "invalid type".into(),
            },
            0.0,
        );
        assert_eq!(v.errors.len(), 3);
        assert!(v.errors[2].contains("could not read (invalid type)"));
        v.update(Msg::DismissErrors, 0.0);
        assert!(v.errors.is_empty());
        // Messages for lanes that do not exist are ignored.
        worker(&mut v, 9, FromWorker::Ready);
    }

    #[test]
    fn step_mode_steps_every_lane_still_racing_and_only_while_paused() {
        let mut v = ready_view();
        let out = v.update(Msg::Step(StepTo::Batch), 0.0);
        assert_eq!(
            posts(&out),
            vec![
                (0, ToWorker::Step { to: StepTo::Batch }),
                (1, ToWorker::Step { to: StepTo::Batch })
            ]
        );
        v.update(Msg::Start, 1.0);
        assert!(!v.can_step());
        assert!(posts(&v.update(Msg::Step(StepTo::Report), 2.0)).is_empty());
        v.update(Msg::TogglePause, 3.0);
        worker(&mut v, 0, event(LaneEvent::Finished { lane: 0 }));
        let out = v.update(Msg::Step(StepTo::Report), 4.0);
        assert_eq!(
            posts(&out),
            vec![(1, ToWorker::Step { to: StepTo::Report })],
            "a finished lane is not stepped"
        );
    }

    fn predictions(lane: usize, epoch: u32, predicted: [u8; 6], confidence: [u8; 6]) -> FromWorker {
        event(LaneEvent::TestPredictions(TestPredictions {
            lane,
            epoch,
            predicted: predicted.to_vec(),
            confidence: confidence.to_vec(),
        }))
    }

    #[test]
    fn the_gallery_lists_disagreements_and_loads_a_picked_image() {
        let mut v = ready_view();
        worker(
            &mut v,
            0,
            predictions(0, 1, [7, 2, 9, 0, 9, 1], [200, 250, 90, 99, 240, 30]),
        );
        assert!(v.gallery.is_none(), "waits for the other lane");
        let out = worker(
            &mut v,
            1,
            predictions(1, 1, [7, 3, 1, 0, 4, 7], [99, 60, 180, 99, 70, 40]),
        );
        let g = v.gallery.clone().expect("a gallery");
        // Image 1: Sigmoid right, ReLU wrong at 60; image 2: ReLU right, Sigmoid wrong at 90;
        // image 4: ReLU right, Sigmoid wrong at 240; image 5: Sigmoid right, ReLU wrong at 40.
        let order: Vec<u32> = g.items.iter().map(|d| d.index).collect();
        assert_eq!(order, [4, 2, 1, 5]);
        assert_eq!((g.total, g.epoch), (4, 1));
        assert_eq!(
            posts(&out),
            vec![(
                0,
                ToWorker::TestImages {
                    indices: vec![4, 2, 1, 5]
                }
            )]
        );
        // Picking needs the pixels first.
        assert!(posts(&v.update(Msg::PickTestImage { index: 4 }, 0.0)).is_empty());
        worker(
            &mut v,
            0,
            FromWorker::TestImages {
                images: vec![crate::protocol::TestImage {
                    index: 4,
                    label: 4,
                    pixels: vec![3; INPUT],
                }],
            },
        );
        let out = v.update(Msg::PickTestImage { index: 4 }, 0.0);
        assert!(
            out.iter()
                .any(|c| matches!(c, Command::ShowTestDigit { caption, .. }
            if caption == "MNIST test image #4, labelled 4: Sigmoid read 9, ReLU read 4."))
        );
        assert_eq!(posts(&out).len(), 2, "both lanes get the image as input");
        // Another epoch replaces the gallery; a reset clears it.
        v.update(Msg::Reset, 1.0);
        assert!(v.gallery.is_none());
    }

    #[test]
    fn receptive_fields_arrive_as_bytes_and_a_unit_can_be_selected() {
        let mut v = ready_view();
        let fields = ReceptiveFields {
            units: vec![0, 1],
            inputs: 2,
            weights: vec![0.5, -0.5, 1.0, 0.0],
            dead: vec![false, true],
        };
        let message = crate::protocol::FieldsMessage::encode(1, &fields, 0.5);
        worker(&mut v, 1, FromWorker::ReceptiveFields(message));
        assert_eq!(v.lanes[1].fields, Some((fields, 0.5)));
        v.update(Msg::SelectUnit { lane: 1, unit: 9 }, 0.0);
        assert_eq!(v.selected_unit, None, "not a watched unit");
        v.update(Msg::SelectUnit { lane: 1, unit: 1 }, 0.0);
        assert_eq!(v.selected_unit, Some((1, 1)));
        // Configure asks each worker to watch the first units of the first layer.
        let out = v.update(Msg::Reset, 1.0);
        assert!(posts(&out).contains(&(
            0,
            ToWorker::WatchUnits {
                units: (0..WATCHED_UNITS).collect()
            }
        )));
        assert_eq!(v.lanes[1].fields, None);
    }

    #[test]
    fn the_page_says_what_is_shared_and_when_the_comparison_is_not_controlled() {
        let mut v = ready_view();
        assert_eq!(
            v.shared_settings(),
            "Shared by every lane: network 784-128-64-10 · SGD · learning rate 0.1 · batch 64 · Glorot initialisation · seed 42 (same initial draws and batch order) · 55000 training images."
        );
        assert_eq!(v.comparison_warning(), None);
        let mut c = v.config.clone();
        c.activations = vec![Activation::Relu, Activation::Relu];
        c.lane_learning_rates = Some(vec![0.1, 0.01]);
        v.update(Msg::Configure(c.clone()), 0.0);
        assert!(v.shared_settings().contains("ReLU activation"));
        assert!(!v.shared_settings().contains("learning rate"));
        assert_eq!(v.comparison_warning(), None, "one variable: controlled");
        c.activations = vec![Activation::Sigmoid, Activation::Relu];
        v.update(Msg::Configure(c.clone()), 0.0);
        assert!(
            v.comparison_warning()
                .unwrap()
                .contains("differ in activation and learning rate")
        );
        c.activations = vec![Activation::Relu, Activation::Relu];
        c.lane_learning_rates = None;
        v.update(Msg::Configure(c), 0.0);
        assert!(v.comparison_warning().unwrap().contains("exactly alike"));
    }

    #[test]
    fn a_race_repeated_with_three_seeds_races_them_one_after_another_and_keeps_the_bands() {
        let config = RaceConfig {
            repeat_seeds: 3,
            ..RaceConfig::default()
        };
        let mut v = RaceView::new(config.clone());
        let out = v.update(Msg::Boot, 0.0);
        assert!(
            out.iter()
                .any(|c| matches!(c, Command::WriteUrl { query } if query.ends_with("&seeds=3")))
        );
        for lane in 0..2 {
            worker(&mut v, lane, FromWorker::Ready);
            worker(&mut v, lane, loaded());
            worker(&mut v, lane, configured(lane));
        }
        assert_eq!(v.status(), "ready — press Start race · seed 1 of 3 (42)");
        assert!(
            v.shared_settings()
                .contains("seeds 42–44, one after another")
        );
        v.update(Msg::Start, 1.0);
        assert_eq!(v.status(), "racing · seed 1 of 3 (42)");
        let configured_and_running = |v: &mut RaceView| {
            for lane in 0..2 {
                worker(v, lane, configured(lane));
                let running = FromWorker::State {
                    lane,
                    running: true,
                    epochs_done: 0.0,
                    samples_seen: 0,
                };
                worker(v, lane, running);
            }
        };
        // Each run: one report per lane, then both finish.
        let race_seed = |v: &mut RaceView, accuracy: [f32; 2]| -> Vec<Command> {
            let mut out = Vec::new();
            for (lane, &acc) in accuracy.iter().enumerate() {
                let r = interval(lane, 0.5, acc);
                worker(v, lane, event(LaneEvent::Interval(r)));
            }
            for lane in 0..2 {
                out.extend(worker(v, lane, event(LaneEvent::Finished { lane })));
            }
            out
        };
        let out = race_seed(&mut v, [0.5, 0.9]);
        // The next seed is configured and started at once, its lanes emptied.
        let sent = posts(&out);
        for lane in 0..2 {
            assert!(sent.iter().any(|(l, m)| *l == lane
                && matches!(m, ToWorker::Configure { config, .. } if config.seed == 43)));
            let configure = sent
                .iter()
                .position(|(l, m)| *l == lane && matches!(m, ToWorker::Configure { .. }));
            let start = sent
                .iter()
                .position(|(l, m)| *l == lane && *m == ToWorker::Start);
            assert!(configure < start, "{sent:?}");
        }
        assert!(
            announcements(&out)
                .iter()
                .any(|a| a.starts_with("Seed 1 of 3 (42): The race is over"))
        );
        assert!(announcements(&out).contains(&"Seed 2 of 3 (43) has started."));
        assert!(
            v.lanes
                .iter()
                .all(|l| l.intervals.is_empty() && l.phase == LanePhase::Configuring)
        );
        // Anything of the finished run still in flight is dropped while the lanes configure.
        worker(
            &mut v,
            0,
            event(LaneEvent::Interval(interval(0, 0.55, 0.1))),
        );
        assert!(v.lanes[0].intervals.is_empty());
        configured_and_running(&mut v);
        assert_eq!(v.status(), "racing · seed 2 of 3 (43)");
        assert_eq!(v.seed_runs.bands_of(1).unwrap().runs(), 1);
        race_seed(&mut v, [0.6, 0.8]);
        configured_and_running(&mut v);
        let out = race_seed(&mut v, [0.7, 0.95]);
        assert!(
            announcements(&out)
                .iter()
                .any(|a| a.starts_with("All 3 seeds have raced"))
        );
        assert!(posts(&out).is_empty(), "nothing races after the last seed");
        assert_eq!(v.status(), "finished · seed 3 of 3 (44)");
        let relu = v.seed_runs.bands_of(1).unwrap();
        assert_eq!(relu.seeds, vec![42, 43, 44]);
        let acc = relu.accuracy[0].spread;
        assert_eq!((acc.n, acc.min, acc.max), (3, 0.8, 0.95));
        // The download holds the last run and the two before it.
        let record = crate::view::export::page_record(&v, "http://x/");
        assert_eq!(record.record.config.seed, 44);
        let earlier: Vec<u32> = record.seed_runs.iter().map(|r| r.config.seed).collect();
        assert_eq!(earlier, [42, 43]);
        // Racing again starts from the first seed; so does Reset midway.
        let out = v.update(Msg::Start, 2.0);
        assert!(
            posts(&out)
                .iter()
                .any(|(_, m)| matches!(m, ToWorker::Configure { config, .. } if config.seed == 42))
        );
        assert!(v.seed_runs.finished.is_empty() && v.seed_runs.bands_of(0).is_none());
        for lane in 0..2 {
            worker(&mut v, lane, configured(lane));
        }
        race_seed(&mut v, [0.5, 0.9]);
        assert_eq!(v.seed_runs.finished.len(), 1);
        v.update(Msg::Reset, 3.0);
        assert!(v.seed_runs.finished.is_empty());
        assert_eq!(v.seed_runs.current_seed(), 42);
    }

    #[test]
    fn a_crashed_lane_halts_the_series() {
        let config = RaceConfig {
            repeat_seeds: 2,
            ..RaceConfig::default()
        };
        let mut v = RaceView::new(config);
        v.update(Msg::Boot, 0.0);
        for lane in 0..2 {
            worker(&mut v, lane, FromWorker::Ready);
            worker(&mut v, lane, loaded());
            worker(&mut v, lane, configured(lane));
        }
        v.update(Msg::Start, 1.0);
        worker(&mut v, 1, event(LaneEvent::Interval(interval(1, 0.5, 0.9))));
        v.update(
            Msg::WorkerFailed {
                lane: 0,
                message: "gone".into(),
            },
            2.0,
        );
        let out = worker(&mut v, 1, event(LaneEvent::Finished { lane: 1 }));
        assert!(posts(&out).is_empty());
        assert!(v.seed_runs.finished.is_empty());
    }

    #[test]
    fn a_lesson_judges_its_race_from_the_reports_when_it_ends() {
        let lesson = Lesson::FairRace;
        let page = settings::PageOptions {
            lesson: Some(lesson),
            hide_settings: true,
        };
        let mut v = RaceView::with_page(lesson.config(), page);
        let out = v.update(Msg::Boot, 0.0);
        assert!(out.iter().any(|c| matches!(c, Command::WriteUrl { query }
            if query.starts_with("lesson=fair-race&class=1&hidden=128,64"))));
        for lane in 0..2 {
            worker(&mut v, lane, FromWorker::Ready);
            worker(&mut v, lane, loaded());
            worker(&mut v, lane, configured(lane));
        }
        v.update(Msg::Start, 1.0);
        worker(&mut v, 0, event(LaneEvent::Interval(interval(0, 1.0, 0.9))));
        worker(
            &mut v,
            1,
            event(LaneEvent::Interval(interval(1, 0.7, 0.96))),
        );
        worker(&mut v, 0, event(LaneEvent::Finished { lane: 0 }));
        assert_eq!(v.verdict, None, "not before the last lane ends");
        let out = worker(&mut v, 1, event(LaneEvent::Finished { lane: 1 }));
        let verdict = v.verdict.clone().expect("a verdict at the end");
        assert!(
            verdict.starts_with(
                "ReLU crossed 95.0% after 0.70 epochs, Sigmoid never did (best 90.0%)."
            ),
            "{verdict}"
        );
        assert_eq!(Some(verdict.clone()), v.lesson_verdict());
        assert!(announcements(&out).contains(&verdict.as_str()));
        // Racing again clears it; showing the settings rewrites the address without class=1.
        v.update(Msg::Start, 2.0);
        assert_eq!(v.verdict, None);
        let out = v.update(Msg::ShowSettings(true), 3.0);
        assert!(out.iter().any(|c| matches!(c, Command::WriteUrl { query }
            if query.starts_with("lesson=fair-race&hidden="))));
        // Another activation is another race: the lesson is left.
        let mut other = lesson.config();
        other.activations[0] = Activation::Tanh;
        v.update(Msg::Configure(other.clone()), 4.0);
        assert_eq!(v.lesson(), None);
        // An address whose defining settings are not the lesson's is no lesson either.
        assert_eq!(RaceView::with_page(other, page).lesson(), None);
    }
}
