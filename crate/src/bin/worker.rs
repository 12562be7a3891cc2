//! Entry point of a lane's Web Worker (built by Trunk as `worker.js` + `worker_bg.wasm`).

#[cfg(target_arch = "wasm32")]
fn main() {
    activation_race::web::worker::start();
}

// Natively there is no worker to run; `race` is the terminal front end.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("`worker` runs in the browser; use `race` in a terminal");
}
