//! Loading MNIST in a Web Worker: fetch the gzip assets (counting the bytes as they come), or read
//! them from the browser's Cache Storage where another lane or an earlier visit put them,
//! decompress them with the browser's own `DecompressionStream` (native code, no inflate in our
//! wasm), validate with the IDX reader, and keep them in the cache once they are valid.

use crate::mnist::{DataError, FILES, Mnist};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, Cache, CacheStorage, ReadableStream, ReadableStreamDefaultReader, ReadableWritablePair,
    Response, WritableStream,
};

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

/// How far loading is: `received` of `total` compressed bytes (`total` 0 when unknown), from the
/// browser's cache or the network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub received: u64,
    pub total: u64,
    pub from_cache: bool,
    /// Downloading is done; the files are being decompressed and checked.
    pub unpacking: bool,
}

impl Progress {
    /// Share of the whole load: the bytes are most of the wait, unpacking the rest.
    pub fn fraction(&self) -> f32 {
        if self.unpacking {
            0.95
        } else if self.total > 0 {
            0.9 * (self.received as f32 / self.total as f32).min(1.0)
        } else {
            0.0
        }
    }
}

/// Least time between two progress messages while bytes arrive (ms).
const PROGRESS_INTERVAL_MS: f64 = 100.0;

/// Fetches and validates the four files under `base_url` (e.g. `"data/"`), calling `progress` as
/// bytes arrive. With `cache` (a Cache Storage name), files found there are read from it, and the
/// ones fetched from the network are put there once all four are valid — never before, so a
/// broken download is never kept.
pub async fn load(
    base_url: &str,
    cache: Option<&str>,
    mut progress: impl FnMut(Progress),
) -> Result<Mnist, DataError> {
    let cache = match cache {
        Some(name) => open_cache(name).await,
        None => None,
    };
    let urls: Vec<String> = FILES.iter().map(|n| format!("{base_url}{n}.gz")).collect();
    // Ask for all four at once: the sizes in their headers make the total known from the start.
    let mut pending = Vec::with_capacity(4);
    for url in &urls {
        let cached = match &cache {
            Some(c) => cached_response(c, url).await,
            None => None,
        };
        pending.push(match cached {
            Some(r) => (true, Ok(r)),
            None => (false, Err(JsFuture::from(global_fetch(url)))),
        });
    }
    let mut responses = Vec::with_capacity(4);
    for ((from_cache, r), url) in pending.into_iter().zip(&urls) {
        let response = match r {
            Ok(r) => r,
            Err(fetching) => checked(url, fetching.await)?,
        };
        responses.push((from_cache, response));
    }
    let total: u64 = responses
        .iter()
        .map(|(_, r)| content_length(r))
        .sum::<Option<u64>>()
        .unwrap_or(0);
    let from_cache = responses.iter().all(|(c, _)| *c);
    let mut p = Progress {
        received: 0,
        total,
        from_cache,
        unpacking: false,
    };
    progress(p);
    let mut last_post = js_sys::Date::now();
    let mut bodies = Vec::with_capacity(4);
    for ((_, response), url) in responses.iter().zip(&urls) {
        let blob = read_blob(response, |n| {
            p.received += n;
            let now = js_sys::Date::now();
            if now - last_post >= PROGRESS_INTERVAL_MS {
                last_post = now;
                progress(p);
            }
        })
        .await
        .map_err(|e| {
            DataError::new(
                url,
                format!("could not be downloaded completely ({})", js_message(&e)),
            )
        })?;
        bodies.push(blob);
    }
    p.unpacking = true;
    progress(p);
    let mut files: Vec<Vec<u8>> = Vec::with_capacity(4);
    for (blob, url) in bodies.iter().zip(&urls) {
        files.push(gunzip(url, blob).await?);
    }
    let [a, b, c, d]: [Vec<u8>; 4] = files.try_into().expect("four files");
    let mnist = Mnist::from_idx_owned([a, b, c, d], [&urls[0], &urls[1], &urls[2], &urls[3]])?;
    if let Some(c) = &cache {
        for (((came_from_cache, _), blob), url) in responses.iter().zip(&bodies).zip(&urls) {
            if !came_from_cache {
                // A full quota only costs the next visit its download: nothing to tell.
                put_in_cache(c, url, blob).await.ok();
            }
        }
    }
    Ok(mnist)
}

// `fetch` and `caches` are globals of the page and of workers alike.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str) -> js_sys::Promise;
}

/// The Cache Storage cache `name`, if this context has one (not in insecure contexts).
async fn open_cache(name: &str) -> Option<Cache> {
    let storage: CacheStorage = js_sys::Reflect::get(&js_sys::global(), &"caches".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())?
        .unchecked_into();
    JsFuture::from(storage.open(name))
        .await
        .ok()
        .map(JsCast::unchecked_into)
}

/// `url`'s response in `cache`, if it is there.
async fn cached_response(cache: &Cache, url: &str) -> Option<Response> {
    let found = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    found
        .dyn_into::<Response>()
        .ok()
        .filter(|r: &Response| r.ok())
}

async fn put_in_cache(cache: &Cache, url: &str, blob: &Blob) -> Result<(), JsValue> {
    let response = Response::new_with_opt_blob(Some(blob))?;
    JsFuture::from(cache.put_with_str(url, &response)).await?;
    Ok(())
}

/// A fetch's response, or the error that says what went wrong with `url`.
fn checked(url: &str, fetched: Result<JsValue, JsValue>) -> Result<Response, DataError> {
    let response: Response = fetched
        .map_err(|e| DataError::new(url, format!("could not be downloaded ({})", js_message(&e))))?
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
    Ok(response)
}

/// The body's size from Content-Length, when the server sent it and did not re-encode the body
/// (then the header counts other bytes than the ones read).
fn content_length(response: &Response) -> Option<u64> {
    let headers = response.headers();
    if headers.has("content-encoding").unwrap_or(true) {
        return None;
    }
    headers.get("content-length").ok()??.trim().parse().ok()
}

/// The whole body as a Blob, read chunk by chunk to tell `arrived` how many bytes came.
async fn read_blob(response: &Response, mut arrived: impl FnMut(u64)) -> Result<Blob, JsValue> {
    let Some(body) = response.body() else {
        return Blob::new();
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let chunks = js_sys::Array::new();
    loop {
        let step = JsFuture::from(reader.read()).await?;
        if js_sys::Reflect::get(&step, &"done".into())?.is_truthy() {
            break;
        }
        let chunk: Uint8Array = js_sys::Reflect::get(&step, &"value".into())?.unchecked_into();
        arrived(u64::from(chunk.length()));
        chunks.push(&chunk);
    }
    Blob::new_with_u8_array_sequence(&chunks)
}

/// The decompressed contents of the gzip file `url`, whose bytes are `blob`.
async fn gunzip(url: &str, blob: &Blob) -> Result<Vec<u8>, DataError> {
    let fail = |what: &str, e: JsValue| DataError::new(url, format!("{what} ({})", js_message(&e)));
    let body = Response::new_with_opt_blob(Some(blob))
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
