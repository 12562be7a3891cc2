//! Entry point of the page (built by Trunk into the page's main wasm).

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen::prelude::*;

    /// Test hook: makes lane `lane`'s worker panic, to exercise the crash path
    /// (`window.wasmBindings.crash_lane(0)`; see tests/README.md).
    #[wasm_bindgen]
    pub fn crash_lane(lane: usize) -> Result<(), JsError> {
        activation_race::web::page::crash_lane(lane).map_err(|e| JsError::new(&e))
    }

    /// Tooling hook: every report received so far, per lane (`window.wasmBindings.race_reports()`).
    #[wasm_bindgen]
    pub fn race_reports() -> Result<JsValue, JsError> {
        activation_race::web::page::reports().map_err(|e| JsError::new(&e))
    }

    /// Tooling hook: what the views inside the networks show
    /// (`window.wasmBindings.inside_views()`: fields, curve, confusion, tiles).
    #[wasm_bindgen]
    pub fn inside_views() -> Result<JsValue, JsError> {
        activation_race::web::page::inside_views().map_err(|e| JsError::new(&e))
    }

    /// Tooling hook: a repeated race's seeds and its bands over the finished runs
    /// (`window.wasmBindings.seed_bands()`).
    #[wasm_bindgen]
    pub fn seed_bands() -> Result<JsValue, JsError> {
        activation_race::web::page::seed_bands().map_err(|e| JsError::new(&e))
    }

    /// Test hook: the current lesson's verdict recomputed from the reports the page holds
    /// (`window.wasmBindings.lesson_verdict()`; `undefined` outside a lesson).
    #[wasm_bindgen]
    pub fn lesson_verdict() -> Result<Option<String>, JsError> {
        activation_race::web::page::lesson_verdict().map_err(|e| JsError::new(&e))
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    activation_race::web::page::start();
}

// Natively there is no page to run; `race` is the terminal front end.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("`app` is the web page; build and serve it with `bash .ci/serve`");
}
