//! Activation Race: multilayer perceptrons that differ only in their hidden activation, racing
//! on MNIST.
//!
//! The engine (everything but [`charts`] and [`web`]) is plain Rust and runs the same natively
//! (the `race` CLI, tests, benchmarks) and in Web Workers (compiled to wasm). The charts are
//! plain Rust too: drawn on canvas by the page and written as SVG by the CLI. See
//! ARCHITECTURE.md for the map.

pub mod activation;
pub mod charts;
pub mod init;
pub mod kernels;
pub mod lessons;
pub mod metrics;
pub mod mistakes;
pub mod mnist;
pub mod network;
pub mod optimizer;
pub mod preprocess;
pub mod protocol;
pub mod race;
pub mod record;
pub mod report;
pub mod seeds;
pub mod settings;
pub mod view;

pub use activation::Activation;
pub use init::{InitMode, InitScheme};
pub use mnist::{DataError, Mnist};
pub use network::Mlp;
pub use optimizer::OptimizerKind;
pub use race::{Lane, LaneState, RaceConfig, Variable};
pub use report::{EpochReport, IntervalReport, LaneEvent, TestPredictions};

#[cfg(not(target_arch = "wasm32"))]
pub mod native;

#[cfg(target_arch = "wasm32")]
pub mod web;

// Unit tests marked `wasm_bindgen_test` (the SIMD kernels) run in headless Chromium.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
