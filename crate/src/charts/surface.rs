//! A painter with the chart's device pixel ratio: CSS sizes in, device pixels out.

use super::painter::{Anchor, Color, Font, HAlign, Painter, Rect, Stroke, TextMeasure, VAlign};
use super::theme::{BACKGROUND, FONT, MIN_SIZE};

/// The device pixel ratio the charts draw at: the browser's ratio (or the one asked for),
/// clamped to [0.5, 4]. Below 1 (browser zoom under 100%) the canvas gets fewer pixels than CSS
/// pixels and the text is drawn at the same CSS size; never flooring at 1 keeps sizing and
/// drawing in step. Non-finite or non-positive ratios count as 1.
pub fn clamp_dpr(dpr: f64) -> f64 {
    if dpr.is_finite() && dpr > 0.0 {
        dpr.clamp(0.5, 4.0)
    } else {
        1.0
    }
}

/// Canvas size in device pixels for a chart `css_w` × `css_h` CSS pixels at ratio `dpr`
/// (clamped with [`clamp_dpr`], as the drawing is).
pub fn canvas_pixels(css_w: f64, css_h: f64, dpr: f64) -> (u32, u32) {
    let dpr = clamp_dpr(dpr);
    let px = |css: f64| {
        if css.is_finite() && css > 0.0 {
            (css * dpr).round().min(f64::from(u16::MAX)) as u32
        } else {
            0
        }
    };
    (px(css_w), px(css_h))
}

/// The chart font at `css_size` CSS pixels.
pub fn font(css_size: f64, dpr: f64) -> Font {
    Font {
        family: FONT,
        size: css_size * dpr,
        italic: false,
    }
}

/// A painter and the ratio from CSS to device pixels.
pub struct Surface<'a> {
    pub p: &'a mut dyn Painter,
    pub dpr: f64,
    pub width: f64,
    pub height: f64,
}

impl<'a> Surface<'a> {
    /// Clears the painter to the background; `None` when it is too small to hold a chart (e.g.
    /// a hidden canvas).
    pub fn open(p: &'a mut dyn Painter, dpr: f64) -> Option<Surface<'a>> {
        let dpr = clamp_dpr(dpr);
        p.clip(None);
        p.fill(BACKGROUND);
        let (width, height) = p.size();
        if width < MIN_SIZE.0 * dpr || height < MIN_SIZE.1 * dpr {
            return None;
        }
        Some(Surface {
            p,
            dpr,
            width,
            height,
        })
    }

    pub fn measure(&self) -> &dyn TextMeasure {
        &*self.p
    }

    /// CSS pixels to device pixels.
    pub fn px(&self, css: f64) -> f64 {
        css * self.dpr
    }

    /// A line width in whole device pixels (at least 1), so thin lines stay crisp.
    pub fn line_width(&self, css: f64) -> f64 {
        (css * self.dpr).round().max(1.0)
    }

    pub fn stroke(&self, color: Color, css_width: f64) -> Stroke {
        Stroke::new(color, self.line_width(css_width))
    }

    pub fn font(&self, css_size: f64) -> Font {
        font(css_size, self.dpr)
    }

    pub fn text_width(&self, text: &str, css_size: f64) -> f64 {
        self.p.text_width(text, &self.font(css_size))
    }

    pub fn text(
        &mut self,
        text: &str,
        at: (f64, f64),
        css_size: f64,
        color: Color,
        (h, v): (HAlign, VAlign),
    ) {
        let font = self.font(css_size);
        self.p.text(text, at, &font, Anchor::new(h, v), color);
    }

    /// A horizontal line on whole pixels.
    pub fn hline(&mut self, x0: f64, x1: f64, y: f64, stroke: &Stroke) {
        let y = crisp(y, stroke.width);
        self.p.polyline(&[(x0, y), (x1, y)], stroke);
    }

    /// A vertical line on whole pixels.
    pub fn vline(&mut self, x: f64, y0: f64, y1: f64, stroke: &Stroke) {
        let x = crisp(x, stroke.width);
        self.p.polyline(&[(x, y0), (x, y1)], stroke);
    }

    pub fn rect(&mut self, r: Rect, fill: Color) {
        self.p.rect(r, fill);
    }
}

/// Where a line of `width` whole device pixels centred near `v` covers whole pixels: odd widths
/// sit on pixel centres, even widths on pixel edges.
pub fn crisp(v: f64, width: f64) -> f64 {
    if (width.round() as i64) % 2 == 1 {
        v.floor() + 0.5
    } else {
        v.round()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ratio_is_clamped_never_floored_at_one() {
        assert_eq!(clamp_dpr(0.5), 0.5);
        assert_eq!(clamp_dpr(0.25), 0.5);
        assert_eq!(clamp_dpr(0.8), 0.8);
        assert_eq!(clamp_dpr(2.0), 2.0);
        assert_eq!(clamp_dpr(9.0), 4.0);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(clamp_dpr(bad), 1.0);
        }
    }

    #[test]
    fn canvas_size_follows_the_ratio() {
        assert_eq!(canvas_pixels(600.0, 300.0, 1.0), (600, 300));
        assert_eq!(canvas_pixels(600.0, 300.0, 0.5), (300, 150));
        assert_eq!(canvas_pixels(601.0, 301.0, 1.5), (902, 452));
        assert_eq!(canvas_pixels(600.0, 300.0, 0.1), (300, 150));
        assert_eq!(canvas_pixels(0.0, f64::NAN, 2.0), (0, 0));
    }

    #[test]
    fn crisp_lines_cover_whole_pixels() {
        assert_eq!(crisp(10.0, 1.0), 10.5);
        assert_eq!(crisp(10.7, 1.0), 10.5);
        assert_eq!(crisp(10.7, 2.0), 11.0);
        assert_eq!(crisp(10.2, 3.0), 10.5);
    }
}
