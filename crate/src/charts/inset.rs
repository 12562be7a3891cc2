//! A painter for a part of another painter: small multiples (one panel per lane) are laid out
//! and drawn with the same [`Frame`](super::frame::Frame) as a whole chart, each in its own
//! rectangle of the canvas.

use super::painter::{Anchor, Color, Font, Painter, Rect, Stroke, TextMeasure};

/// The rectangle `area` of `inner`, with (0, 0) at the area's top left. Drawing is clipped to
/// the area; `fill` paints only the area.
pub struct Inset<'a> {
    inner: &'a mut dyn Painter,
    area: Rect,
}

impl<'a> Inset<'a> {
    pub fn new(inner: &'a mut dyn Painter, area: Rect) -> Inset<'a> {
        inner.clip(Some(area));
        Inset { inner, area }
    }

    fn at(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (x + self.area.left, y + self.area.top)
    }

    fn rect_at(&self, r: Rect) -> Rect {
        let (l, t) = self.at((r.left, r.top));
        Rect::new(l, t, l + r.width(), t + r.height())
    }
}

impl Drop for Inset<'_> {
    fn drop(&mut self) {
        self.inner.clip(None);
    }
}

impl TextMeasure for Inset<'_> {
    fn text_width(&self, text: &str, font: &Font) -> f64 {
        self.inner.text_width(text, font)
    }
}

impl Painter for Inset<'_> {
    fn size(&self) -> (f64, f64) {
        (self.area.width(), self.area.height())
    }
    fn fill(&mut self, color: Color) {
        self.inner.rect(self.area, color);
    }
    fn polyline(&mut self, points: &[(f64, f64)], stroke: &Stroke) {
        let pts: Vec<(f64, f64)> = points.iter().map(|&p| self.at(p)).collect();
        self.inner.polyline(&pts, stroke);
    }
    fn polygon(&mut self, points: &[(f64, f64)], fill: Color) {
        let pts: Vec<(f64, f64)> = points.iter().map(|&p| self.at(p)).collect();
        self.inner.polygon(&pts, fill);
    }
    fn rect(&mut self, rect: Rect, fill: Color) {
        let r = self.rect_at(rect);
        self.inner.rect(r, fill);
    }
    fn circle(&mut self, c: (f64, f64), radius: f64, fill: Option<Color>, s: Option<&Stroke>) {
        let c = self.at(c);
        self.inner.circle(c, radius, fill, s);
    }
    fn text(&mut self, text: &str, at: (f64, f64), font: &Font, anchor: Anchor, color: Color) {
        let at = self.at(at);
        self.inner.text(text, at, font, anchor, color);
    }
    fn text_runs(&mut self, runs: &[(&str, Color)], at: (f64, f64), font: &Font, anchor: Anchor) {
        let at = self.at(at);
        self.inner.text_runs(runs, at, font, anchor);
    }
    fn cells(&mut self, rect: Rect, cols: usize, rows: usize, colors: &[Color]) {
        let r = self.rect_at(rect);
        self.inner.cells(r, cols, rows, colors);
    }
    fn clip(&mut self, rect: Option<Rect>) {
        // Never outside the area.
        let r = match rect.map(|r| self.rect_at(r)) {
            None => self.area,
            Some(r) => Rect::new(
                r.left.max(self.area.left),
                r.top.max(self.area.top),
                r.right.min(self.area.right),
                r.bottom.min(self.area.bottom).max(r.top.max(self.area.top)),
            ),
        };
        self.inner.clip(Some(r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::svg::SvgPainter;

    #[test]
    fn an_inset_moves_shapes_into_its_area_and_clips_to_it() {
        let mut svg = SvgPainter::new(200.0, 100.0);
        {
            let mut inset = Inset::new(&mut svg, Rect::new(100.0, 50.0, 200.0, 100.0));
            assert_eq!(inset.size(), (100.0, 50.0));
            inset.rect(Rect::new(0.0, 0.0, 10.0, 5.0), Color::rgb(1, 2, 3));
            inset.polyline(
                &[(1.0, 2.0), (3.0, 4.0)],
                &Stroke::new(Color::rgb(4, 5, 6), 1.0),
            );
        }
        let out = svg.finish();
        let doc = roxmltree::Document::parse(&out).expect("valid SVG");
        let rect = doc
            .descendants()
            .find(|n| n.attribute("fill") == Some("#010203"))
            .expect("the rect");
        assert_eq!(
            (rect.attribute("x"), rect.attribute("y")),
            (Some("100"), Some("50"))
        );
        let line = doc
            .descendants()
            .find(|n| n.attribute("stroke") == Some("#040506"))
            .expect("the line");
        assert_eq!(line.attribute("points"), Some("101,52 103,54"));
        assert!(out.contains("clipPath"), "clipped to the area");
    }
}
