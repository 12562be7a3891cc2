//! Which of the page's canvases are on screen, as the browser's IntersectionObserver reports it:
//! the page redraws the others less often while racing (`view::pacing::CanvasSchedule`).

use wasm_bindgen::prelude::*;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// How near the window a canvas counts as on screen: it is current by the time it scrolls in.
const MARGIN: &str = "50px";

/// Calls `changed(i, on_screen)` whenever `elements[i]` comes near the window or leaves it, for
/// the page's lifetime (first for each element's state at the start).
pub fn observe(
    elements: Vec<Element>,
    changed: impl Fn(usize, bool) + 'static,
) -> Result<(), String> {
    let targets = elements.clone();
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        for entry in entries.iter() {
            let entry: IntersectionObserverEntry = entry.unchecked_into();
            let target = entry.target();
            if let Some(i) = targets.iter().position(|t| *t == target) {
                changed(i, entry.is_intersecting());
            }
        }
    });
    let init = IntersectionObserverInit::new();
    init.set_root_margin(MARGIN);
    let observer = IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &init)
        .map_err(|e| format!("no IntersectionObserver: {e:?}"))?;
    for e in &elements {
        observer.observe(e);
    }
    // Both live as long as the page.
    callback.forget();
    std::mem::forget(observer);
    Ok(())
}
