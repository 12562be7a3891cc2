//! Offline and slow links: the service worker (`www/sw.js`) that keeps the app for the next visit,
//! and the Cache Storage cache through which the lanes share one download of MNIST (and the next
//! visit finds it without the network).
//!
//! The build (`www/sw_manifest.mjs`, a Trunk post-build hook) names both caches after what they
//! hold and writes the MNIST cache's name into the page's `<meta name="mnist-cache">`: a build with
//! other data files gets a new cache, and the service worker deletes the old one.

use super::data::js_message;
use std::cell::Cell;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// The name of the cache the lanes share MNIST through, where this page can use one (Cache
/// Storage exists only in secure contexts: https, or http on localhost).
pub fn mnist_cache() -> Option<String> {
    let window = web_sys::window()?;
    let caches = js_sys::Reflect::get(&window, &"caches".into()).ok()?;
    if caches.is_undefined() || caches.is_null() {
        return None;
    }
    let name = window
        .document()?
        .query_selector("meta[name=mnist-cache]")
        .ok()??
        .get_attribute("content")?;
    if name.is_empty() {
        return None;
    }
    // As the service worker names it: with its scope, the page's folder.
    let path = window.location().pathname().ok()?;
    let folder = &path[..=path.rfind('/')?];
    Some(format!("{name}@{folder}"))
}

thread_local! {
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Registers the service worker (once), where the browser has them. The page calls this when
/// the race is ready, so that the worker's copy of the app does not compete with the first
/// download of MNIST on a slow link. Its URL is relative to the page, so its scope is the page's
/// folder: the page works offline under any base path.
pub fn register_service_worker_once() {
    if REGISTERED.with(|r| r.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    if JsValue::from(container.clone()).is_undefined() {
        return;
    }
    let registering = container.register("./sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(registering).await {
            // The page works as well without it, only not offline: a warning, not an error.
            web_sys::console::warn_1(
                &format!(
                    "the service worker (offline use) could not be registered: {}",
                    js_message(&e)
                )
                .into(),
            );
        }
    });
}
