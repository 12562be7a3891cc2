//! Saving files from the page: a text file (JSON, CSV, SVG) through a Blob URL, a canvas as PNG.

use super::dom::{append, document};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, Url};

/// Offers `contents` as a download named `file_name`.
pub fn save_text(file_name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| {
        format!(
            "the file could not be made: {}",
            super::data::js_message(&e)
        )
    })?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| {
        format!(
            "the file could not be made: {}",
            super::data::js_message(&e)
        )
    })?;
    click_link(file_name, &url)?;
    // The click has started the download; the URL can go.
    Url::revoke_object_url(&url).ok();
    Ok(())
}

/// Offers a canvas's pixels as a PNG download named `file_name`.
pub fn save_canvas_png(file_name: &str, canvas: &HtmlCanvasElement) -> Result<(), String> {
    let url = canvas.to_data_url_with_type("image/png").map_err(|e| {
        format!(
            "the chart could not be saved: {}",
            super::data::js_message(&e)
        )
    })?;
    click_link(file_name, &url)
}

fn click_link(file_name: &str, url: &str) -> Result<(), String> {
    let a: HtmlAnchorElement = document()
        .create_element("a")
        .map_err(|_| "a link could not be made".to_string())?
        .unchecked_into();
    a.set_href(url);
    a.set_download(file_name);
    a.set_hidden(true);
    let body = document().body().ok_or("the page has no body")?;
    append(&body, &a);
    a.click();
    a.remove();
    Ok(())
}
