//! An SVG painter: the charts as a standalone SVG document, on every target (the CLI's
//! `--plots`, and figures the page could offer for download).
//!
//! Text is laid out by whatever displays the SVG; to place legends and labels we estimate
//! widths from Helvetica's advance widths (close to Arial, Roboto, Segoe UI and San Francisco),
//! 12% wider to err on the side of room: DejaVu Sans, what `system-ui` is on many Linux
//! desktops, is that much wider. Runs of text on one line (a legend's label and note) go into one
//! `<text>`, so the viewer places them one after the other whatever the font.

use super::painter::all_finite;
use super::painter::{Anchor, Color, Font, HAlign, Painter, Rect, Stroke, TextMeasure, VAlign};

/// Helvetica advance widths, in 1/1000 em, for ' ' (32) to '~' (126).
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '…'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // '0'…'9'
    278, 278, 584, 584, 584, 556, 1015, // ':'…'@'
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // 'A'…'M'
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // 'N'…'Z'
    278, 278, 278, 469, 556, 333, // '['…'`'
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // 'a'…'m'
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // 'n'…'z'
    334, 260, 334, 584, // '{'…'~'
];

/// Estimated advance width of `c` in em.
fn char_width(c: char) -> f64 {
    let w = match c {
        ' '..='~' => f64::from(ASCII_WIDTHS[c as usize - 32]) / 1000.0,
        '⁰'..='⁹' | '¹' | '²' | '³' | '⁻' => 0.36,
        '×' | '−' | '≤' | '≥' => 0.584,
        '·' => 0.278,
        '′' => 0.25,
        '‖' => 0.45,
        '∂' => 0.55,
        '—' => 1.0,
        '–' => 0.556,
        '→' | '↑' | '←' | '↓' => 0.85,
        _ => 0.6,
    };
    w * 1.12
}

/// Estimated width of `text` in `font`.
pub fn estimate_text_width(text: &str, font: &Font) -> f64 {
    text.chars().map(char_width).sum::<f64>() * font.size
}

/// Draws into an SVG document of `width` × `height` device pixels.
pub struct SvgPainter {
    width: f64,
    height: f64,
    /// The document's `width` and `height` (CSS pixels): the viewBox is in device pixels.
    display: (f64, f64),
    body: String,
    clip_open: bool,
    clips: usize,
}

impl SvgPainter {
    pub fn new(width: f64, height: f64) -> SvgPainter {
        SvgPainter {
            width,
            height,
            display: (width, height),
            body: String::new(),
            clip_open: false,
            clips: 0,
        }
    }

    /// Shows the document at `css_w` × `css_h` CSS pixels (e.g. a drawing at ratio 2 at half
    /// its pixel size).
    pub fn display_size(mut self, css_w: f64, css_h: f64) -> SvgPainter {
        self.display = (css_w, css_h);
        self
    }

    /// The SVG document.
    pub fn finish(mut self) -> String {
        self.close_clip();
        let (w, h) = (num(self.width), num(self.height));
        let (dw, dh) = (num(self.display.0), num(self.display.1));
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{dw}\" height=\"{dh}\" \
             viewBox=\"0 0 {w} {h}\">\n{}</svg>\n",
            self.body
        )
    }

    fn close_clip(&mut self) {
        if self.clip_open {
            self.body.push_str("</g>\n");
            self.clip_open = false;
        }
    }
}

/// A coordinate or length with at most two decimals ("12", "12.5", "12.25").
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn points(pts: &[(f64, f64)]) -> String {
    let mut out = String::with_capacity(pts.len() * 12);
    for (i, &(x, y)) in pts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{},{}", num(x), num(y)));
    }
    out
}

/// ` fill="…"` (and its opacity).
fn fill_attr(c: Color) -> String {
    if c.a >= 1.0 {
        format!(" fill=\"{}\"", c.hex())
    } else {
        format!(" fill=\"{}\" fill-opacity=\"{}\"", c.hex(), num3(c.a))
    }
}

fn stroke_attr(s: &Stroke) -> String {
    let mut out = format!(
        " stroke=\"{}\" stroke-width=\"{}\"",
        s.color.hex(),
        num(s.width)
    );
    if s.color.a < 1.0 {
        out.push_str(&format!(" stroke-opacity=\"{}\"", num3(s.color.a)));
    }
    if let Some((dash, gap)) = s.dash {
        out.push_str(&format!(" stroke-dasharray=\"{} {}\"", num(dash), num(gap)));
    }
    out
}

fn num3(v: f64) -> String {
    let s = format!("{:.3}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Escapes text for XML content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Position, font and anchor of a `<text>`. The em box's top, middle or bottom goes at `at`, as
/// on a canvas (its `textBaseline`): the alphabetic baseline sits ~0.8 em under the top of the
/// em box of sans-serif fonts. (`dominant-baseline` would say it directly, but not every SVG
/// viewer follows it.)
fn text_attrs(at: (f64, f64), font: &Font, anchor: Anchor) -> String {
    let h = match anchor.h {
        HAlign::Left => "start",
        HAlign::Center => "middle",
        HAlign::Right => "end",
    };
    let baseline = at.1
        + font.size
            * match anchor.v {
                VAlign::Top => 0.8,
                VAlign::Middle => 0.3,
                VAlign::Bottom => -0.2,
            };
    let style = if font.italic {
        " font-style=\"italic\""
    } else {
        ""
    };
    format!(
        " x=\"{}\" y=\"{}\" font-family=\"{}\" font-size=\"{}\"{style} text-anchor=\"{h}\"",
        num(at.0),
        num(baseline),
        escape(font.family),
        num(font.size),
    )
}

impl TextMeasure for SvgPainter {
    fn text_width(&self, text: &str, font: &Font) -> f64 {
        estimate_text_width(text, font)
    }
}

impl Painter for SvgPainter {
    fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }

    fn fill(&mut self, color: Color) {
        self.body.clear();
        self.clip_open = false;
        let (w, h) = (num(self.width), num(self.height));
        self.body.push_str(&format!(
            "<rect width=\"{w}\" height=\"{h}\"{}/>\n",
            fill_attr(color)
        ));
    }

    fn polyline(&mut self, pts: &[(f64, f64)], stroke: &Stroke) {
        if pts.len() < 2 || !all_finite(pts) || stroke.width.is_nan() || stroke.width <= 0.0 {
            return;
        }
        self.body.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\"{} stroke-linecap=\"round\" \
             stroke-linejoin=\"round\"/>\n",
            points(pts),
            stroke_attr(stroke)
        ));
    }

    fn polygon(&mut self, pts: &[(f64, f64)], fill: Color) {
        if pts.len() < 3 || !all_finite(pts) {
            return;
        }
        self.body.push_str(&format!(
            "<polygon points=\"{}\"{}/>\n",
            points(pts),
            fill_attr(fill)
        ));
    }

    fn rect(&mut self, r: Rect, fill: Color) {
        if !r.is_finite() || r.width() <= 0.0 || r.height() <= 0.0 {
            return;
        }
        self.body.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}/>\n",
            num(r.left),
            num(r.top),
            num(r.width()),
            num(r.height()),
            fill_attr(fill)
        ));
    }

    fn circle(&mut self, c: (f64, f64), radius: f64, fill: Option<Color>, stroke: Option<&Stroke>) {
        if !all_finite(&[c])
            || radius.is_nan()
            || radius <= 0.0
            || (fill.is_none() && stroke.is_none())
        {
            return;
        }
        let fill = fill.map_or(" fill=\"none\"".to_string(), fill_attr);
        let stroke = stroke.map(stroke_attr).unwrap_or_default();
        self.body.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"{fill}{stroke}/>\n",
            num(c.0),
            num(c.1),
            num(radius)
        ));
    }

    fn text(&mut self, text: &str, at: (f64, f64), font: &Font, anchor: Anchor, color: Color) {
        if text.is_empty() || !all_finite(&[at]) {
            return;
        }
        self.body.push_str(&format!(
            "<text{}{}>{}</text>\n",
            text_attrs(at, font, anchor),
            fill_attr(color),
            escape(text)
        ));
    }

    fn text_runs(&mut self, runs: &[(&str, Color)], at: (f64, f64), font: &Font, anchor: Anchor) {
        if runs.iter().all(|r| r.0.is_empty()) || !all_finite(&[at]) {
            return;
        }
        self.body
            .push_str(&format!("<text{}>", text_attrs(at, font, anchor)));
        for (text, color) in runs.iter().filter(|r| !r.0.is_empty()) {
            self.body.push_str(&format!(
                "<tspan{}>{}</tspan>",
                fill_attr(*color),
                escape(text)
            ));
        }
        self.body.push_str("</text>\n");
    }

    fn cells(&mut self, r: Rect, cols: usize, rows: usize, colors: &[Color]) {
        if cols == 0 || rows == 0 || colors.len() != cols * rows || !r.is_finite() {
            return;
        }
        let (cw, ch) = (r.width() / cols as f64, r.height() / rows as f64);
        self.body.push_str("<g shape-rendering=\"crispEdges\">\n");
        for (i, &c) in colors.iter().enumerate() {
            let (col, row) = (i % cols, i / cols);
            // Edges from the grid, not accumulated widths, so cells meet without seams.
            let x0 = r.left + col as f64 * cw;
            let y0 = r.top + row as f64 * ch;
            self.body.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}/>\n",
                num(x0),
                num(y0),
                num(r.left + (col + 1) as f64 * cw - x0),
                num(r.top + (row + 1) as f64 * ch - y0),
                fill_attr(c)
            ));
        }
        self.body.push_str("</g>\n");
    }

    fn clip(&mut self, r: Option<Rect>) {
        self.close_clip();
        let Some(r) = r.filter(Rect::is_finite) else {
            return;
        };
        self.clips += 1;
        let id = self.clips;
        self.body.push_str(&format!("<clipPath id=\"clip{id}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n",
            num(r.left),
            num(r.top),
            num(r.width().max(0.0)),
            num(r.height().max(0.0))
        ));
        self.body
            .push_str(&format!("<g clip-path=\"url(#clip{id})\">\n"));
        self.clip_open = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLUE: Color = Color::rgb(0x00, 0x72, 0xb2);

    fn font(size: f64) -> Font {
        Font {
            family: "system-ui, \"Segoe UI\", sans-serif",
            size,
            italic: false,
        }
    }

    /// The document parsed, and its elements other than the root.
    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid SVG ({e}):\n{svg}"))
    }

    fn elements<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> Vec<roxmltree::Node<'a, 'a>> {
        doc.descendants().filter(|n| n.has_tag_name(name)).collect()
    }

    fn painted(draw: impl FnOnce(&mut SvgPainter)) -> String {
        let mut p = SvgPainter::new(200.0, 100.0);
        p.fill(Color::rgb(255, 255, 255));
        draw(&mut p);
        p.finish()
    }

    #[test]
    fn the_document_has_its_size_and_a_background() {
        let svg = painted(|_| {});
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(
            (root.attribute("width"), root.attribute("viewBox")),
            (Some("200"), Some("0 0 200 100"))
        );
        let bg = &elements(&doc, "rect")[0];
        assert_eq!(bg.attribute("fill"), Some("#ffffff"));
        assert_eq!(bg.attribute("width"), Some("200"));
    }

    #[test]
    fn polylines_carry_points_and_stroke() {
        let stroke = Stroke::new(BLUE.alpha(0.75), 2.0).dashed(5.0, 4.0);
        let svg = painted(|p| {
            p.polyline(&[(0.0, 1.0), (10.5, 2.25), (20.126, 3.0)], &stroke);
            // Skipped: too short, or not finite.
            p.polyline(&[(0.0, 1.0)], &stroke);
            p.polyline(&[(0.0, 1.0), (f64::NAN, 2.0)], &stroke);
        });
        let doc = parse(&svg);
        let lines = elements(&doc, "polyline");
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l.attribute("points"), Some("0,1 10.5,2.25 20.13,3"));
        assert_eq!(l.attribute("stroke"), Some("#0072b2"));
        assert_eq!(l.attribute("stroke-opacity"), Some("0.75"));
        assert_eq!(l.attribute("stroke-width"), Some("2"));
        assert_eq!(l.attribute("stroke-dasharray"), Some("5 4"));
        assert_eq!(l.attribute("fill"), Some("none"));
    }

    #[test]
    fn polygons_rects_and_circles() {
        let ring = Stroke::new(Color::rgb(255, 255, 255), 1.0);
        let svg = painted(|p| {
            p.polygon(&[(0.0, 0.0), (10.0, 0.0), (5.0, 8.0)], BLUE.alpha(0.3));
            p.rect(Rect::new(10.0, 20.0, 40.0, 25.5), BLUE);
            p.rect(Rect::new(10.0, 20.0, 10.0, 25.0), BLUE); // empty: skipped
            p.circle((50.0, 60.0), 3.5, Some(BLUE), Some(&ring));
            p.circle((70.0, 60.0), 4.0, None, Some(&ring));
        });
        let doc = parse(&svg);
        let poly = &elements(&doc, "polygon")[0];
        assert_eq!(poly.attribute("points"), Some("0,0 10,0 5,8"));
        assert_eq!(poly.attribute("fill-opacity"), Some("0.3"));
        let rects = elements(&doc, "rect");
        assert_eq!(rects.len(), 2, "background and one bar");
        let bar = &rects[1];
        let attrs: Vec<_> = ["x", "y", "width", "height", "fill"]
            .iter()
            .map(|a| bar.attribute(*a).unwrap())
            .collect();
        assert_eq!(attrs, ["10", "20", "30", "5.5", "#0072b2"]);
        let circles = elements(&doc, "circle");
        assert_eq!(circles.len(), 2);
        assert_eq!(circles[0].attribute("r"), Some("3.5"));
        assert_eq!(circles[0].attribute("stroke"), Some("#ffffff"));
        assert_eq!(circles[1].attribute("fill"), Some("none"));
    }

    #[test]
    fn text_is_escaped_anchored_and_placed_on_its_baseline() {
        let svg = painted(|p| {
            let mut f = font(10.0);
            p.text(
                "a < b & \"c\"",
                (100.0, 50.0),
                &f,
                Anchor::new(HAlign::Right, VAlign::Top),
                BLUE,
            );
            f.italic = true;
            p.text(
                "L1/L4 = 0.0067 · ‖∂L/∂W‖",
                (0.0, 50.0),
                &f,
                Anchor::new(HAlign::Center, VAlign::Middle),
                BLUE,
            );
            p.text(
                "x",
                (0.0, 50.0),
                &f,
                Anchor::new(HAlign::Left, VAlign::Bottom),
                BLUE,
            );
        });
        let doc = parse(&svg);
        let texts = elements(&doc, "text");
        assert_eq!(texts[0].text(), Some("a < b & \"c\""));
        assert_eq!(texts[0].attribute("text-anchor"), Some("end"));
        assert_eq!(
            texts[0].attribute("font-family"),
            Some("system-ui, \"Segoe UI\", sans-serif")
        );
        // Top: the baseline 0.8 em under the anchor; middle 0.3 em; bottom 0.2 em above.
        assert_eq!(texts[0].attribute("y"), Some("58"));
        assert_eq!(texts[1].attribute("y"), Some("53"));
        assert_eq!(texts[2].attribute("y"), Some("48"));
        assert_eq!(texts[1].attribute("font-style"), Some("italic"));
        assert_eq!(texts[1].attribute("text-anchor"), Some("middle"));
        assert_eq!(texts[1].text(), Some("L1/L4 = 0.0067 · ‖∂L/∂W‖"));
        assert_eq!(texts[2].attribute("text-anchor"), Some("start"));
    }

    #[test]
    fn runs_of_text_share_one_line() {
        let grey = Color::rgb(0x6b, 0x6f, 0x7d);
        let svg = painted(|p| {
            let anchor = Anchor::new(HAlign::Left, VAlign::Middle);
            p.text_runs(
                &[("ReLU", BLUE), (" 0.059", grey)],
                (10.0, 20.0),
                &font(10.0),
                anchor,
            );
            p.text_runs(&[("", BLUE)], (10.0, 20.0), &font(10.0), anchor);
        });
        let doc = parse(&svg);
        let texts = elements(&doc, "text");
        assert_eq!(texts.len(), 1);
        assert_eq!(
            (texts[0].attribute("x"), texts[0].attribute("y")),
            (Some("10"), Some("23"))
        );
        let spans: Vec<_> = texts[0]
            .children()
            .filter(|n| n.is_element())
            .map(|n| (n.text().unwrap(), n.attribute("fill").unwrap()))
            .collect();
        assert_eq!(spans, [("ReLU", "#0072b2"), (" 0.059", "#6b6f7d")]);
    }

    #[test]
    fn cells_fill_their_rectangle_row_by_row() {
        let colors = [
            Color::rgb(0, 0, 0),
            Color::rgb(255, 0, 0),
            Color::rgb(0, 255, 0),
            Color::rgb(0, 0, 255),
            Color::rgb(9, 9, 9),
            Color::rgb(99, 99, 99),
        ];
        let svg = painted(|p| {
            p.cells(Rect::new(10.0, 10.0, 40.0, 30.0), 3, 2, &colors);
            p.cells(Rect::new(10.0, 10.0, 40.0, 30.0), 3, 3, &colors); // wrong count: skipped
        });
        let doc = parse(&svg);
        let group = elements(&doc, "g");
        assert_eq!(group.len(), 1);
        assert_eq!(group[0].attribute("shape-rendering"), Some("crispEdges"));
        let cells: Vec<_> = group[0].children().filter(|n| n.is_element()).collect();
        assert_eq!(cells.len(), 6);
        // Row-major: cell 1 is (col 1, row 0), cell 3 (col 0, row 1), cell 5 (col 2, row 1).
        let at = |i: usize| {
            let c = &cells[i];
            ["x", "y", "width", "height", "fill"].map(|a| c.attribute(a).unwrap().to_string())
        };
        assert_eq!(at(1), ["20", "10", "10", "10", "#ff0000"]);
        assert_eq!(at(3), ["10", "20", "10", "10", "#0000ff"]);
        assert_eq!(at(5), ["30", "20", "10", "10", "#636363"]);
    }

    #[test]
    fn clipping_wraps_what_follows_in_a_clipped_group() {
        let stroke = Stroke::new(BLUE, 1.0);
        let svg = painted(|p| {
            p.clip(Some(Rect::new(5.0, 5.0, 50.0, 50.0)));
            p.polyline(&[(0.0, 0.0), (100.0, 100.0)], &stroke);
            p.clip(Some(Rect::new(0.0, 0.0, 10.0, 10.0)));
            p.polyline(&[(0.0, 0.0), (1.0, 1.0)], &stroke);
            p.clip(None);
            p.polyline(&[(0.0, 0.0), (2.0, 2.0)], &stroke);
            p.clip(Some(Rect::new(0.0, 0.0, 10.0, 10.0))); // closed by finish()
        });
        let doc = parse(&svg);
        let clips = elements(&doc, "clipPath");
        assert_eq!(clips.len(), 3);
        let groups = elements(&doc, "g");
        assert_eq!(groups[0].attribute("clip-path"), Some("url(#clip1)"));
        assert_eq!(groups[1].attribute("clip-path"), Some("url(#clip2)"));
        let in_group = |g: &roxmltree::Node<'_, '_>| {
            g.children().filter(|n| n.has_tag_name("polyline")).count()
        };
        assert_eq!((in_group(&groups[0]), in_group(&groups[1])), (1, 1));
        // The third line is outside any clip.
        let top_level = doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        assert_eq!(top_level, 1);
        let r = clips[0].first_element_child().unwrap();
        assert_eq!(r.attribute("width"), Some("45"));
    }

    #[test]
    fn filling_starts_a_new_picture() {
        let mut p = SvgPainter::new(10.0, 10.0);
        p.fill(Color::rgb(0, 0, 0));
        p.rect(Rect::new(0.0, 0.0, 5.0, 5.0), BLUE);
        p.fill(Color::rgb(255, 255, 255));
        let svg = p.finish();
        assert_eq!(elements(&parse(&svg), "rect").len(), 1);
    }

    #[test]
    fn text_widths_are_estimated_from_the_font_size() {
        // "ReLU": R 722 + e 556 + L 556 + U 722 = 2556/1000 em, 12% wider, at 10 px.
        let w = estimate_text_width("ReLU", &font(10.0));
        assert!((w - 25.56 * 1.12).abs() < 1e-9, "{w}");
        assert_eq!(estimate_text_width("ReLU", &font(20.0)), 2.0 * w);
        assert!(
            estimate_text_width("10⁻⁴", &font(10.0)) < estimate_text_width("1000", &font(10.0))
        );
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.499), "2.5");
    }
}
