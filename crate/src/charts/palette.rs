//! Colours of the views inside the networks: a diverging blue–white–orange scale for signed
//! values (weights, differences of counts) and one colour per hidden layer.
//!
//! Blue–orange is the diverging pair that stays a pair under every common colour-vision
//! deficiency (red–green scales collapse under protanopia and deuteranopia); white is zero.

use super::painter::Color;

/// Full negative on the diverging scale: ColorBrewer's RdBu blue.
pub const NEGATIVE: Color = Color::rgb(0x21, 0x66, 0xAC);
/// Full positive on the diverging scale: ColorBrewer's PuOr orange.
pub const POSITIVE: Color = Color::rgb(0xB3, 0x58, 0x06);

/// The diverging colour of `t` in [−1, 1] (clamped): white at 0, [`NEGATIVE`] at −1,
/// [`POSITIVE`] at 1, mixed linearly in between; non-finite values are white.
pub fn diverging(t: f64) -> Color {
    if !t.is_finite() {
        return Color::rgb(0xff, 0xff, 0xff);
    }
    let end = if t < 0.0 { NEGATIVE } else { POSITIVE };
    end.tint(t.abs().min(1.0))
}

/// One colour per hidden layer, input side first: viridis from dark purple to green (its last,
/// pale yellow, is left out: dots must show on white). Deeper nets reuse the last colour.
pub const LAYER_COLORS: [Color; 6] = [
    Color::rgb(0x44, 0x01, 0x54),
    Color::rgb(0x41, 0x44, 0x87),
    Color::rgb(0x2A, 0x78, 0x8E),
    Color::rgb(0x22, 0xA8, 0x84),
    Color::rgb(0x7A, 0xD1, 0x51),
    Color::rgb(0xB5, 0xDE, 0x2B),
];

/// The colour of hidden layer `layer` (0-based).
pub fn layer_color(layer: usize) -> Color {
    LAYER_COLORS[layer.min(LAYER_COLORS.len() - 1)]
}

/// Serializes a colour as `#rrggbb` (the views' test hook reports the colours it drew with).
pub fn serialize_hex<S: serde::Serializer>(c: &Color, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diverging_scale_is_white_at_zero_and_clamps() {
        assert_eq!(diverging(0.0), Color::rgb(255, 255, 255));
        assert_eq!(diverging(1.0), POSITIVE);
        assert_eq!(diverging(7.0), POSITIVE);
        assert_eq!(diverging(-1.0), NEGATIVE);
        // Half way to blue: 255 − (255 − 0x21)·0.5 = 144, 255 − (255 − 0x66)·0.5 = 178.5 → 179.
        assert_eq!(diverging(-0.5), Color::rgb(144, 179, 214));
        assert_eq!(diverging(f64::NAN), Color::rgb(255, 255, 255));
        assert_eq!(layer_color(0), LAYER_COLORS[0]);
        assert_eq!(layer_color(40), LAYER_COLORS[5]);
    }
}
