//! The lane worker built with WebAssembly relaxed SIMD (fused multiply-add in the matrix kernel).
//! `worker_loader.js` starts it where the browser supports relaxed SIMD, else `worker`.

#[cfg(target_arch = "wasm32")]
fn main() {
    activation_race::web::worker::start();
}

// Natively there is no worker to run; `race` is the terminal front end.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("`worker_relaxed` runs in the browser; use `race` in a terminal");
}
