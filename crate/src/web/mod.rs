//! Browser glue: the page, the lane workers, canvas drawing. Thin by design — everything that can
//! be tested natively lives in the engine modules; these modules move data between the engine and
//! the DOM.

pub mod canvas;
pub mod data;
pub mod dom;
pub mod download;
pub mod inside;
pub mod lane_dom;
pub mod lessons_panel;
pub mod offline;
pub mod on_screen;
pub mod pad;
pub mod page;
pub mod post;
pub mod settings_form;
pub mod worker;

/// Installs a panic hook that logs to the console and hands the message to `report` (which
/// must not touch state that may be borrowed at the time of the panic).
pub fn install_panic_hook(report: impl Fn(String) + Send + Sync + 'static) {
    std::panic::set_hook(Box::new(move |info| {
        console_error_panic_hook::hook(info);
        report(info.to_string());
    }));
}
