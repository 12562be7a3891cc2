//! Sending the protocol's messages across the worker boundary with serde-wasm-bindgen.

use crate::protocol::{FromWorker, ToWorker};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, Worker};

fn to_js<T: Serialize>(message: &T) -> Result<JsValue, String> {
    // Plain objects rather than JS Maps, so messages read well in the devtools too.
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    message
        .serialize(&serializer)
        .map_err(|e| format!("a message could not be serialized: {e}"))
}

/// Worker → page. Failures are logged: there is nobody else to tell.
pub fn post_from_worker(message: &FromWorker) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    match to_js(message) {
        Ok(v) => {
            if let Err(e) = scope.post_message(&v) {
                web_sys::console::error_2(&"postMessage failed".into(), &e);
            }
        }
        Err(e) => web_sys::console::error_1(&e.into()),
    }
}

/// Page → worker.
pub fn post_to_worker(worker: &Worker, message: &ToWorker) -> Result<(), String> {
    let v = to_js(message)?;
    worker.post_message(&v).map_err(|e| {
        format!(
            "a message to a worker failed: {}",
            super::data::js_message(&e)
        )
    })
}
