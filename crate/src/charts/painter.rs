//! What the charts draw with: a small painter trait in device pixels, implemented for the
//! browser's Canvas 2D context (`web::canvas`) and for an SVG writer ([`super::svg`]).
//!
//! The primitives are the ones the charts need plus the ones the next views will (filled areas
//! for bands over seeds, cell grids for weight images and confusion matrices), so that a new
//! view never needs a new backend method.

/// A colour with opacity (`a` in 0..=1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: f64,
}

impl Color {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 1.0 }
    }

    pub const fn from_rgb((r, g, b): (u8, u8, u8)) -> Color {
        Color::rgb(r, g, b)
    }

    /// The same colour at opacity `a`.
    pub fn alpha(self, a: f64) -> Color {
        Color {
            a: a.clamp(0.0, 1.0),
            ..self
        }
    }

    /// The colour at `opacity` over white, as an opaque colour (so that overlapping faint shapes
    /// don't darken each other).
    pub fn tint(self, opacity: f64) -> Color {
        let f = |v: u8| (255.0 - (255.0 - f64::from(v)) * opacity).round() as u8;
        Color::rgb(f(self.r), f(self.g), f(self.b))
    }

    /// The colour darkened to `factor` of its brightness.
    pub fn shade(self, factor: f64) -> Color {
        let f = |v: u8| (f64::from(v) * factor).round() as u8;
        Color::rgb(f(self.r), f(self.g), f(self.b))
    }

    /// `#rrggbb`, ignoring the opacity.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// A CSS colour: `#rrggbb` when opaque, `rgba(…)` otherwise.
    pub fn css(self) -> String {
        if self.a >= 1.0 {
            self.hex()
        } else {
            format!("rgba({},{},{},{})", self.r, self.g, self.b, round3(self.a))
        }
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// How a line is drawn. Widths and dashes in device pixels; ends and joins are round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    pub color: Color,
    pub width: f64,
    /// Dash and gap lengths, for a dashed line.
    pub dash: Option<(f64, f64)>,
}

impl Stroke {
    pub fn new(color: Color, width: f64) -> Stroke {
        Stroke {
            color,
            width,
            dash: None,
        }
    }

    pub fn dashed(self, dash: f64, gap: f64) -> Stroke {
        Stroke {
            dash: Some((dash, gap)),
            ..self
        }
    }
}

/// A font: family (a CSS font-family list), size in device pixels, upright or italic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Font {
    pub family: &'static str,
    pub size: f64,
    pub italic: bool,
}

impl Font {
    /// The CSS `font` shorthand, e.g. `italic 13px system-ui, sans-serif`.
    pub fn css(&self) -> String {
        let style = if self.italic { "italic" } else { "normal" };
        format!("{style} {}px {}", round3(self.size), self.family)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

/// Which part of the text's em box sits at the anchor point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VAlign {
    Top,
    Middle,
    Bottom,
}

/// Where a text's anchor point is on the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub h: HAlign,
    pub v: VAlign,
}

impl Anchor {
    pub const fn new(h: HAlign, v: VAlign) -> Anchor {
        Anchor { h, v }
    }
}

/// An axis-aligned rectangle in device pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Rect {
    pub fn new(left: f64, top: f64, right: f64, bottom: f64) -> Rect {
        Rect {
            left,
            top,
            right,
            bottom,
        }
    }

    pub fn width(&self) -> f64 {
        self.right - self.left
    }

    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }

    /// The rectangle grown by `d` on every side.
    pub fn inflate(&self, d: f64) -> Rect {
        Rect::new(self.left - d, self.top - d, self.right + d, self.bottom + d)
    }

    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.left && x <= self.right && y >= self.top && y <= self.bottom
    }

    pub fn is_finite(&self) -> bool {
        [self.left, self.top, self.right, self.bottom]
            .iter()
            .all(|v| v.is_finite())
    }
}

/// Measures text as it will be drawn: the legend and the axes are laid out with it.
pub trait TextMeasure {
    /// Advance width of `text` in `font`, in device pixels.
    fn text_width(&self, text: &str, font: &Font) -> f64;
}

/// A surface to draw on, in device pixels, (0, 0) at the top left.
///
/// Implementations skip shapes with non-finite coordinates rather than fail: the charts never
/// produce them, and a stray NaN must not break a whole figure.
pub trait Painter: TextMeasure {
    /// Width and height in device pixels.
    fn size(&self) -> (f64, f64);
    /// Paints the whole surface (and forgets what was drawn).
    fn fill(&mut self, color: Color);
    /// An open polyline.
    fn polyline(&mut self, points: &[(f64, f64)], stroke: &Stroke);
    /// A filled polygon (closed automatically), e.g. an area between two curves.
    fn polygon(&mut self, points: &[(f64, f64)], fill: Color);
    /// A filled rectangle.
    fn rect(&mut self, rect: Rect, fill: Color);
    /// A circle, filled and/or outlined.
    fn circle(
        &mut self,
        center: (f64, f64),
        radius: f64,
        fill: Option<Color>,
        stroke: Option<&Stroke>,
    );
    /// One line of text.
    fn text(&mut self, text: &str, at: (f64, f64), font: &Font, anchor: Anchor, color: Color);
    /// Runs of text in one font, each in its colour, one after the other on one line (a legend
    /// entry's label and its note). The default places them with [`TextMeasure::text_width`];
    /// the SVG painter leaves it to the viewer, whose font may be wider than estimated.
    fn text_runs(&mut self, runs: &[(&str, Color)], at: (f64, f64), font: &Font, anchor: Anchor) {
        let widths: Vec<f64> = runs.iter().map(|r| self.text_width(r.0, font)).collect();
        let total: f64 = widths.iter().sum();
        let mut x = match anchor.h {
            HAlign::Left => at.0,
            HAlign::Center => at.0 - total / 2.0,
            HAlign::Right => at.0 - total,
        };
        let left = Anchor::new(HAlign::Left, anchor.v);
        for (&(text, color), w) in runs.iter().zip(widths) {
            self.text(text, (x, at.1), font, left, color);
            x += w;
        }
    }
    /// A grid of `cols` × `rows` coloured cells filling `rect`, row-major from the top left
    /// (`colors.len() == cols * rows`): images such as 28×28 weights, heatmaps, a confusion
    /// matrix. Cells are drawn with hard edges, never smoothed.
    fn cells(&mut self, rect: Rect, cols: usize, rows: usize, colors: &[Color]);
    /// Restricts what follows to `rect` (`None`: the whole surface again).
    fn clip(&mut self, rect: Option<Rect>);
}

/// Whether every point is finite (what the painters check before drawing a shape).
pub fn all_finite(points: &[(f64, f64)]) -> bool {
    points.iter().all(|p| p.0.is_finite() && p.1.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_tint_shade_and_print() {
        let c = Color::rgb(0x00, 0x72, 0xb2);
        // 40% over white: 255 - 255·0.4 = 153, 255 - (255 - 114)·0.4 = 198.6, 255 - 77·0.4 ≈ 224.2
        assert_eq!(c.tint(0.4), Color::rgb(153, 199, 224));
        assert_eq!(c.shade(0.5), Color::rgb(0, 57, 89));
        assert_eq!(c.css(), "#0072b2");
        assert_eq!(c.alpha(0.75).css(), "rgba(0,114,178,0.75)");
        assert_eq!(c.alpha(3.0).a, 1.0);
    }

    #[test]
    fn fonts_print_as_css() {
        let f = Font {
            family: "system-ui, sans-serif",
            size: 5.5,
            italic: true,
        };
        assert_eq!(f.css(), "italic 5.5px system-ui, sans-serif");
    }

    #[test]
    fn rectangles() {
        let r = Rect::new(10.0, 20.0, 110.0, 70.0);
        assert_eq!((r.width(), r.height()), (100.0, 50.0));
        assert!(r.contains((10.0, 70.0)) && !r.contains((9.9, 30.0)));
        assert_eq!(r.inflate(2.0), Rect::new(8.0, 18.0, 112.0, 72.0));
        assert!(!Rect::new(0.0, f64::NAN, 1.0, 1.0).is_finite());
    }
}
