//! The page's DOM glue: it turns DOM events and worker messages into [`Msg`]s for the
//! [`RaceView`] (the page's logic, plain Rust in `view/`), carries out the [`Command`]s it answers
//! with (workers, URL, pad), and renders its state into the DOM and the charts.
//!
//! Training happens only in the workers, so the main thread does little more than draw: the race
//! view is redrawn at the [`Pacer`]'s pace while racing.

use super::canvas;
use super::dom::{self, TextAlternative, append, by_id, on, set_text, text};
use super::download;
use super::inside::InsideDom;
use super::lane_dom::LaneDom;
use super::lessons_panel::LessonsPanel;
use super::pad::Pad;
use super::post::post_to_worker;
use super::settings_form::SettingsForm;
use crate::activation::Activation;
use crate::charts::distributions::DistributionsChart;
use crate::charts::{self, Chart, LaneSeries};
use crate::protocol::{FromWorker, StepTo};
use crate::race::RaceConfig;
use crate::report::{EpochReport, IntervalReport};
use crate::settings;
use crate::view::export::{LaneReports, page_record, race_csv};
use crate::view::pacing::{CanvasSchedule, Pacer, Plan};
use crate::view::race::{Command, Controls, Msg, RaceView, Redraw};
use crate::view::summaries::{ChartKind, chart_table};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use wasm_bindgen::prelude::*;
use web_sys::{
    Element, ErrorEvent, Event, HtmlButtonElement, HtmlCanvasElement, HtmlElement,
    HtmlSelectElement, ImageData, MessageEvent, PointerEvent, Worker, WorkerOptions, WorkerType,
};

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
pub fn crash_lane(lane: usize) -> Result<(), String> {
    let mut found = false;
    with_app(|app| {
        found = lane < app.view.lanes.len();
        app.dispatch(Msg::CrashLane { lane });
    });
    if found {
        Ok(())
    } else {
        Err(format!("there is no lane {lane}"))
    }
}

/// Everything the lanes reported so far, for tests and tooling: a JS array with, per lane,
/// `{lane, activation, intervals: [IntervalReport…], epochs: [EpochReport…]}`.
pub fn reports() -> Result<JsValue, String> {
    #[derive(serde::Serialize)]
    struct Reports<'a> {
        lane: usize,
        activation: Activation,
        intervals: &'a [IntervalReport],
        epochs: &'a [EpochReport],
    }
    let mut out = Err("the page is not running".to_string());
    with_app(|app| {
        let lanes: Vec<Reports<'_>> = app
            .view
            .lanes
            .iter()
            .map(|l| Reports {
                lane: l.index,
                activation: l.activation,
                intervals: &l.intervals,
                epochs: &l.epochs,
            })
            .collect();
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        out = serde::Serialize::serialize(&lanes, &serializer)
            .map_err(|e| format!("the reports could not be converted: {e}"));
    });
    out
}

/// What the views inside the networks show, for tests and tooling: the receptive fields (with
/// the tiles' places on the canvas), the digit's units on the curves, the confusion matrices.
pub fn inside_views() -> Result<JsValue, String> {
    #[derive(serde::Serialize)]
    struct Hook {
        #[serde(flatten)]
        views: crate::view::inside::InsideViews,
        tiles: Vec<(usize, usize, f64, f64, f64)>,
    }
    let mut out = Err("the page is not running".to_string());
    with_app(|app| {
        let hook = Hook {
            views: crate::view::inside::inside_views(&app.view),
            tiles: app.inside.tiles(&app.view),
        };
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        out = serde::Serialize::serialize(&hook, &serializer)
            .map_err(|e| format!("the views could not be converted: {e}"));
    });
    out
}

/// A repeated race's seeds and the bands over the finished runs, for tests and tooling:
/// `{seeds, finished: [seed…], bands: [{seeds, loss: [{x, spread}…], accuracy: […]}…]}`.
pub fn seed_bands() -> Result<JsValue, String> {
    #[derive(serde::Serialize)]
    struct SeedBands<'a> {
        seeds: &'a [u32],
        finished: Vec<u32>,
        bands: &'a [crate::charts::bands::LaneBands],
    }
    let mut out = Err("the page is not running".to_string());
    with_app(|app| {
        let runs = &app.view.seed_runs;
        let bands = SeedBands {
            seeds: &runs.seeds,
            finished: runs.finished.iter().map(|r| r.config.seed).collect(),
            bands: &runs.bands,
        };
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        out = serde::Serialize::serialize(&bands, &serializer)
            .map_err(|e| format!("the bands could not be converted: {e}"));
    });
    out
}

/// The current lesson's verdict computed afresh from the reports the page holds (`None` outside
/// a lesson), for tests to compare with the text shown.
pub fn lesson_verdict() -> Result<Option<String>, String> {
    let mut out = Err("the page is not running".to_string());
    with_app(|app| out = Ok(app.view.lesson_verdict()));
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
    random_digit: HtmlButtonElement,
    sample_label: HtmlElement,
    pad: HtmlElement,
    /// The lanes' answers in one sentence (for screen readers; beside the pad's buttons).
    answers: HtmlElement,
    announcer: HtmlElement,
    shared: HtmlElement,
    uncontrolled: HtmlElement,
    step_batch: HtmlButtonElement,
    step_report: HtmlButtonElement,
    gallery: HtmlElement,
    gallery_note: HtmlElement,
    compare: HtmlElement,
    compare_a: HtmlSelectElement,
    compare_b: HtmlSelectElement,
    /// Each chart's canvas (`chart-<name>`), in the order of `Chart::ALL`.
    charts: Vec<HtmlCanvasElement>,
    /// Each chart's text alternative (its name and its data table `table-<name>`), in the same
    /// order.
    tables: Vec<TextAlternative>,
}

impl Elements {
    fn find() -> Result<Elements, String> {
        let banner: HtmlElement = by_id("error")?;
        let part = |selector: &str| -> Result<HtmlElement, String> {
            banner
                .query_selector(selector)
                .ok()
                .flatten()
                .map(JsCast::unchecked_into)
                .ok_or_else(|| format!("the error banner has no {selector}"))
        };
        let charts: Vec<HtmlCanvasElement> = Chart::ALL
            .iter()
            .map(|c| by_id(&format!("chart-{}", c.name())))
            .collect::<Result<_, _>>()?;
        Ok(Elements {
            start: by_id("start")?,
            pause: by_id("pause")?,
            reset: by_id("reset")?,
            race_status: by_id("race-status")?,
            lanes: by_id("lanes")?,
            finish: by_id("finish")?,
            predictions: by_id("predictions")?,
            error_text: part(".banner-text")?,
            error_actions: part(".banner-actions")?,
            error: banner,
            notices: by_id("notices")?,
            random_digit: by_id("random-digit")?,
            sample_label: by_id("sample-label")?,
            pad: by_id("pad")?,
            answers: by_id("answers")?,
            announcer: by_id("announcer")?,
            shared: by_id("shared")?,
            uncontrolled: by_id("uncontrolled")?,
            step_batch: by_id("step-batch")?,
            step_report: by_id("step-report")?,
            gallery: by_id("gallery")?,
            gallery_note: by_id("gallery-note")?,
            compare: by_id("compare")?,
            compare_a: by_id("compare-a")?,
            compare_b: by_id("compare-b")?,
            tables: charts
                .iter()
                .zip(Chart::ALL)
                .map(|(canvas, c)| {
                    let table = by_id(&format!("table-{}", c.name()))?;
                    Ok(TextAlternative::new(canvas.clone().into(), table))
                })
                .collect::<Result<_, String>>()?,
            charts,
        })
    }
}

/// What the race strip shows besides the lanes' cards (see [`App::render_strip`]).
#[derive(PartialEq)]
struct Strip {
    controls: Controls,
    shared: String,
    warning: Option<String>,
    answers: String,
    status: String,
    finish: Option<String>,
}

struct App {
    view: RaceView,
    /// One worker per lane (`None` once terminated or if it could not be created).
    workers: Vec<Option<Worker>>,
    lane_doms: Vec<LaneDom>,
    form: SettingsForm,
    lessons: LessonsPanel,
    pad: Pad,
    pacer: Pacer,
    frame_pending: bool,
    /// A frame is requested once the pacer's wait is over (a timer is pending).
    timer_pending: bool,
    /// The pad changed and has not been read yet.
    pad_dirty: bool,
    /// What the gallery and the compare menus show now (rebuilt only when it changes).
    gallery_shown: String,
    compare_shown: String,
    /// A race button lost the keyboard focus when it was disabled and none could take it: the
    /// next one enabled gets it (after Reset every race button waits for the lanes).
    refocus: Cell<bool>,
    el: Elements,
    /// The views inside the networks (receptive fields, the digit on the curves, confusion).
    inside: InsideDom,
    /// Which canvases to redraw at a frame: the charts in the order of `Chart::ALL`, then the
    /// views inside the networks.
    schedule: RefCell<CanvasSchedule>,
    strip_shown: RefCell<Option<Strip>>,
}

impl App {
    fn new() -> Result<App, String> {
        let el = Elements::find()?;
        let pad = Pad::new(by_id("pad")?, &by_id("input-preview")?)?;
        // The URL is read here, once; afterwards the settings flow from the form to the URL.
        let search = dom::window().location().search().unwrap_or_default();
        let parsed = settings::from_query(&search);
        let mut view = RaceView::with_page(parsed.config, parsed.page);
        view.data_cache = super::offline::mnist_cache();
        let app = App {
            view,
            workers: Vec::new(),
            lane_doms: Vec::new(),
            form: SettingsForm::find()?,
            lessons: LessonsPanel::find()?,
            pad,
            pacer: Pacer::default(),
            frame_pending: false,
            timer_pending: false,
            pad_dirty: false,
            gallery_shown: String::new(),
            compare_shown: String::new(),
            refocus: Cell::new(false),
            el,
            inside: InsideDom::find()?,
            schedule: RefCell::new(CanvasSchedule::new(Chart::ALL.len() + InsideDom::CANVASES)),
            strip_shown: RefCell::default(),
        };
        app.show_notices(&parsed.notices);
        Ok(app)
    }

    fn boot(&mut self) {
        self.form.render(&self.view.config);
        self.size_charts();
        let canvases: Vec<Element> = self
            .el
            .charts
            .iter()
            .map(|c| c.clone().into())
            .chain(self.inside.canvases())
            .collect();
        let observed = super::on_screen::observe(canvases, |i, on_screen| {
            with_app(|app| app.on_screen_changed(i, on_screen));
        });
        if let Err(e) = observed {
            // Then every canvas counts as on screen: the page draws them all, as before.
            web_sys::console::error_1(&e.into());
        }
        self.dispatch(Msg::Boot);
    }

    /// Applies a message and everything that follows from it. What the user did (and the
    /// workers' control messages) shows in the cards and buttons at once; the charts follow at
    /// the next frame.
    fn dispatch(&mut self, msg: Msg) {
        let mut queue = VecDeque::from([msg]);
        let mut now = false;
        while let Some(msg) = queue.pop_front() {
            let commands = self.view.update(msg, now_ms());
            for command in commands {
                now |= command == Command::Redraw(Redraw::Now);
                if let Some(follow_up) = self.run(command) {
                    queue.push_back(follow_up);
                }
            }
        }
        if now {
            self.render();
        }
        if self.view.can_start() {
            super::offline::register_service_worker_once();
        }
    }

    /// Carries out one command; a failure comes back as a message for the view.
    fn run(&mut self, command: Command) -> Option<Msg> {
        match command {
            Command::Spawn { lane } => {
                while self.lane_doms.len() <= lane {
                    let index = self.lane_doms.len();
                    self.lane_doms
                        .push(LaneDom::new(index, &self.el.lanes, &self.el.predictions));
                    self.workers.push(None);
                    self.size_charts();
                }
                match spawn_worker(lane) {
                    Ok(worker) => self.workers[lane] = Some(worker),
                    Err(message) => return Some(Msg::WorkerFailed { lane, message }),
                }
            }
            Command::Terminate { lane } => {
                if let Some(w) = self.workers.get_mut(lane).and_then(Option::take) {
                    w.terminate();
                }
                // A lane that left the race takes its cards with it.
                while self.lane_doms.len() > self.view.lanes.len() {
                    if let Some(dom) = self.lane_doms.pop() {
                        dom.remove();
                    }
                    self.workers.pop();
                    self.size_charts();
                }
            }
            Command::Post { lane, message } => {
                if let Some(Some(worker)) = self.workers.get(lane)
                    && let Err(message) = post_to_worker(worker, &message)
                {
                    return Some(Msg::WorkerFailed { lane, message });
                }
            }
            Command::WriteUrl { query } => {
                if let Ok(history) = dom::window().history() {
                    history
                        .replace_state_with_url(&JsValue::NULL, "", Some(&format!("?{query}")))
                        .ok();
                }
            }
            Command::ShowTestDigit { caption, pixels } => {
                if let Ok(image) = <[u8; crate::network::INPUT]>::try_from(pixels.as_slice()) {
                    self.pad.show_digit(&image);
                    self.pad.show_input(&image);
                    self.label_pad(&format!("Drawing pad, showing {caption}"));
                    self.el.sample_label.set_text_content(Some(&caption));
                }
            }
            Command::Announce { text } => {
                // Cleared first, so that the same words twice are said twice.
                self.el.announcer.set_text_content(None);
                self.el.announcer.set_text_content(Some(&text));
            }
            Command::Redraw(redraw) => {
                self.pacer.note(redraw);
                self.schedule_frame();
            }
        }
        None
    }

    // ----- settings ----------------------------------------------------------------------------

    fn on_settings_changed(&mut self) {
        let parsed = settings::from_form(&self.view.config, &self.form.read());
        self.show_notices(&parsed.notices);
        self.apply_config(parsed.config);
    }

    /// Shows `config` in the form (clamped values included) and races it.
    fn apply_config(&mut self, config: RaceConfig) {
        self.form.render(&config);
        self.dispatch(Msg::Configure(config));
    }

    fn edit_config(&mut self, edit: impl FnOnce(&mut RaceConfig) -> bool) {
        // Pending form edits first, so that a click does not undo them.
        let parsed = settings::from_form(&self.view.config, &self.form.read());
        let mut config = parsed.config;
        if edit(&mut config) {
            self.show_notices(&parsed.notices);
            self.apply_config(config);
        }
    }

    fn new_seed(&mut self) {
        let mut bytes = [0u8; 4];
        if getrandom::fill(&mut bytes).is_ok() {
            let seed = u32::from_le_bytes(bytes) % 1_000_000;
            self.edit_config(|c| {
                c.seed = seed;
                true
            });
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
        let list = dom::create("ul", "");
        for n in notices {
            append(&list, &text("li", "", n));
        }
        append(box_, &list);
        box_.set_hidden(false);
    }

    // ----- drawing and downloads ---------------------------------------------------------------

    /// The pad's accessible name says what it shows.
    fn label_pad(&self, label: &str) {
        if self.el.pad.get_attribute("aria-label").as_deref() != Some(label) {
            self.el.pad.set_attribute("aria-label", label).ok();
        }
    }

    fn on_pad_changed(&mut self) {
        self.el.sample_label.set_text_content(None);
        self.label_pad("Drawing pad, with your drawing");
        // Read at the next frame: one reading per frame however fast the pointer moves.
        self.pad_dirty = true;
        self.schedule_frame();
    }

    fn read_pad(&mut self) {
        self.pad_dirty = false;
        // The answer time shown includes reading the pad and MNIST's preprocessing.
        let started_ms = now_ms();
        match self.pad.input() {
            Ok(pixels) => {
                if let Some(p) = &pixels {
                    self.pad.show_input(p);
                }
                self.dispatch(Msg::Input {
                    pixels: pixels.map(Box::new),
                    started_ms,
                });
            }
            Err(e) => show_error_directly(&e),
        }
    }

    fn clear_pad(&mut self) {
        self.pad.clear();
        self.label_pad(EMPTY_PAD);
        self.el.sample_label.set_text_content(None);
        self.dispatch(Msg::Input {
            pixels: None,
            started_ms: now_ms(),
        });
    }

    fn random_test_digit(&mut self) {
        let mut bytes = [0u8; 4];
        if getrandom::fill(&mut bytes).is_ok() {
            self.dispatch(Msg::RandomDigit {
                index: u32::from_le_bytes(bytes),
            });
        }
    }

    /// A base name for downloads that says which race it is.
    fn file_stem(&self) -> String {
        let c = &self.view.config;
        let lanes: Vec<&str> = c.activations.iter().map(|a| a.key()).collect();
        format!("activation-race-{}-seed{}", lanes.join("-"), c.seed)
    }

    fn download_json(&self) {
        let location = dom::window().location();
        let page_url = format!(
            "{}{}",
            location.origin().unwrap_or_default(),
            location.pathname().unwrap_or_default()
        );
        let record = page_record(&self.view, &page_url);
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        let text = serde::Serialize::serialize(&record, &serializer)
            .map_err(|e| e.to_string())
            .and_then(|v| {
                js_sys::JSON::stringify_with_replacer_and_space(&v, &JsValue::NULL, &2.into())
                    .map_err(|e| super::data::js_message(&e))
            })
            .map(String::from);
        let name = format!("{}.json", self.file_stem());
        match text {
            Ok(text) => {
                if let Err(e) = download::save_text(&name, "application/json", &text) {
                    show_error_directly(&e);
                }
            }
            Err(e) => show_error_directly(&format!("the race could not be written as JSON: {e}")),
        }
    }

    fn download_csv(&self) {
        let labels: Vec<String> = (0..self.view.lanes.len())
            .map(|i| self.view.label(i))
            .collect();
        let lanes: Vec<LaneReports<'_>> = self
            .view
            .lanes
            .iter()
            .zip(&labels)
            .map(|(l, label)| LaneReports {
                lane: l.index,
                label,
                learning_rate: self.view.config.learning_rate_of(l.index),
                intervals: &l.intervals,
                epochs: &l.epochs,
            })
            .collect();
        let name = format!("{}.csv", self.file_stem());
        if let Err(e) = download::save_text(&name, "text/csv", &race_csv(&lanes)) {
            show_error_directly(&e);
        }
    }

    fn download_chart(&self, name: &str, format: &str) {
        let Some(i) = Chart::ALL.iter().position(|c| c.name() == name) else {
            return;
        };
        let file = format!("{}-{name}.{format}", self.file_stem());
        let canvas = &self.el.charts[i];
        let result = if format == "svg" {
            // The same drawing as the canvas, as vectors, at the size it has on the page.
            let css = (
                f64::from(canvas.client_width()).max(320.0),
                f64::from(canvas.client_height()).max(200.0),
            );
            let svg = Chart::ALL[i].svg(&self.series(), self.view.config.target_accuracy, css, 1.0);
            download::save_text(&file, "image/svg+xml", &svg)
        } else {
            // Drawn now: off screen while racing, the canvas may be up to two seconds behind.
            let drawn = canvas::draw(
                canvas,
                Chart::ALL[i],
                &self.series(),
                self.view.config.target_accuracy,
                dom::window().device_pixel_ratio(),
            );
            drawn.and_then(|_| download::save_canvas_png(&file, canvas))
        };
        if let Err(e) = result {
            show_error_directly(&e);
        }
    }

    // ----- rendering ---------------------------------------------------------------------------

    /// Asks for an animation frame if there is something to show now, or for a timer if a paced
    /// redraw has to wait. Reports arrive some thirty times a second while racing: a frame for
    /// each, only to find it has to wait, cost the main thread more than the waiting saved.
    fn schedule_frame(&mut self) {
        if self.frame_pending {
            return;
        }
        if !self.pad_dirty {
            match self.pacer.plan(now_ms(), self.view.any_running()) {
                Plan::Idle => return,
                Plan::WaitMs(ms) => {
                    self.wait_ms(ms);
                    return;
                }
                Plan::Draw => {}
            }
        }
        self.frame_pending = true;
        dom::next_frame(|| with_app(|app| app.on_frame()));
    }

    /// Asks for a frame again in `ms` milliseconds (once: a timer already set will do).
    fn wait_ms(&mut self, ms: f64) {
        if !self.timer_pending {
            self.timer_pending = true;
            dom::after_ms(ms, || {
                with_app(|app| {
                    app.timer_pending = false;
                    app.schedule_frame();
                })
            });
        }
    }

    fn on_frame(&mut self) {
        self.frame_pending = false;
        if self.pad_dirty {
            self.read_pad();
        }
        let now = now_ms();
        match self.pacer.plan(now, self.view.any_running()) {
            Plan::Draw => {
                // Before anything is written: reading a layout after a write forces one.
                self.inside.measure();
                self.render();
                self.draw_charts(now);
                self.pacer.drawn(now);
            }
            Plan::WaitMs(ms) => self.wait_ms(ms),
            Plan::Idle => {}
        }
    }

    /// Sizes the canvases to their CSS size × the device pixel ratio (clamped in `charts`,
    /// which the drawing uses too: text keeps its CSS size at any zoom).
    fn size_charts(&mut self) {
        let dpr = dom::window().device_pixel_ratio();
        for (chart, c) in Chart::ALL.into_iter().zip(&self.el.charts) {
            if chart == Chart::Distributions {
                // As tall as its panels need at this width, for this many lanes.
                let width = f64::from(c.client_width());
                if width > 0.0 {
                    let lanes = self.view.lanes.len();
                    dom::set_height(c, DistributionsChart::css_height(lanes, width));
                }
            }
            let css = (f64::from(c.client_width()), f64::from(c.client_height()));
            let (w, h) = charts::canvas_pixels(css.0, css.1, dpr);
            if w > 0 && h > 0 && (c.width() != w || c.height() != h) {
                c.set_width(w);
                c.set_height(h);
            }
        }
        self.pacer.note(Redraw::Now);
        self.schedule_frame();
    }

    fn series(&self) -> Vec<LaneSeries<'_>> {
        self.view
            .lanes
            .iter()
            .map(|l| {
                LaneSeries::of_lane(&self.view.config, l.index, &l.intervals, &l.epochs)
                    .with_bands(self.view.seed_runs.bands_of(l.index))
            })
            .collect()
    }

    /// Draws the charts and the views inside the networks that are due at `now` (see
    /// [`CanvasSchedule`]), with their text alternatives.
    fn draw_charts(&self, now: f64) {
        let series = self.series();
        // The browser's ratio, clamped in `charts` exactly as for sizing the canvases.
        let dpr = dom::window().device_pixel_ratio();
        let target = self.view.config.target_accuracy;
        let racing = self.view.any_running();
        let mut schedule = self.schedule.borrow_mut();
        let mut due =
            (0..Chart::ALL.len() + InsideDom::CANVASES).map(|i| schedule.due(i, now, racing));
        for (((chart, kind), c), alternative) in Chart::ALL
            .into_iter()
            .zip(ChartKind::ALL)
            .zip(&self.el.charts)
            .zip(&self.el.tables)
        {
            if !due.next().unwrap_or(true) {
                continue;
            }
            if let Err(e) = canvas::draw(c, chart, &series, target, dpr) {
                web_sys::console::error_1(&format!("chart: {e}").into());
            }
            alternative.show(&chart_table(kind, &self.view), racing);
        }
        let inside_due = [(); InsideDom::CANVASES].map(|_| due.next().unwrap_or(true));
        self.inside.draw(&self.view, dpr, inside_due);
    }

    /// A canvas came near the window or left it; one that shows older data than the rest is
    /// redrawn at once.
    fn on_screen_changed(&mut self, canvas: usize, on_screen: bool) {
        if self.schedule.borrow_mut().set_visible(canvas, on_screen) {
            self.pacer.note(Redraw::Now);
            self.schedule_frame();
        }
    }

    /// A click on a receptive field or a unit button selects a unit.
    fn on_inside(&mut self, action: super::inside::Action) {
        if let Some((lane, unit)) = self.inside.selection(&self.view, action) {
            self.dispatch(Msg::SelectUnit { lane, unit });
        }
    }

    /// The buttons, the status line, the lane and prediction cards, the finish line, the errors.
    fn render(&mut self) {
        self.render_race();
        self.render_gallery();
    }

    fn render_race(&self) {
        let v = &self.view;
        self.lessons.render(v);
        let c = v.controls();
        self.keep_focus(&c);
        self.render_strip(&c);
        for (i, dom) in self.lane_doms.iter().enumerate().take(v.lanes.len()) {
            dom.render_card(&v.lane_card(i));
            dom.render_prediction(&v.prediction_card(i));
        }
        self.render_errors();
    }

    /// The race buttons and the texts around the lanes' cards, when they changed (while racing
    /// they rarely do, and the page renders several times a second).
    fn render_strip(&self, c: &Controls) {
        let v = &self.view;
        let el = &self.el;
        let strip = Strip {
            controls: *c,
            shared: v.shared_settings(),
            warning: v.comparison_warning(),
            answers: v.answers_summary(),
            status: v.status(),
            finish: v.finish_text(),
        };
        let mut shown = self.strip_shown.borrow_mut();
        if shown.as_ref() == Some(&strip) {
            return;
        }
        el.start.set_disabled(!c.start.enabled);
        set_text(&el.start, c.start.label);
        el.pause.set_disabled(!c.pause.enabled);
        set_text(&el.pause, c.pause.label);
        el.reset.set_disabled(!c.reset_enabled);
        el.step_batch.set_disabled(!c.step_enabled);
        el.step_report.set_disabled(!c.step_enabled);
        set_text(&el.shared, &strip.shared);
        match &strip.warning {
            Some(w) => {
                set_text(&el.uncontrolled, w);
                el.uncontrolled.set_hidden(false);
            }
            None => el.uncontrolled.set_hidden(true),
        }
        el.random_digit.set_disabled(!c.random_digit_enabled);
        set_text(&el.answers, &strip.answers);
        set_text(&el.race_status, &format!("— {}", strip.status));
        match &strip.finish {
            Some(t) => {
                set_text(&el.finish, t);
                el.finish.set_hidden(false);
            }
            None => el.finish.set_hidden(true),
        }
        *shown = Some(strip);
    }

    /// Keeps the keyboard focus on the race buttons when the focused one is about to be disabled
    /// (Start while racing, Pause at the end, any of them after Reset): the next sensible one
    /// takes it, now or as soon as one is enabled again.
    fn keep_focus(&self, c: &Controls) {
        let el = &self.el;
        let active = dom::document().active_element();
        let is = |b: &HtmlButtonElement| active.as_ref() == Some(b.unchecked_ref::<Element>());
        let losing = (is(&el.start) && !c.start.enabled)
            || (is(&el.pause) && !c.pause.enabled)
            || (is(&el.reset) && !c.reset_enabled);
        let idle = active.is_none() || active == dom::document().body().map(Element::from);
        let waiting = self.refocus.get() && idle;
        if !(losing || waiting) {
            self.refocus.set(false);
            return;
        }
        // After Start, Pause is the control; otherwise Start (or Race again).
        let order = if is(&el.start) {
            [(&el.pause, c.pause.enabled), (&el.start, c.start.enabled)]
        } else {
            [(&el.start, c.start.enabled), (&el.pause, c.pause.enabled)]
        };
        let next = order
            .into_iter()
            .chain([(&el.reset, c.reset_enabled)])
            .find(|(_, enabled)| *enabled);
        match next {
            Some((b, _)) => {
                self.refocus.set(false);
                // Enabled first: a disabled button cannot take the focus.
                b.set_disabled(false);
                dom::log_failure(b.focus(), "moving the focus");
            }
            None => self.refocus.set(true),
        }
    }

    /// The gallery of disagreements and the menus choosing which two lanes it compares.
    fn render_gallery(&mut self) {
        let v = &self.view;
        let el = &self.el;
        let labels: Vec<String> = (0..v.lanes.len()).map(|i| v.label(i)).collect();
        let compare = format!("{labels:?}{:?}", v.compare);
        if compare != self.compare_shown {
            for (select, chosen) in [(&el.compare_a, v.compare.0), (&el.compare_b, v.compare.1)] {
                select.set_inner_html("");
                for (i, label) in labels.iter().enumerate() {
                    let opt = text("option", "", label);
                    opt.set_attribute("value", &i.to_string()).ok();
                    append(select, &opt);
                }
                select.set_value(&chosen.to_string());
            }
            el.compare.set_hidden(labels.len() < 3);
            self.compare_shown = compare;
        }
        let Some(g) = &v.gallery else {
            if !self.gallery_shown.is_empty() {
                el.gallery.set_inner_html("");
                set_text(
                    &el.gallery_note,
                    "The gallery fills at the end of the first epoch.",
                );
                self.gallery_shown.clear();
            }
            return;
        };
        let shown = format!("{}/{}/{}/{}", g.a, g.b, g.epoch, g.images.len());
        if shown == self.gallery_shown {
            return;
        }
        self.gallery_shown = shown;
        let (a, b) = (v.label(g.a), v.label(g.b));
        set_text(
            &el.gallery_note,
            &format!(
                "After epoch {}, {a} and {b} disagree on {} of the 10,000 test digits; the {} where the wrong lane was most sure:",
                g.epoch,
                g.total,
                g.items.len()
            ),
        );
        el.gallery.set_inner_html("");
        for d in &g.items {
            let item = dom::create("button", "");
            item.set_attribute("type", "button").ok();
            item.set_attribute("data-pick", &d.index.to_string()).ok();
            let canvas: HtmlCanvasElement = dom::create("canvas", "").unchecked_into();
            canvas.set_width(28);
            canvas.set_height(28);
            if let Some(pixels) = g.images.get(&d.index) {
                paint_digit(&canvas, pixels);
            }
            append(&item, &canvas);
            let (right, wrong) = match d.right {
                crate::mistakes::Side::A => ((&a, d.a_predicted), (&b, d.b_predicted)),
                crate::mistakes::Side::B => ((&b, d.b_predicted), (&a, d.a_predicted)),
            };
            let wrong_p = 100.0 * f32::from(d.wrong_confidence()) / 255.0;
            // The button's name is its visible text, with words for the marks and what a click
            // does in visually hidden text (a separate aria-label would hide what is seen).
            append(
                &item,
                &text(
                    "span",
                    "visually-hidden",
                    &format!("Test digit #{}:", d.index),
                ),
            );
            append(&item, &text("span", "", &format!("a {}", d.label)));
            let verdict = |class: &str, shown: String, mark: &str, said: String| {
                let line = text("span", class, &shown);
                let mark = text("span", "", mark);
                mark.set_attribute("aria-hidden", "true").ok();
                append(&line, &mark);
                append(&line, &text("span", "visually-hidden", &said));
                line
            };
            append(
                &item,
                &verdict(
                    "right",
                    format!("{}: {} ", right.0, right.1),
                    "✓",
                    " (right),".into(),
                ),
            );
            append(
                &item,
                &verdict(
                    "wrong",
                    format!("{}: {} ", wrong.0, wrong.1),
                    &format!("✗ ({wrong_p:.0}%)"),
                    format!(" (wrong, {wrong_p:.0}% sure)."),
                ),
            );
            append(
                &item,
                &text("span", "visually-hidden", " Load it into the pad."),
            );
            append(&el.gallery, &item);
        }
    }

    fn render_errors(&self) {
        let el = &self.el;
        if self.view.errors.is_empty() {
            el.error.set_hidden(true);
            return;
        }
        set_text(&el.error_text, &self.view.errors.join("\n"));
        let label = self.view.restart_label().unwrap_or_default();
        if el.error_actions.text_content().unwrap_or_default() != label {
            el.error_actions.set_inner_html("");
            if !label.is_empty() {
                let b = text("button", "small", label);
                b.set_attribute("data-action", "restart").ok();
                b.set_attribute("type", "button").ok();
                append(&el.error_actions, &b);
            }
        }
        el.error.set_hidden(false);
    }
}

/// Paints a 28×28 grey image (bytes, 255 = ink) on a 28×28 canvas, white on black.
fn paint_digit(canvas: &HtmlCanvasElement, pixels: &[u8]) {
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let mut rgba = Vec::with_capacity(pixels.len() * 4);
    for &v in pixels {
        rgba.extend_from_slice(&[v, v, v, 255]);
    }
    if let Ok(img) =
        ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), 28, 28)
    {
        dom::log_failure(ctx.put_image_data(&img, 0.0, 0.0), "a gallery digit");
    }
}

/// The pad's accessible name while it is empty.
const EMPTY_PAD: &str = "Drawing pad, empty: draw a digit with the mouse, a finger or a pen, or press Random test digit";

fn now_ms() -> f64 {
    dom::window().performance().map_or(0.0, |p| p.now())
}

/// Creates lane `lane`'s worker and routes its messages to the view.
fn spawn_worker(lane: usize) -> Result<Worker, String> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Classic);
    let worker = Worker::new_with_options("./worker_loader.js", &options).map_err(|e| {
        format!(
            "its Web Worker could not be created ({})",
            super::data::js_message(&e)
        )
    })?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let msg = match serde_wasm_bindgen::from_value::<FromWorker>(e.data()) {
            Ok(message) => Msg::FromWorker { lane, message },
            Err(err) => Msg::Unreadable {
                lane,
                error: err.to_string(),
            },
        };
        with_app(|app| app.dispatch(msg));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
        e.prevent_default();
        let message = e.message();
        with_app(|app| app.dispatch(Msg::WorkerFailed { lane, message }));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    Ok(worker)
}

/// The element an event happened on, if it is an HTML element.
fn target_of(e: &Event) -> Option<HtmlElement> {
    e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok())
}

fn wire_events() {
    if let Ok(form) = by_id::<HtmlElement>("settings") {
        on::<Event>(&form, "change", |_| with_app(App::on_settings_changed));
        on::<Event>(&form, "submit", |e| e.prevent_default());
        on::<Event>(&form, "click", |e| {
            let Some(target) = target_of(&e) else { return };
            if let Some(lane) = target.get_attribute("data-remove") {
                if let Ok(i) = lane.parse::<usize>() {
                    with_app(|a| a.edit_config(|c| c.remove_lane(i)));
                }
            } else if let Some(hidden) = target.get_attribute("data-hidden") {
                with_app(|a| {
                    a.form.set_hidden(&hidden);
                    a.on_settings_changed();
                });
            } else if target.id() == "add-lane" {
                with_app(|a| a.edit_config(RaceConfig::add_lane));
            } else if target.id() == "new-seed" {
                with_app(App::new_seed);
            }
        });
    }
    let button = |id: &str, f: fn(&mut App)| {
        if let Ok(b) = by_id::<HtmlElement>(id) {
            on::<Event>(&b, "click", move |_| with_app(f));
        }
    };
    button("start", |a| a.dispatch(Msg::Start));
    button("toggle-settings", |a| {
        let shown = !a.view.page.hide_settings;
        a.dispatch(Msg::ShowSettings(!shown));
    });
    button("pause", |a| a.dispatch(Msg::TogglePause));
    button("reset", |a| a.dispatch(Msg::Reset));
    button("clear", App::clear_pad);
    button("random-digit", App::random_test_digit);
    button("download-csv", |a| a.download_csv());
    button("download-json", |a| a.download_json());
    button("step-batch", |a| a.dispatch(Msg::Step(StepTo::Batch)));
    button("step-report", |a| a.dispatch(Msg::Step(StepTo::Report)));
    // A data table opened while racing shows the latest reports at once (closed, it waits).
    if let Ok(tables) = dom::document().query_selector_all("details.chart-data") {
        for i in 0..tables.length() {
            if let Some(details) = tables.item(i) {
                on::<Event>(&details, "toggle", |_| {
                    with_app(|a| {
                        a.pacer.note(Redraw::Now);
                        a.schedule_frame();
                    })
                });
            }
        }
    }
    if let Ok(gallery) = by_id::<HtmlElement>("gallery") {
        on::<Event>(&gallery, "click", |e| {
            let picked = target_of(&e)
                .and_then(|t| t.closest("[data-pick]").ok().flatten())
                .and_then(|t| t.get_attribute("data-pick"))
                .and_then(|i| i.parse::<u32>().ok());
            if let Some(index) = picked {
                with_app(|a| a.dispatch(Msg::PickTestImage { index }));
            }
        });
    }
    for id in ["compare-a", "compare-b"] {
        if let Ok(select) = by_id::<HtmlElement>(id) {
            on::<Event>(&select, "change", |_| {
                with_app(|a| {
                    let (x, y) = (
                        a.el.compare_a.value().parse::<usize>(),
                        a.el.compare_b.value().parse::<usize>(),
                    );
                    if let (Ok(x), Ok(y)) = (x, y) {
                        a.dispatch(Msg::Compare { a: x, b: y });
                    }
                })
            });
        }
    }
    if let Ok(charts) = by_id::<HtmlElement>("charts") {
        on::<Event>(&charts, "click", |e| {
            let Some(target) = target_of(&e) else { return };
            for format in ["png", "svg"] {
                if let Some(chart) = target.get_attribute(&format!("data-download-{format}")) {
                    with_app(|a| a.download_chart(&chart, format));
                }
            }
        });
    }
    if let Ok(banner) = by_id::<HtmlElement>("error") {
        on::<Event>(&banner, "click", |e| {
            let Some(target) = target_of(&e) else { return };
            if target.class_name().contains("dismiss") {
                with_app(|a| a.dispatch(Msg::DismissErrors));
            } else if target.get_attribute("data-action").as_deref() == Some("restart") {
                with_app(|a| a.dispatch(Msg::RestartCrashed));
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
    on::<Event>(&dom::window(), "resize", |_| with_app(App::size_charts));
    super::inside::wire(|action| with_app(|a| a.on_inside(action)));
}
