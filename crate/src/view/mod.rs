//! The page's logic as plain Rust, built for every target and tested natively: what the page
//! knows about each lane, how it reacts to the user and to the workers, and what it shows.
//!
//! The DOM code in `web/` only renders this state and carries out its [`race::Command`]s (the
//! update/view split of candle's wasm examples): `update(message) -> commands`, then render.

pub mod export;
pub mod inside;
pub mod layer_tables;
pub mod pacing;
pub mod race;
pub mod seeds;
pub mod summaries;

pub use race::{Command, LanePhase, Msg, RaceView, WorkerPhase};
