//! Loading MNIST in a Web Worker: fetch the gzip assets, decompress them with the browser's own
//! `DecompressionStream` (native code, no inflate in our wasm), validate with the IDX reader.

use crate::mnist::{DataError, FILES, Mnist};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStream, ReadableWritablePair, Response, WorkerGlobalScope, WritableStream};

// `DecompressionStream` is behind web-sys's unstable-API flag; these few bindings avoid a
// crate-wide `--cfg web_sys_unstable_apis`. (It is supported by every current browser.)
#[wasm_bindgen]
extern "C" {
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &DecompressionStream) -> ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &DecompressionStream) -> WritableStream;
}

/// Rough share of the download of each file, for the progress bar.
const WEIGHTS: [f32; 4] = [0.84, 0.01, 0.14, 0.01];

/// Fetches and validates the four files under `base_url` (e.g. `"data/"`), calling `progress`
/// with the fraction done after each file.
pub async fn load(base_url: &str, mut progress: impl FnMut(f32, &str)) -> Result<Mnist, DataError> {
    let mut files: Vec<Vec<u8>> = Vec::with_capacity(4);
    let mut names: Vec<String> = Vec::with_capacity(4);
    let mut done = 0.0;
    for (name, weight) in FILES.iter().zip(WEIGHTS) {
        let url = format!("{base_url}{name}.gz");
        progress(done, &url);
        files.push(fetch_gzip(&url).await?);
        names.push(url);
        done += weight;
    }
    progress(1.0, "validating");
    let [a, b, c, d]: [Vec<u8>; 4] = files.try_into().expect("four files");
    Mnist::from_idx_owned([a, b, c, d], [&names[0], &names[1], &names[2], &names[3]])
}

/// The decompressed body of a gzip file at `url`.
async fn fetch_gzip(url: &str) -> Result<Vec<u8>, DataError> {
    let fail = |what: &str, e: JsValue| DataError::new(url, format!("{what} ({})", js_message(&e)));
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let response: Response = JsFuture::from(scope.fetch_with_str(url))
        .await
        .map_err(|e| fail("could not be downloaded", e))?
        .unchecked_into();
    if !response.ok() {
        return Err(DataError::new(
            url,
            format!(
                "the server answered HTTP {} {}; was the page built with the data (bash .ci/setup)?",
                response.status(),
                response.status_text()
            ),
        ));
    }
    // Read the whole compressed file first, then inflate: piping the network stream straight into
    // the decompressor lets it cancel the request after the gzip trailer, which the browser logs
    // as a failed request.
    let compressed = read_body(&response)
        .await
        .map_err(|e| fail("could not be downloaded completely", e))?;
    let body = Response::new_with_opt_buffer_source(Some(&compressed.unchecked_into()))
        .map_err(|e| fail("could not be read", e))?
        .body()
        .ok_or_else(|| DataError::new(url, "the response has no body"))?;
    let gunzip = DecompressionStream::new("gzip")
        .map_err(|e| fail("this browser cannot decompress gzip", e))?;
    let pair = ReadableWritablePair::new(&gunzip.readable(), &gunzip.writable());
    let inflated = Response::new_with_opt_readable_stream(Some(&body.pipe_through(&pair)))
        .map_err(|e| fail("could not be decompressed", e))?;
    let buffer = read_body(&inflated)
        .await
        .map_err(|e| fail("is not valid gzip data", e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A response's whole body, as an ArrayBuffer.
async fn read_body(response: &Response) -> Result<JsValue, JsValue> {
    JsFuture::from(response.array_buffer()?).await
}

/// The message of a JS error value (or its string form).
pub fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        String::from(err.message())
    } else {
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }
}
