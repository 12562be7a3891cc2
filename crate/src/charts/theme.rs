//! The charts' one look: colours, the font, and sizes in CSS pixels (scaled by the device pixel
//! ratio when drawn).

use super::painter::Color;
use crate::race::limits::MAX_LANES;

/// Lane colours: the Okabe–Ito palette, distinguishable with every common colour-vision
/// deficiency. Lane `i` has colour `i` on the page and in the CLI's figures.
pub const LANE_COLORS: [(u8, u8, u8); MAX_LANES] = [
    (0xE6, 0x9F, 0x00),
    (0x00, 0x72, 0xB2),
    (0x00, 0x9E, 0x73),
    (0xCC, 0x79, 0xA7),
];

pub const FONT: &str = "system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif";
pub const BACKGROUND: Color = Color::rgb(0xff, 0xff, 0xff);
pub const GRID: Color = Color::rgb(0xe8, 0xe8, 0xee);
pub const GRID_MINOR: Color = Color::rgb(0xf4, 0xf4, 0xf7);
pub const AXIS: Color = Color::rgb(0xb4, 0xb7, 0xc4);
pub const TEXT: Color = Color::rgb(0x33, 0x33, 0x33);
pub const MUTED: Color = Color::rgb(0x6b, 0x6f, 0x7d);

/// The hint on a chart with nothing to show yet.
pub const WAITING: &str = "waiting for the first report";

// Sizes in CSS pixels.
pub const PAD: f64 = 8.0;
pub const TICK_FONT: f64 = 11.0;
pub const LEGEND_FONT: f64 = 11.5;
pub const NOTE_FONT: f64 = 10.5;
pub const HINT_FONT: f64 = 13.0;
pub const LINE_WIDTH: f64 = 2.0;

/// A chart needs at least this much room (CSS pixels); smaller canvases (e.g. hidden) are only
/// cleared.
pub const MIN_SIZE: (f64, f64) = (120.0, 90.0);
