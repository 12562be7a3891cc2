//! One lane's Web Worker: loads MNIST, trains its lane in short slices and answers the page.
//!
//! Training runs in slices of [`SLICE_SECS`]; between slices the worker yields to its event loop
//! through a `MessageChannel` (a zero-delay yield: `setTimeout(0)` is clamped to 4 ms), so that
//! pause, a new configuration or a classification request waits at most one slice.
//!
//! The worker keeps the page's current input and answers again after every interval report and
//! after a new configuration, so the page sends a drawing once.

use super::data;
use super::post::post_from_worker as post;
use crate::mnist::Mnist;
use crate::network::INPUT;
use crate::protocol::{FieldsMessage, FromWorker, StepTo, TestImage, ToWorker, check_pixels};
use crate::race::{Lane, LaneState};
use crate::report::LaneEvent;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

/// Longest stretch of training between two looks at the message queue.
const SLICE_SECS: f64 = 0.012;

struct WorkerState {
    data: Option<Rc<Mnist>>,
    lane: Option<Lane>,
    /// The page's current input and its request number.
    input: Option<(u32, Box<[u8; INPUT]>)>,
    /// First-layer units whose incoming weights the page watches.
    watched: Vec<usize>,
    /// When the watched units' weights were last sent (ms, `Date.now()`).
    fields_sent_ms: f64,
    running: bool,
    slice_pending: bool,
    yield_channel: MessageChannel,
}

thread_local! {
    static STATE: RefCell<Option<WorkerState>> = const { RefCell::new(None) };
}

/// The worker's entry point: installs the handlers, then says `Ready`.
pub fn start() {
    super::install_panic_hook(|message| post(&FromWorker::Panicked { message }));
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let yield_channel = match MessageChannel::new() {
        Ok(c) => c,
        Err(e) => {
            post(&FromWorker::Error {
                message: format!("cannot create a message channel: {}", data::js_message(&e)),
            });
            return;
        }
    };
    let on_slice = Closure::<dyn FnMut(MessageEvent)>::new(|_| run_slice());
    yield_channel
        .port1()
        .set_onmessage(Some(on_slice.as_ref().unchecked_ref()));
    on_slice.forget();
    STATE.with(|s| {
        *s.borrow_mut() = Some(WorkerState {
            data: None,
            lane: None,
            input: None,
            watched: Vec::new(),
            fields_sent_ms: f64::NEG_INFINITY,
            running: false,
            slice_pending: false,
            yield_channel,
        })
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| {
        match serde_wasm_bindgen::from_value::<ToWorker>(e.data()) {
            Ok(command) => handle(command),
            Err(err) => post(&FromWorker::Error {
                message: format!("the worker received a message it does not understand: {err}"),
            }),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Ready);
}

fn with_state<R>(f: impl FnOnce(&mut WorkerState) -> R) -> Option<R> {
    STATE.with(|s| s.borrow_mut().as_mut().map(f))
}

fn handle(command: ToWorker) {
    match command {
        ToWorker::Load { base_url, cache } => {
            wasm_bindgen_futures::spawn_local(async move {
                let started = js_sys::Date::now();
                let result = data::load(&base_url, cache.as_deref(), |p| {
                    post(&FromWorker::Loading {
                        fraction: p.fraction(),
                        stage: if p.unpacking {
                            "unpacking"
                        } else {
                            "downloading"
                        }
                        .into(),
                        received: p.received,
                        total: p.total,
                        from_cache: p.from_cache,
                    })
                })
                .await;
                match result {
                    Ok(mnist) => {
                        post(&FromWorker::Loaded {
                            train: mnist.train.len(),
                            test: mnist.test.len(),
                            seconds: (js_sys::Date::now() - started) / 1000.0,
                            test_labels: mnist.test.labels().to_vec(),
                        });
                        with_state(|s| {
                            s.data = Some(Rc::new(mnist));
                            if s.running {
                                schedule_slice(s);
                            }
                        });
                    }
                    Err(e) => post(&FromWorker::LoadFailed {
                        message: format!("MNIST could not be loaded: {e}"),
                    }),
                }
            });
        }
        ToWorker::Configure { config, lane } => {
            with_state(|s| {
                s.running = false;
                match Lane::new(&config, lane) {
                    Ok(l) => {
                        post(&FromWorker::Configured {
                            lane,
                            parameters: l.network().parameter_count(),
                            layer_sizes: l.network().sizes(),
                        });
                        s.lane = Some(l);
                        answer_input(s);
                        send_fields(s, true);
                    }
                    Err(message) => {
                        s.lane = None;
                        post(&FromWorker::Refused {
                            lane,
                            message: format!("these settings cannot be raced: {message}"),
                        });
                    }
                }
                post_state(s);
            });
        }
        ToWorker::Start => {
            with_state(|s| {
                let can_train = s
                    .lane
                    .as_ref()
                    .is_some_and(|l| l.state() == LaneState::Training);
                s.running = can_train;
                if can_train && s.data.is_some() {
                    schedule_slice(s);
                }
                post_state(s);
            });
        }
        ToWorker::Pause => {
            with_state(|s| {
                s.running = false;
                post_state(s);
            });
        }
        ToWorker::SetInput { request, pixels } => {
            with_state(|s| {
                match check_pixels(&pixels).and_then(|()| {
                    <[u8; INPUT]>::try_from(pixels.as_slice()).map_err(|e| e.to_string())
                }) {
                    Ok(image) => {
                        s.input = Some((request, Box::new(image)));
                        answer_input(s);
                    }
                    Err(message) => post(&FromWorker::Error { message }),
                }
            });
        }
        ToWorker::ClearInput => {
            with_state(|s| s.input = None);
        }
        ToWorker::Step { to } => {
            with_state(|s| step(s, to));
        }
        ToWorker::TestImages { indices } => {
            with_state(|s| {
                let Some(data) = s.data.as_ref() else {
                    post(&FromWorker::Error {
                        message: "the test images are not loaded yet".into(),
                    });
                    return;
                };
                let images = indices
                    .iter()
                    .map(|&index| {
                        let i = index as usize % data.test.len();
                        TestImage {
                            index: i as u32,
                            label: data.test.label(i),
                            pixels: data.test.image(i).to_vec(),
                        }
                    })
                    .collect();
                post(&FromWorker::TestImages { images });
            });
        }
        ToWorker::WatchUnits { units } => {
            with_state(|s| {
                s.watched = units;
                send_fields(s, true);
            });
        }
        ToWorker::TestDigit { request, index } => {
            with_state(|s| {
                let Some(data) = s.data.as_ref() else {
                    post(&FromWorker::Error {
                        message: "the test digits are not loaded yet".into(),
                    });
                    return;
                };
                let i = index as usize % data.test.len();
                post(&FromWorker::TestDigit {
                    request,
                    index: i as u32,
                    label: data.test.label(i),
                    pixels: data.test.image(i).to_vec(),
                });
            });
        }
        ToWorker::Snapshot => {
            with_state(|s| {
                if let Some(lane) = &s.lane {
                    let snapshot = lane.network().snapshot();
                    post(&FromWorker::Snapshot {
                        lane: lane.index(),
                        layer_sizes: snapshot.layer_sizes,
                        weights: snapshot.weights,
                        biases: snapshot.biases,
                        batch_order: lane.batch_order().to_vec(),
                    });
                }
            });
        }
        ToWorker::Crash => {
            panic!("deliberate crash requested by the page (a test of the crash path)")
        }
    }
}

/// The lane's reading of the current input, if there is both: the probabilities and every
/// hidden unit on the way.
fn answer_input(s: &mut WorkerState) {
    if let (Some(lane), Some((request, pixels))) = (s.lane.as_mut(), &s.input) {
        match lane.trace(&pixels[..]) {
            Ok(trace) => post(&FromWorker::Prediction {
                request: *request,
                lane: lane.index(),
                probabilities: trace.probabilities,
                samples_seen: lane.samples_seen(),
                layers: trace.layers,
            }),
            Err(message) => post(&FromWorker::Error { message }),
        }
    }
}

/// Longest wait between two sendings of the watched units' weights while training.
const FIELDS_INTERVAL_MS: f64 = 1000.0;

/// The watched units' incoming weights, if any are watched (`now`: whatever the time).
fn send_fields(s: &mut WorkerState, now: bool) {
    let Some(lane) = s.lane.as_ref() else { return };
    if s.watched.is_empty() {
        return;
    }
    let t = js_sys::Date::now();
    if !now && t - s.fields_sent_ms < FIELDS_INTERVAL_MS {
        return;
    }
    match lane.receptive_fields(&s.watched) {
        Ok(fields) => {
            s.fields_sent_ms = t;
            post(&FromWorker::ReceptiveFields(FieldsMessage::encode(
                lane.index(),
                &fields,
                lane.epochs_done(),
            )));
        }
        Err(message) => post(&FromWorker::Error { message }),
    }
}

/// Step mode: one batch and a report of where the lane is, or up to the next report.
fn step(s: &mut WorkerState, to: StepTo) {
    let (Some(lane), Some(data)) = (s.lane.as_mut(), s.data.clone()) else {
        return;
    };
    if s.running || lane.state() != LaneState::Training {
        post_state(s);
        return;
    }
    let mut events = Vec::new();
    match to {
        StepTo::Batch => {
            lane.advance(&data, 1, &mut events);
            if !events.iter().any(|e| matches!(e, LaneEvent::Interval(_)))
                && let Some(report) = lane.peek_report(&data)
            {
                events.push(LaneEvent::Interval(report));
            }
        }
        StepTo::Report => {
            lane.advance_to_next_report(&data, &mut events);
        }
    }
    for event in events {
        post(&FromWorker::Event(event));
    }
    answer_input(s);
    send_fields(s, true);
    post_state(s);
}

fn post_state(s: &WorkerState) {
    if let Some(lane) = &s.lane {
        post(&FromWorker::State {
            lane: lane.index(),
            running: s.running,
            epochs_done: lane.epochs_done(),
            samples_seen: lane.samples_seen(),
        });
    }
}

fn schedule_slice(s: &mut WorkerState) {
    if !s.slice_pending {
        s.slice_pending = true;
        if s.yield_channel
            .port2()
            .post_message(&JsValue::NULL)
            .is_err()
        {
            s.slice_pending = false;
            post(&FromWorker::Error {
                message: "the worker could not schedule its next training slice".into(),
            });
        }
    }
}

fn run_slice() {
    with_state(|s| {
        s.slice_pending = false;
        if !s.running {
            return;
        }
        let (Some(lane), Some(data)) = (s.lane.as_mut(), s.data.clone()) else {
            return;
        };
        let mut events = Vec::new();
        lane.advance_until(&data, usize::MAX, SLICE_SECS, &mut events);
        let still_training = lane.state() == LaneState::Training;
        let reported = events.iter().any(|e| matches!(e, LaneEvent::Interval(_)));
        for event in events {
            post(&FromWorker::Event(event));
        }
        // The network changed: its reading of the page's input may have too.
        if reported {
            answer_input(s);
            send_fields(s, false);
        }
        if still_training {
            schedule_slice(s);
        } else {
            s.running = false;
            post_state(s);
        }
    });
}
