//! Small DOM helpers for the page: finding elements, creating them, listening to events.

use crate::view::summaries::ChartTable;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, EventTarget, HtmlElement, Window};

pub fn window() -> Window {
    web_sys::window().expect("the page runs in a window")
}

pub fn document() -> Document {
    window().document().expect("the window has a document")
}

/// The element with `id`, as type `T`. The ids are the page's own (www/index.html), so a missing
/// one is a bug in the page, reported with its name.
pub fn by_id<T: JsCast>(id: &str) -> Result<T, String> {
    document()
        .get_element_by_id(id)
        .ok_or_else(|| format!("the page has no element #{id}"))?
        .dyn_into::<T>()
        .map_err(|_| format!("#{id} is not the expected kind of element"))
}

/// A new `<tag class="class">` element.
pub fn create(tag: &str, class: &str) -> HtmlElement {
    let el: HtmlElement = document()
        .create_element(tag)
        .expect("valid tag name")
        .unchecked_into();
    if !class.is_empty() {
        el.set_class_name(class);
    }
    el
}

/// A new element with text.
pub fn text(tag: &str, class: &str, content: &str) -> HtmlElement {
    let el = create(tag, class);
    el.set_text_content(Some(content));
    el
}

pub fn append(parent: &Element, child: &Element) {
    parent.append_child(child).expect("appending a new element");
}

pub fn set_text(el: &Element, content: &str) {
    if el.text_content().as_deref() != Some(content) {
        el.set_text_content(Some(content));
    }
}

/// Listens to `event` on `target` for the page's lifetime.
pub fn on<E: JsCast + 'static>(
    target: &EventTarget,
    event: &str,
    mut handler: impl FnMut(E) + 'static,
) {
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        handler(e.unchecked_into::<E>())
    });
    target
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .expect("adding an event listener");
    closure.forget();
}

/// Calls `f` on the next animation frame.
pub fn next_frame(f: impl FnOnce() + 'static) {
    let closure = Closure::once_into_js(f);
    if let Err(e) = window().request_animation_frame(closure.unchecked_ref()) {
        web_sys::console::error_2(&"requestAnimationFrame failed".into(), &e);
    }
}

/// Calls `f` once, after `ms` milliseconds.
pub fn after_ms(ms: f64, f: impl FnOnce() + 'static) {
    let closure = Closure::once_into_js(f);
    if let Err(e) = window().set_timeout_with_callback_and_timeout_and_arguments_0(
        closure.unchecked_ref(),
        ms.ceil() as i32,
    ) {
        web_sys::console::error_2(&"setTimeout failed".into(), &e);
    }
}

/// Sets one CSS property. It fails only on a read-only declaration, which an element's own
/// style never is: then the element keeps its look and the console says so.
pub fn set_style(el: &HtmlElement, property: &str, value: &str) {
    log_failure(el.style().set_property(property, value), "setting a style");
}

/// Sets an element's CSS height to `css_px` (rounded), only when it differs: the page sizes
/// canvases at every frame that draws them.
pub fn set_height(el: &HtmlElement, css_px: f64) {
    let height = format!("{}px", css_px.round());
    if el.style().get_property_value("height").ok().as_deref() != Some(height.as_str()) {
        set_style(el, "height", &height);
    }
}

/// Logs a DOM call that failed, for calls whose failure leaves the page usable.
pub fn log_failure(result: Result<(), JsValue>, what: &str) {
    if let Err(e) = result {
        web_sys::console::error_2(&format!("{what} failed").into(), &e);
    }
}

/// A canvas's text alternative: its accessible name and its data table.
///
/// What was written last is remembered here and compared in Rust: reading `innerHTML` back
/// makes the browser serialize the table, and the page did that for ten tables at every paced
/// frame of a race. A table inside a closed `<details>` (nobody, screen readers included, can
/// read it) waits while racing; the page redraws when one is opened.
pub struct TextAlternative {
    canvas: Element,
    table: HtmlElement,
    /// The `<details>` the table sits in, if any.
    details: Option<Element>,
    /// (accessible name, table HTML) as last written.
    shown: RefCell<(String, String)>,
}

impl TextAlternative {
    pub fn new(canvas: Element, table: HtmlElement) -> TextAlternative {
        TextAlternative {
            details: table.closest("details").ok().flatten(),
            canvas,
            table,
            shown: RefCell::default(),
        }
    }

    /// Writes `t` where it differs from what is shown; while `racing`, the table only if it
    /// can be read (its `<details>` is open).
    pub fn show(&self, t: &ChartTable, racing: bool) {
        let mut shown = self.shown.borrow_mut();
        if shown.0 != t.summary {
            log_failure(
                self.canvas.set_attribute("aria-label", &t.summary),
                "setting a chart's name",
            );
            shown.0.clone_from(&t.summary);
        }
        if racing
            && self
                .details
                .as_ref()
                .is_some_and(|d| !d.has_attribute("open"))
        {
            return;
        }
        let html = t.html();
        if shown.1 != html {
            self.table.set_inner_html(&html);
            shown.1 = html;
        }
    }
}
