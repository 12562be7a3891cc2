//! The page: settings (mirrored in the URL), one Web Worker per lane, the race strip, the live
//! charts and the drawing pad.
//!
//! All state lives in one [`App`] on the main thread; DOM events and worker messages are turned
//! into method calls on it. Training happens only in the workers, so the main thread does little
//! more than draw.

use super::charts::{self, LaneSeries};
use super::dom::{self, append, by_id, create, on, set_style, set_text, text};
use super::pad::Pad;
use super::post::post_to_worker;
use crate::activation::Activation;
use crate::network::{CLASSES, INPUT, argmax};
use crate::protocol::{FromWorker, ToWorker};
use crate::race::{RaceConfig, limits};
use crate::report::{EpochReport, IntervalReport, LaneEvent};
use crate::settings;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{
    ErrorEvent, Event, HtmlButtonElement, HtmlCanvasElement, HtmlElement, HtmlInputElement,
    HtmlSelectElement, MessageEvent, PointerEvent, Worker, WorkerOptions, WorkerType,
};

/// Lane colours: the Okabe–Ito palette, distinguishable with every common colour-vision
/// deficiency.
pub const LANE_COLORS: [(u8, u8, u8); limits::MAX_LANES] = [
    (0xE6, 0x9F, 0x00),
    (0x00, 0x72, 0xB2),
    (0x00, 0x9E, 0x73),
    (0xCC, 0x79, 0xA7),
];

/// Where the workers find the MNIST assets, relative to the page (and so to the worker script).
const DATA_URL: &str = "data/";

/// Shortest time between two redraws of the race view (cards, bars, charts) while a race runs
/// (4 per second).
const RACE_VIEW_INTERVAL_MS: f64 = 250.0;

fn css_color((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

/// Runs `f` on the app, if it is up. Event handlers enter here.
fn with_app(f: impl FnOnce(&mut App)) {
    APP.with(|a| {
        if let Ok(mut guard) = a.try_borrow_mut()
            && let Some(app) = guard.as_mut()
        {
            f(app);
        }
    });
}

/// The page's entry point.
pub fn start() {
    super::install_panic_hook(|message| {
        show_error_directly(&format!(
            "The page hit an internal error and may not respond any more: {message}. Reloading the page starts afresh."
        ))
    });
    match App::new() {
        Ok(app) => {
            APP.with(|a| *a.borrow_mut() = Some(app));
            wire_events();
            with_app(|app| app.boot());
        }
        Err(e) => show_error_directly(&format!("The page could not start: {e}")),
    }
}

/// Asks lane `lane`'s worker to panic (the crash path's test hook).
pub fn crash_lane(lane: usize) {
    with_app(|app| {
        if let Some(l) = app.lanes.get(lane) {
            l.send(&ToWorker::Crash);
        }
    });
}

/// Everything the lanes reported so far, for tests and tooling: a JS array with, per lane,
/// `{lane, activation, intervals: [IntervalReport…], epochs: [EpochReport…]}`.
pub fn reports() -> JsValue {
    #[derive(serde::Serialize)]
    struct LaneReports<'a> {
        lane: usize,
        activation: Activation,
        intervals: &'a [IntervalReport],
        epochs: &'a [EpochReport],
    }
    let mut out = JsValue::NULL;
    with_app(|app| {
        let lanes: Vec<LaneReports> = app
            .lanes
            .iter()
            .map(|l| LaneReports {
                lane: l.index,
                activation: l.activation,
                intervals: &l.intervals,
                epochs: &l.epochs,
            })
            .collect();
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        out = serde::Serialize::serialize(&lanes, &serializer).unwrap_or(JsValue::NULL);
    });
    out
}

/// Shows an error without the app (when it is not up, or borrowed by a panicking handler).
fn show_error_directly(message: &str) {
    if let Ok(banner) = by_id::<HtmlElement>("error") {
        if let Some(t) = banner.query_selector(".banner-text").ok().flatten() {
            t.set_text_content(Some(message));
        }
        banner.set_hidden(false);
    }
}

/// One lane as the page sees it: its worker, what it reported, its DOM.
struct LaneView {
    index: usize,
    activation: Activation,
    worker: Option<Worker>,
    ready: bool,
    loaded: bool,
    load_fraction: f32,
    /// Configure was sent and `Configured` not yet received: events in flight belong to the
    /// previous race and are dropped.
    configuring: bool,
    running: bool,
    finished: bool,
    diverged: Option<String>,
    crashed: Option<String>,
    outbox: Vec<ToWorker>,
    intervals: Vec<IntervalReport>,
    epochs: Vec<EpochReport>,
    /// Epochs and seconds at which the lane first reached the target accuracy.
    reached: Option<(f64, f64)>,
    prediction: Option<[f32; CLASSES]>,
    /// Milliseconds from the request to this lane's answer.
    prediction_ms: f64,
    card: LaneCard,
    bars: PredictionCard,
}

struct LaneCard {
    root: HtmlElement,
    name: HtmlElement,
    status: HtmlElement,
    epoch: HtmlElement,
    epochs_total: HtmlElement,
    accuracy: HtmlElement,
    speed: HtmlElement,
    prediction: HtmlElement,
    progress: HtmlElement,
    progress_label: HtmlElement,
    trophy: HtmlElement,
}

struct PredictionCard {
    root: HtmlElement,
    title: HtmlElement,
    top: HtmlElement,
    note: HtmlElement,
    fills: Vec<HtmlElement>,
    rows: Vec<HtmlElement>,
    pcts: Vec<HtmlElement>,
}

impl LaneView {
    fn send(&self, message: &ToWorker) {
        if let Some(w) = &self.worker
            && let Err(e) = post_to_worker(w, message)
        {
            web_sys::console::error_1(&e.into());
        }
    }

    /// Sends now if the worker is ready, else queues until its `Ready`.
    fn command(&mut self, message: ToWorker) {
        if self.ready {
            self.send(&message);
        } else {
            self.outbox.push(message);
        }
    }

    fn label(&self, config: &RaceConfig) -> String {
        if config.lane_learning_rates.is_some() {
            format!(
                "{} (lr {})",
                self.activation.label(),
                config.learning_rate_of(self.index)
            )
        } else {
            self.activation.label().to_string()
        }
    }

    fn usable(&self) -> bool {
        self.worker.is_some() && self.crashed.is_none()
    }

    fn clear_race(&mut self) {
        self.intervals.clear();
        self.epochs.clear();
        self.reached = None;
        self.running = false;
        self.finished = false;
        self.diverged = None;
    }
}

struct Elements {
    start: HtmlButtonElement,
    pause: HtmlButtonElement,
    reset: HtmlButtonElement,
    race_status: HtmlElement,
    lanes: HtmlElement,
    finish: HtmlElement,
    predictions: HtmlElement,
    error: HtmlElement,
    error_text: HtmlElement,
    error_actions: HtmlElement,
    notices: HtmlElement,
    lane_settings: HtmlElement,
    add_lane: HtmlButtonElement,
    per_lane_lr: HtmlInputElement,
    hidden: HtmlInputElement,
    lr: HtmlInputElement,
    optimizer: HtmlSelectElement,
    batch: HtmlInputElement,
    epochs: HtmlInputElement,
    seed: HtmlInputElement,
    train: HtmlInputElement,
    init: HtmlSelectElement,
    target: HtmlInputElement,
    random_digit: HtmlButtonElement,
    sample_label: HtmlElement,
    charts: [HtmlCanvasElement; 4],
}

impl Elements {
    fn find() -> Result<Elements, String> {
        Ok(Elements {
            start: by_id("start")?,
            pause: by_id("pause")?,
            reset: by_id("reset")?,
            race_status: by_id("race-status")?,
            lanes: by_id("lanes")?,
            finish: by_id("finish")?,
            predictions: by_id("predictions")?,
            error: by_id("error")?,
            error_text: by_id::<HtmlElement>("error")?
                .query_selector(".banner-text")
                .ok()
                .flatten()
                .ok_or("the error banner has no text")?
                .unchecked_into(),
            error_actions: by_id::<HtmlElement>("error")?
                .query_selector(".banner-actions")
                .ok()
                .flatten()
                .ok_or("the error banner has no actions")?
                .unchecked_into(),
            notices: by_id("notices")?,
            lane_settings: by_id("lane-settings")?,
            add_lane: by_id("add-lane")?,
            per_lane_lr: by_id("per-lane-lr")?,
            hidden: by_id("hidden")?,
            lr: by_id("lr")?,
            optimizer: by_id("optimizer")?,
            batch: by_id("batch")?,
            epochs: by_id("epochs")?,
            seed: by_id("seed")?,
            train: by_id("train")?,
            init: by_id("init")?,
            target: by_id("target")?,
            random_digit: by_id("random-digit")?,
            sample_label: by_id("sample-label")?,
            charts: [
                by_id("chart-loss")?,
                by_id("chart-accuracy")?,
                by_id("chart-gradients")?,
                by_id("chart-units")?,
            ],
        })
    }
}

struct App {
    config: RaceConfig,
    lanes: Vec<LaneView>,
    pad: Pad,
    /// The current input (a drawing or a test digit), as the networks see it.
    input: Option<[u8; INPUT]>,
    /// Id of the latest classification request; older answers are ignored.
    request: u32,
    /// When the latest request was sent (ms, `performance.now()`).
    request_sent: f64,
    winner: Option<usize>,
    errors: Vec<String>,
    frame_pending: bool,
    /// A frame is requested once [`RACE_VIEW_INTERVAL_MS`] has passed (a timer is pending).
    race_view_timer_pending: bool,
    /// When the race view was last drawn (ms, `performance.now()`).
    race_view_drawn_at: f64,
    /// Reports or re-readings arrived that the cards, bars and charts do not show yet.
    race_view_dirty: bool,
    input_dirty: bool,
    el: Elements,
}

impl App {
    fn new() -> Result<App, String> {
        let el = Elements::find()?;
        let pad = Pad::new(by_id("pad")?, &by_id("input-preview")?)?;
        let search = dom::window().location().search().unwrap_or_default();
        let parsed = settings::from_query(&search);
        let app = App {
            config: parsed.config,
            lanes: Vec::new(),
            pad,
            input: None,
            request: 0,
            request_sent: 0.0,
            winner: None,
            errors: Vec::new(),
            frame_pending: false,
            race_view_timer_pending: false,
            race_view_drawn_at: f64::NEG_INFINITY,
            race_view_dirty: true,
            input_dirty: false,
            el,
        };
        app.show_notices(&parsed.notices);
        Ok(app)
    }

    fn boot(&mut self) {
        self.render_settings();
        self.sync_lanes();
        self.size_charts();
        self.write_url();
        self.refresh();
    }

    // ----- settings ------------------------------------------------------------------------

    fn render_settings(&self) {
        let c = &self.config;
        let el = &self.el;
        el.lane_settings.set_inner_html("");
        let per_lane = c.lane_learning_rates.is_some();
        el.per_lane_lr.set_checked(per_lane);
        for (i, act) in c.activations.iter().enumerate() {
            let row = create("div", "lane-setting");
            let swatch = create("span", "swatch");
            set_style(&swatch, "background", &css_color(LANE_COLORS[i]));
            append(&row, &swatch);
            let select: HtmlSelectElement = create("select", "lane-activation").unchecked_into();
            select
                .set_attribute("aria-label", &format!("Lane {} activation", i + 1))
                .ok();
            for a in Activation::ALL {
                let opt = text("option", "", a.label());
                opt.set_attribute("value", a.key()).ok();
                append(&select, &opt);
            }
            select.set_value(act.key());
            append(&row, &select);
            if per_lane {
                let lr: HtmlInputElement = create("input", "lane-lr").unchecked_into();
                lr.set_type("number");
                lr.set_step("any");
                lr.set_attribute("aria-label", &format!("Lane {} learning rate", i + 1))
                    .ok();
                lr.set_value(&c.learning_rate_of(i).to_string());
                append(&row, &lr);
            }
            if c.activations.len() > 1 {
                let remove = text("button", "small remove", "×");
                remove.set_attribute("type", "button").ok();
                remove.set_attribute("data-remove", &i.to_string()).ok();
                remove
                    .set_attribute("aria-label", &format!("Remove lane {}", i + 1))
                    .ok();
                append(&row, &remove);
            }
            append(&el.lane_settings, &row);
        }
        el.add_lane
            .set_disabled(c.activations.len() >= limits::MAX_LANES);
        el.hidden.set_value(
            &c.hidden
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(","),
        );
        el.lr.set_value(&c.learning_rate.to_string());
        el.lr.set_disabled(per_lane);
        el.optimizer.set_value(c.optimizer.key());
        el.batch.set_value(&c.batch_size.to_string());
        el.epochs.set_value(&c.epochs.to_string());
        el.seed.set_value(&c.seed.to_string());
        el.train.set_value(&c.train_size.to_string());
        el.init.set_value(c.init.key());
        el.target.set_value(&format!(
            "{}",
            (c.target_accuracy as f64 * 1000.0).round() / 10.0
        ));
    }

    /// The settings form as a query string, in the URL's format: the current settings with
    /// what the form shows in place of each (settings without a control, like the Leaky ReLU
    /// slope, carry over).
    fn form_query(&self) -> String {
        let el = &self.el;
        let acts: Vec<String> = self
            .query_all("#lane-settings .lane-activation")
            .iter()
            .map(|s| s.unchecked_ref::<HtmlSelectElement>().value())
            .collect();
        let mut q = settings::to_query(&self.config);
        for (key, value) in [
            ("hidden", el.hidden.value().replace(' ', "")),
            ("lanes", acts.join(",")),
            ("lr", el.lr.value()),
            ("opt", el.optimizer.value()),
            ("batch", el.batch.value()),
            ("epochs", el.epochs.value()),
            ("seed", el.seed.value()),
            ("train", el.train.value()),
            ("init", el.init.value()),
            ("target", el.target.value()),
        ] {
            q = replace_param(&q, key, Some(&value));
        }
        let lane_rates = el.per_lane_lr.checked().then(|| {
            let mut rates: Vec<String> = self
                .query_all("#lane-settings .lane-lr")
                .iter()
                .map(|i| i.unchecked_ref::<HtmlInputElement>().value())
                .collect();
            // The box was just ticked: start every lane at the shared rate.
            while rates.len() < acts.len() {
                rates.push(el.lr.value());
            }
            rates.join(",")
        });
        replace_param(&q, "lane_lr", lane_rates.as_deref())
    }

    fn query_all(&self, selector: &str) -> Vec<web_sys::Element> {
        let mut out = Vec::new();
        if let Ok(list) = dom::document().query_selector_all(selector) {
            for i in 0..list.length() {
                if let Some(n) = list.item(i) {
                    out.push(n.unchecked_into());
                }
            }
        }
        out
    }

    /// Applies the form (or a change to it): clamps with notices, updates the URL, and starts a
    /// fresh race if anything changed.
    fn apply_query(&mut self, query: &str) {
        let parsed = settings::from_query(query);
        self.show_notices(&parsed.notices);
        let changed = parsed.config != self.config;
        self.config = parsed.config;
        self.render_settings();
        if changed {
            self.write_url();
            self.sync_lanes();
            self.reset_race();
        }
    }

    fn on_settings_changed(&mut self) {
        let q = self.form_query();
        self.apply_query(&q);
    }

    fn add_lane(&mut self) {
        if self.config.activations.len() >= limits::MAX_LANES {
            return;
        }
        let next = Activation::ALL
            .into_iter()
            .find(|a| !self.config.activations.contains(a))
            .unwrap_or(Activation::Relu);
        let mut q = self.form_query();
        let acts: Vec<&str> = self
            .config
            .activations
            .iter()
            .map(|a| a.key())
            .chain([next.key()])
            .collect();
        q = replace_param(&q, "lanes", Some(&acts.join(",")));
        if let Some(rates) = &self.config.lane_learning_rates {
            let mut r: Vec<String> = rates.iter().map(|x| x.to_string()).collect();
            r.push(self.config.learning_rate.to_string());
            q = replace_param(&q, "lane_lr", Some(&r.join(",")));
        }
        self.apply_query(&q);
    }

    fn remove_lane(&mut self, lane: usize) {
        if self.config.activations.len() <= 1 || lane >= self.config.activations.len() {
            return;
        }
        let mut acts = self.config.activations.clone();
        acts.remove(lane);
        let keys: Vec<&str> = acts.iter().map(|a| a.key()).collect();
        let mut q = replace_param(&self.form_query(), "lanes", Some(&keys.join(",")));
        if let Some(rates) = &self.config.lane_learning_rates {
            let mut r = rates.clone();
            r.remove(lane);
            let r: Vec<String> = r.iter().map(|x| x.to_string()).collect();
            q = replace_param(&q, "lane_lr", Some(&r.join(",")));
        }
        self.apply_query(&q);
    }

    fn new_seed(&mut self) {
        let mut bytes = [0u8; 4];
        if getrandom::fill(&mut bytes).is_ok() {
            let seed = u32::from_le_bytes(bytes) % 1_000_000;
            let q = replace_param(&self.form_query(), "seed", Some(&seed.to_string()));
            self.apply_query(&q);
        }
    }

    fn write_url(&self) {
        let q = format!("?{}", settings::to_query(&self.config));
        if let Ok(history) = dom::window().history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&q));
        }
    }

    fn show_notices(&self, notices: &[String]) {
        let box_ = &self.el.notices;
        if notices.is_empty() {
            box_.set_hidden(true);
            return;
        }
        box_.set_inner_html("");
        append(box_, &text("span", "", "Some settings were adjusted:"));
        let list = create("ul", "");
        for n in notices {
            append(&list, &text("li", "", n));
        }
        append(box_, &list);
        box_.set_hidden(false);
    }

    // ----- lanes and workers ---------------------------------------------------------------

    /// Makes the lanes match the configuration: one worker per lane, each configured afresh.
    fn sync_lanes(&mut self) {
        let wanted = self.config.activations.len();
        while self.lanes.len() > wanted {
            if let Some(l) = self.lanes.pop() {
                if let Some(w) = &l.worker {
                    w.terminate();
                }
                l.card.root.remove();
                l.bars.root.remove();
            }
        }
        while self.lanes.len() < wanted {
            let index = self.lanes.len();
            let activation = self.config.activations[index];
            let card = build_lane_card(index);
            let bars = build_prediction_card(index);
            append(&self.el.lanes, &card.root);
            append(&self.el.predictions, &bars.root);
            let mut lane = LaneView {
                index,
                activation,
                worker: None,
                ready: false,
                loaded: false,
                load_fraction: 0.0,
                configuring: false,
                running: false,
                finished: false,
                diverged: None,
                crashed: None,
                outbox: Vec::new(),
                intervals: Vec::new(),
                epochs: Vec::new(),
                reached: None,
                prediction: None,
                prediction_ms: 0.0,
                card,
                bars,
            };
            spawn_worker(&mut lane);
            self.lanes.push(lane);
        }
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            lane.activation = self.config.activations[i];
        }
        self.reset_race();
    }

    /// Rebuilds every lane's network from the configuration: a fresh race, not started.
    fn reset_race(&mut self) {
        self.winner = None;
        for lane in &mut self.lanes {
            lane.clear_race();
            if lane.usable() {
                lane.configuring = true;
                lane.command(ToWorker::Configure {
                    config: self.config.clone(),
                    lane: lane.index,
                });
            }
        }
        self.race_view_dirty = true;
        self.reclassify_all();
        self.refresh();
    }

    fn restart_crashed(&mut self) {
        for lane in &mut self.lanes {
            if lane.crashed.is_some() {
                if let Some(w) = lane.worker.take() {
                    w.terminate();
                }
                lane.crashed = None;
                lane.ready = false;
                lane.loaded = false;
                lane.load_fraction = 0.0;
                lane.outbox.clear();
                spawn_worker(lane);
            }
        }
        self.errors.clear();
        self.render_errors();
        self.reset_race();
    }

    fn all_loaded(&self) -> bool {
        self.lanes
            .iter()
            .all(|l| l.loaded && !l.configuring && l.usable())
    }

    fn any_running(&self) -> bool {
        self.lanes.iter().any(|l| l.running)
    }

    fn all_done(&self) -> bool {
        self.lanes
            .iter()
            .all(|l| l.finished || l.diverged.is_some())
    }

    fn start(&mut self) {
        if !self.all_loaded() {
            return;
        }
        if self.all_done() {
            self.reset_race();
        }
        for lane in &mut self.lanes {
            if !lane.finished && lane.diverged.is_none() {
                lane.command(ToWorker::Start);
                lane.running = true;
            }
        }
        self.refresh();
    }

    fn toggle_pause(&mut self) {
        if self.any_running() {
            for lane in &mut self.lanes {
                lane.command(ToWorker::Pause);
                lane.running = false;
            }
        } else {
            self.start();
        }
        self.refresh();
    }

    fn on_worker_message(&mut self, lane: usize, message: FromWorker) {
        let Some(l) = self.lanes.get_mut(lane) else {
            return;
        };
        match message {
            FromWorker::Ready => {
                l.ready = true;
                for m in std::mem::take(&mut l.outbox) {
                    l.send(&m);
                }
            }
            FromWorker::Loading { fraction, .. } => l.load_fraction = fraction,
            FromWorker::Loaded { .. } => {
                l.loaded = true;
                l.load_fraction = 1.0;
            }
            FromWorker::Configured { .. } => l.configuring = false,
            FromWorker::State { running, .. } => {
                if !l.configuring {
                    l.running = running;
                }
            }
            FromWorker::Event(event) => {
                if !l.configuring {
                    self.on_lane_event(lane, event);
                }
                // Reports are shown with the race view, at most every RACE_VIEW_INTERVAL_MS while racing.
                self.schedule_frame();
                return;
            }
            FromWorker::Prediction {
                request,
                probabilities,
                ..
            } => {
                if request == self.request && self.input.is_some() {
                    // The first answer to a new drawing is shown at once; a re-reading after a
                    // report keeps the report's pace.
                    let after_report = l.prediction.is_some();
                    l.prediction = Some(probabilities);
                    if after_report {
                        self.race_view_dirty = true;
                        self.schedule_frame();
                        return;
                    }
                    l.prediction_ms = now_ms() - self.request_sent;
                }
            }
            FromWorker::TestDigit {
                index,
                label,
                pixels,
                ..
            } => self.show_test_digit(index, label, &pixels),
            FromWorker::Error { message } => {
                let name = l.activation.label();
                self.add_error(format!("{name} lane: {message}"));
            }
            FromWorker::Panicked { message } => self.on_crash(lane, message),
            // Only the benchmark asks for snapshots.
            FromWorker::Snapshot { .. } => {}
        }
        self.refresh();
    }

    fn on_lane_event(&mut self, lane: usize, event: LaneEvent) {
        let target = self.config.target_accuracy;
        let l = &mut self.lanes[lane];
        match event {
            LaneEvent::Interval(r) => {
                if l.reached.is_none() && r.val_accuracy >= target {
                    l.reached = Some((r.epochs_done, r.elapsed_secs));
                    if self.winner.is_none() {
                        self.winner = Some(lane);
                    }
                }
                l.intervals.push(r);
                // The network changed: its reading of the current drawing may have too.
                if let Some(pixels) = self.input {
                    l.command(ToWorker::Classify {
                        request: self.request,
                        pixels: pixels.to_vec(),
                    });
                }
            }
            LaneEvent::Epoch(r) => l.epochs.push(r),
            LaneEvent::Diverged { message, .. } => {
                l.diverged = Some(message);
                l.running = false;
            }
            LaneEvent::Finished { .. } => {
                l.finished = true;
                l.running = false;
            }
            LaneEvent::TestPredictions(_) => {}
        }
        self.race_view_dirty = true;
    }

    fn on_crash(&mut self, lane: usize, message: String) {
        let Some(l) = self.lanes.get_mut(lane) else {
            return;
        };
        if l.crashed.is_some() {
            return;
        }
        l.crashed = Some(message.clone());
        l.running = false;
        let name = l.activation.label();
        self.add_error(format!(
            "The {name} lane's worker crashed: {message}. The other lanes are unaffected; restart the lane to race again."
        ));
        self.refresh();
    }

    fn add_error(&mut self, message: String) {
        if !self.errors.contains(&message) {
            self.errors.push(message);
        }
        self.render_errors();
    }

    fn render_errors(&self) {
        let el = &self.el;
        if self.errors.is_empty() {
            el.error.set_hidden(true);
            return;
        }
        el.error_text
            .set_text_content(Some(&self.errors.join("\n")));
        el.error_actions.set_inner_html("");
        if self.lanes.iter().any(|l| l.crashed.is_some()) {
            let b = text("button", "small", "Restart lane");
            b.set_attribute("data-action", "restart").ok();
            append(&el.error_actions, &b);
        }
        el.error.set_hidden(false);
    }

    // ----- drawing and predictions ---------------------------------------------------------

    fn on_pad_changed(&mut self) {
        self.el.sample_label.set_text_content(None);
        self.input_dirty = true;
        self.schedule_frame();
    }

    fn classify_drawing(&mut self) {
        self.input_dirty = false;
        // The answer time shown to the user includes reading the pad and MNIST's preprocessing.
        let started = now_ms();
        match self.pad.input() {
            Ok(Some(pixels)) => {
                self.pad.show_input(&pixels);
                self.set_input(Some(pixels));
                self.request_sent = started;
            }
            Ok(None) => self.set_input(None),
            Err(e) => self.add_error(e),
        }
    }

    fn set_input(&mut self, input: Option<[u8; INPUT]>) {
        self.input = input;
        self.reclassify_all();
    }

    fn reclassify_all(&mut self) {
        self.request = self.request.wrapping_add(1);
        self.request_sent = now_ms();
        let request = self.request;
        for lane in &mut self.lanes {
            lane.prediction = None;
            if let Some(pixels) = self.input
                && lane.usable()
            {
                lane.command(ToWorker::Classify {
                    request,
                    pixels: pixels.to_vec(),
                });
            }
        }
        self.refresh();
    }

    fn clear_pad(&mut self) {
        self.pad.clear();
        self.el.sample_label.set_text_content(None);
        self.set_input(None);
    }

    fn random_test_digit(&mut self) {
        let mut bytes = [0u8; 4];
        if getrandom::fill(&mut bytes).is_err() {
            return;
        }
        let index = u32::from_le_bytes(bytes);
        if let Some(l) = self.lanes.iter_mut().find(|l| l.loaded && l.usable()) {
            l.command(ToWorker::TestDigit { request: 0, index });
        }
    }

    fn show_test_digit(&mut self, index: u32, label: u8, pixels: &[u8]) {
        let Ok(pixels) = <[u8; INPUT]>::try_from(pixels) else {
            return;
        };
        self.pad.show_digit(&pixels);
        self.pad.show_input(&pixels);
        self.el.sample_label.set_text_content(Some(&format!(
            "MNIST test image #{index}, labelled {label}."
        )));
        // A test image is already in MNIST's format: classify it exactly as it is.
        self.set_input(Some(pixels));
    }

    // ----- rendering -----------------------------------------------------------------------

    fn schedule_frame(&mut self) {
        if !self.frame_pending {
            self.frame_pending = true;
            dom::next_frame(|| with_app(|app| app.on_frame()));
        }
    }

    fn on_frame(&mut self) {
        self.frame_pending = false;
        if self.input_dirty {
            self.classify_drawing();
        }
        // While racing, reports arrive ~15 times a second; redrawing the cards and four charts
        // for each would take CPU from the workers (two lanes need both cores of a small
        // machine). So the race view is redrawn at most every RACE_VIEW_INTERVAL_MS; what the user
        // did (a click, a drawing's first answer) is shown at once (`refresh`).
        let wait = self.race_view_drawn_at + RACE_VIEW_INTERVAL_MS - now_ms();
        let race_due = self.race_view_dirty && (wait <= 0.0 || !self.any_running());
        if self.race_view_dirty && !race_due {
            self.schedule_race_view_after(wait);
        }
        if race_due {
            self.render_ui();
            self.race_view_dirty = false;
            self.race_view_drawn_at = now_ms();
            self.draw_charts();
        }
    }

    fn schedule_race_view_after(&mut self, ms: f64) {
        if !self.race_view_timer_pending {
            self.race_view_timer_pending = true;
            dom::after_ms(ms, || {
                with_app(|app| {
                    app.race_view_timer_pending = false;
                    app.schedule_frame();
                })
            });
        }
    }

    fn size_charts(&mut self) {
        let dpr = dom::window().device_pixel_ratio().max(1.0);
        for c in &self.el.charts {
            let w = (c.client_width() as f64 * dpr).round() as u32;
            let h = (c.client_height() as f64 * dpr).round() as u32;
            if w > 0 && h > 0 && (c.width() != w || c.height() != h) {
                c.set_width(w);
                c.set_height(h);
            }
        }
        self.race_view_dirty = true;
        self.schedule_frame();
    }

    fn draw_charts(&self) {
        let series: Vec<LaneSeries> = self
            .lanes
            .iter()
            .map(|l| LaneSeries {
                label: l.label(&self.config),
                color: LANE_COLORS[l.index],
                intervals: &l.intervals,
                epochs: &l.epochs,
            })
            .collect();
        let [loss, acc, grads, units] = &self.el.charts;
        let results = [
            charts::draw_loss(loss, &series),
            charts::draw_accuracy(acc, &series, self.config.target_accuracy),
            charts::draw_gradients(grads, &series),
            charts::draw_units(units, &series),
        ];
        for r in results {
            if let Err(e) = r {
                web_sys::console::error_1(&format!("chart: {e}").into());
            }
        }
    }

    /// Shows the state at once after what the user did and the workers' control messages.
    /// (Reports are shown at the race view's pace, in `on_frame`.)
    fn refresh(&mut self) {
        self.render_ui();
        self.schedule_frame();
    }

    /// Updates the buttons, the status line, the lane cards, the finish line and the bars.
    fn render_ui(&self) {
        let loaded = self.all_loaded();
        let running = self.any_running();
        let started = self.lanes.iter().any(|l| !l.intervals.is_empty());
        let done = self.all_done();
        let el = &self.el;
        // Mid-race, Pause/Resume is the control; Start begins a race or runs it again.
        el.start
            .set_disabled(!loaded || running || (started && !done));
        set_text(
            &el.start,
            if done && started {
                "Race again"
            } else {
                "Start race"
            },
        );
        el.pause
            .set_disabled(!loaded || !(running || (started && !done)));
        set_text(
            &el.pause,
            if started && !done && !running {
                "Resume"
            } else {
                "Pause"
            },
        );
        el.reset.set_disabled(!loaded);
        el.random_digit
            .set_disabled(!self.lanes.iter().any(|l| l.loaded && l.usable()));
        let status = if self.lanes.iter().any(|l| l.crashed.is_some()) {
            "a lane crashed".to_string()
        } else if !self.lanes.iter().all(|l| l.loaded) {
            let f = self.lanes.iter().map(|l| l.load_fraction).sum::<f32>()
                / self.lanes.len().max(1) as f32;
            format!("loading MNIST… {:.0}%", 100.0 * f)
        } else if running {
            "racing".into()
        } else if done && started {
            "finished".into()
        } else if started {
            "paused".into()
        } else {
            "ready — press Start race".into()
        };
        set_text(&el.race_status, &format!("— {status}"));
        for i in 0..self.lanes.len() {
            self.render_lane(i);
            self.render_prediction(i);
        }
        self.render_finish();
    }

    fn render_lane(&self, i: usize) {
        let l = &self.lanes[i];
        let c = &l.card;
        set_text(&c.name, &l.label(&self.config));
        let last = l.intervals.last();
        let status = if l.crashed.is_some() {
            "crashed".to_string()
        } else if l.diverged.is_some() {
            "diverged".into()
        } else if !l.loaded {
            format!("loading {:.0}%", 100.0 * l.load_fraction)
        } else if l.finished {
            "finished".into()
        } else if l.running {
            "training".into()
        } else if last.is_some() {
            "paused".into()
        } else {
            "ready".into()
        };
        set_text(&c.status, &status);
        let root_class = format!(
            "lane{}{}{}",
            if self.winner == Some(i) {
                " winner"
            } else {
                ""
            },
            if l.diverged.is_some() {
                " diverged"
            } else {
                ""
            },
            if l.crashed.is_some() { " crashed" } else { "" }
        );
        if c.root.class_name() != root_class {
            c.root.set_class_name(&root_class);
        }
        let title = l.crashed.as_ref().or(l.diverged.as_ref());
        if c.root.title() != title.map(String::as_str).unwrap_or("") {
            c.root.set_title(title.map(String::as_str).unwrap_or(""));
        }
        set_text(
            &c.epoch,
            &format!("{:.2}", last.map(|r| r.epochs_done).unwrap_or(0.0)),
        );
        set_text(
            &c.epochs_total,
            &format!(" / {} epochs", self.config.epochs),
        );
        set_text(
            &c.accuracy,
            &last
                .map(|r| format!("{:.1}%", 100.0 * r.val_accuracy))
                .unwrap_or_else(|| "—".into()),
        );
        set_text(
            &c.speed,
            &last
                .map(|r| format_rate(r.samples_per_sec))
                .unwrap_or_else(|| "—".into()),
        );
        set_text(
            &c.prediction,
            &l.prediction
                .map(|p| argmax(&p).to_string())
                .unwrap_or_else(|| "—".into()),
        );
        let target = self.config.target_accuracy;
        let acc = last.map(|r| r.val_accuracy).unwrap_or(0.0);
        let progress = (acc / target).clamp(0.0, 1.0);
        set_style(&c.progress, "transform", &format!("scaleX({progress:.4})"));
        let label = match (&l.diverged, l.reached) {
            (Some(message), _) => message.clone(),
            (None, reached) => match reached {
                Some((epochs, secs)) => format!(
                    "reached {:.1}% at epoch {epochs:.2} ({secs:.1} s)",
                    100.0 * target
                ),
                None => format!(
                    "{:.0}% of the way to {:.1}%",
                    100.0 * progress,
                    100.0 * target
                ),
            },
        };
        set_text(&c.progress_label, &label);
        c.trophy.set_hidden(self.winner != Some(i));
    }

    fn render_finish(&self) {
        let el = &self.el.finish;
        let Some(w) = self.winner else {
            el.set_hidden(true);
            return;
        };
        let target = 100.0 * self.config.target_accuracy;
        let winner = &self.lanes[w];
        let (epochs, secs) = winner.reached.unwrap_or_default();
        let mut msg = format!(
            "Finish line: {} crossed it first, reaching {target:.1}% validation accuracy after {epochs:.2} epochs ({secs:.1} s).",
            winner.label(&self.config)
        );
        for l in self.lanes.iter().filter(|l| l.index != w) {
            match l.reached {
                Some((e, s)) => {
                    msg += &format!(
                        " {} followed at epoch {e:.2} ({s:.1} s).",
                        l.label(&self.config)
                    )
                }
                None => msg += &format!(" {} has not reached it yet.", l.label(&self.config)),
            }
        }
        set_text(el, &msg);
        el.set_hidden(false);
    }

    fn render_prediction(&self, i: usize) {
        let l = &self.lanes[i];
        let b = &l.bars;
        set_text(&b.title, &l.label(&self.config));
        match (&l.prediction, self.input.is_some()) {
            (Some(p), _) => {
                let top = argmax(p);
                set_text(&b.top, &top.to_string());
                set_text(
                    &b.note,
                    &format!(
                        "reads {top} ({:.0}% sure) after {:.2} epochs · answered in {:.1} ms",
                        100.0 * p[top],
                        l.intervals.last().map(|r| r.epochs_done).unwrap_or(0.0),
                        l.prediction_ms
                    ),
                );
                for (k, &pk) in p.iter().enumerate() {
                    set_style(&b.fills[k], "transform", &format!("scaleX({pk:.4})"));
                    set_text(&b.pcts[k], &format!("{:.1}%", 100.0 * pk));
                    b.rows[k].set_class_name(if k == top { "bar top" } else { "bar" });
                }
            }
            (None, has_input) => {
                set_text(&b.top, "—");
                set_text(
                    &b.note,
                    if has_input {
                        "thinking…"
                    } else {
                        "draw a digit on the pad"
                    },
                );
                for k in 0..CLASSES {
                    set_style(&b.fills[k], "transform", "scaleX(0)");
                    set_text(&b.pcts[k], "");
                    b.rows[k].set_class_name("bar");
                }
            }
        }
    }
}

fn now_ms() -> f64 {
    dom::window().performance().map(|p| p.now()).unwrap_or(0.0)
}

fn format_rate(per_sec: f32) -> String {
    if per_sec >= 1000.0 {
        format!("{:.1}k", per_sec / 1000.0)
    } else {
        format!("{per_sec:.0}")
    }
}

/// Replaces (or appends) one parameter of a query string; `None` removes it.
fn replace_param(query: &str, key: &str, value: Option<&str>) -> String {
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
        .map(str::to_string)
        .collect();
    if let Some(v) = value {
        parts.push(format!("{key}={v}"));
    }
    parts.join("&")
}

fn build_lane_card(index: usize) -> LaneCard {
    let root = create("div", "lane");
    root.set_attribute("data-testid", &format!("lane-{index}"))
        .ok();
    set_style(&root, "--lane", &css_color(LANE_COLORS[index]));
    let name = create("div", "name");
    let status = create("div", "status");
    let stats = create("div", "stats");
    // A big value with a small label after it; returns both.
    let stat = |label: &str, testid: &str| -> (HtmlElement, HtmlElement) {
        let wrap = create("span", "");
        let value = text("b", "", "—");
        if !testid.is_empty() {
            value.set_attribute("data-testid", testid).ok();
        }
        let label = text("span", "", &format!(" {label}"));
        append(&wrap, &value);
        append(&wrap, &label);
        append(&stats, &wrap);
        (value, label)
    };
    let (epoch, epochs_total) = stat("epochs", "epoch");
    let (accuracy, _) = stat("val. accuracy", "accuracy");
    let (speed, _) = stat("images/s", "");
    let (prediction, _) = stat("reads your digit", "prediction");
    let progress = create("div", "progress");
    let fill = create("div", "");
    append(&progress, &fill);
    let progress_label = create("div", "progress-label");
    let trophy = text("span", "trophy", "winner");
    trophy
        .set_attribute("title", "first to the finish line")
        .ok();
    trophy.set_hidden(true);
    for child in [&name, &status, &stats, &progress, &progress_label, &trophy] {
        append(&root, child);
    }
    LaneCard {
        root,
        name,
        status,
        epoch,
        epochs_total,
        accuracy,
        speed,
        prediction,
        progress: fill,
        progress_label,
        trophy,
    }
}

fn build_prediction_card(index: usize) -> PredictionCard {
    let root = create("div", "prediction-card");
    set_style(&root, "--lane", &css_color(LANE_COLORS[index]));
    let head = create("h3", "");
    let title = create("span", "");
    let top = text("span", "top", "—");
    append(&head, &title);
    append(&head, &top);
    append(&root, &head);
    let note = text("p", "muted", "draw a digit on the pad");
    append(&root, &note);
    let bars = create("div", "bars");
    let (mut fills, mut rows, mut pcts) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..CLASSES {
        append(&bars, &text("span", "", &k.to_string()));
        let row = create("div", "bar");
        let fill = create("div", "");
        append(&row, &fill);
        append(&bars, &row);
        let pct = text("span", "pct", "");
        append(&bars, &pct);
        fills.push(fill);
        rows.push(row);
        pcts.push(pct);
    }
    append(&root, &bars);
    PredictionCard {
        root,
        title,
        top,
        note,
        fills,
        rows,
        pcts,
    }
}

fn spawn_worker(lane: &mut LaneView) {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Classic);
    let worker = match Worker::new_with_options("./worker_loader.js", &options) {
        Ok(w) => w,
        Err(e) => {
            lane.crashed = Some(format!(
                "its Web Worker could not be created ({})",
                super::data::js_message(&e)
            ));
            return;
        }
    };
    let index = lane.index;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        match serde_wasm_bindgen::from_value::<FromWorker>(e.data()) {
            Ok(message) => with_app(|app| app.on_worker_message(index, message)),
            Err(err) => web_sys::console::error_1(
                &format!("lane {index}: unreadable message from the worker: {err}").into(),
            ),
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
        e.prevent_default();
        let message = e.message();
        with_app(|app| app.on_crash(index, message));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    lane.worker = Some(worker);
    lane.ready = false;
    lane.outbox.push(ToWorker::Load {
        base_url: DATA_URL.into(),
    });
}

fn wire_events() {
    let Ok(form) = by_id::<HtmlElement>("settings") else {
        return;
    };
    on::<Event>(&form, "change", |_| with_app(|a| a.on_settings_changed()));
    on::<Event>(&form, "submit", |e| e.prevent_default());
    on::<Event>(&form, "click", |e| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok()) else {
            return;
        };
        if let Some(lane) = target.get_attribute("data-remove") {
            if let Ok(i) = lane.parse::<usize>() {
                with_app(|a| a.remove_lane(i));
            }
        } else if let Some(hidden) = target.get_attribute("data-hidden") {
            with_app(|a| {
                a.el.hidden.set_value(&hidden);
                a.on_settings_changed();
            });
        } else if target.id() == "add-lane" {
            with_app(|a| a.add_lane());
        } else if target.id() == "new-seed" {
            with_app(|a| a.new_seed());
        }
    });
    let button = |id: &str, f: fn(&mut App)| {
        if let Ok(b) = by_id::<HtmlElement>(id) {
            on::<Event>(&b, "click", move |_| with_app(f));
        }
    };
    button("start", App::start);
    button("pause", App::toggle_pause);
    button("reset", App::reset_race);
    button("clear", App::clear_pad);
    button("random-digit", App::random_test_digit);
    if let Ok(banner) = by_id::<HtmlElement>("error") {
        on::<Event>(&banner, "click", |e| {
            let Some(target) = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok()) else {
                return;
            };
            if target.class_name().contains("dismiss") {
                with_app(|a| {
                    a.errors.clear();
                    a.render_errors();
                });
            } else if target.get_attribute("data-action").as_deref() == Some("restart") {
                with_app(|a| a.restart_crashed());
            }
        });
    }
    if let Ok(pad) = by_id::<HtmlElement>("pad") {
        on::<PointerEvent>(&pad, "pointerdown", |e| {
            e.prevent_default();
            with_app(|a| {
                if a.pad.pointer_down(&e) {
                    a.on_pad_changed();
                }
            })
        });
        on::<PointerEvent>(&pad, "pointermove", |e| {
            with_app(|a| {
                if a.pad.pointer_move(&e) {
                    a.on_pad_changed();
                }
            })
        });
        for ev in ["pointerup", "pointercancel"] {
            on::<PointerEvent>(&pad, ev, |e| with_app(|a| a.pad.pointer_up(&e)));
        }
    }
    on::<Event>(&dom::window(), "resize", |_| with_app(|a| a.size_charts()));
}
