//! The legend: a band above the plot that wraps its entries to the width of the chart, with
//! explanations in small muted text under them.

use super::painter::{Anchor, Color, Font, HAlign, Rect, TextMeasure, VAlign};
use super::surface::{Surface, font};
use super::theme::{BACKGROUND, LEGEND_FONT, MUTED, NOTE_FONT, PAD, TEXT};

/// The little picture in front of a legend entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Swatch {
    /// A lane's line.
    Line(Color),
    /// A line with a dot on it.
    LineDot(Color),
    /// A single dot.
    Dot(Color),
    /// Thin, pale lines.
    Faint(Color),
    /// A pale bar with a solid bar inside.
    Bars(Color),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub swatch: Swatch,
    pub label: String,
    /// Muted text after the label: a value or a status.
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Legend {
    pub entries: Vec<Entry>,
    /// Explanations, in small muted text under the entries (wrapped).
    pub notes: Vec<String>,
}

/// Where the legend's parts go, in device pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendLayout {
    /// Position (top left) of each entry.
    pub entries: Vec<(f64, f64)>,
    /// Wrapped note lines and their top y.
    pub notes: Vec<(String, f64)>,
    pub height: f64,
}

// CSS pixels.
const SWATCH_W: f64 = 18.0;
const SWATCH_GAP: f64 = 5.0;
const ENTRY_GAP: f64 = 14.0;
const LEGEND_LINE: f64 = 16.0;
const NOTE_LINE: f64 = 14.0;

impl Legend {
    pub fn entry(&mut self, swatch: Swatch, label: impl Into<String>, note: impl Into<String>) {
        self.entries.push(Entry {
            swatch,
            label: label.into(),
            note: note.into(),
        });
    }

    fn entry_width(&self, m: &dyn TextMeasure, dpr: f64, e: &Entry) -> f64 {
        let f = font(LEGEND_FONT, dpr);
        let mut w = (SWATCH_W + SWATCH_GAP) * dpr + m.text_width(&e.label, &f);
        if !e.note.is_empty() {
            w += m.text_width(&format!(" {}", e.note), &f);
        }
        w
    }

    /// Entries left to right from (`x0`, `y0`), starting a new row where the next entry would
    /// pass `max_width`; then the notes, wrapped at spaces.
    pub fn layout(
        &self,
        m: &dyn TextMeasure,
        dpr: f64,
        (x0, y0): (f64, f64),
        max_width: f64,
    ) -> LegendLayout {
        let mut entries = Vec::with_capacity(self.entries.len());
        let (mut x, mut y) = (x0, y0);
        let line = LEGEND_LINE * dpr;
        for e in &self.entries {
            let w = self.entry_width(m, dpr, e);
            if x > x0 && x + w > x0 + max_width {
                x = x0;
                y += line;
            }
            entries.push((x, y));
            x += w + ENTRY_GAP * dpr;
        }
        if !self.entries.is_empty() {
            y += line;
        }
        let mut notes = Vec::new();
        let note_font = font(NOTE_FONT, dpr);
        for note in &self.notes {
            for l in wrap(m, note, &note_font, max_width) {
                notes.push((l, y));
                y += NOTE_LINE * dpr;
            }
        }
        LegendLayout {
            entries,
            notes,
            height: y - y0,
        }
    }

    pub fn draw(&self, s: &mut Surface<'_>, layout: &LegendLayout) {
        let mid = s.px(LEGEND_LINE / 2.0);
        let middle_left = (HAlign::Left, VAlign::Middle);
        for (e, &(x, y)) in self.entries.iter().zip(&layout.entries) {
            let cy = y + mid;
            draw_swatch(s, e.swatch, x, cy);
            let tx = x + s.px(SWATCH_W + SWATCH_GAP);
            if e.note.is_empty() {
                s.text(&e.label, (tx, cy), LEGEND_FONT, TEXT, middle_left);
            } else {
                let note = format!(" {}", e.note);
                let runs = [(e.label.as_str(), TEXT), (note.as_str(), MUTED)];
                let font = s.font(LEGEND_FONT);
                s.p.text_runs(
                    &runs,
                    (tx, cy),
                    &font,
                    Anchor::new(HAlign::Left, VAlign::Middle),
                );
            }
        }
        let x = layout.entries.first().map_or(s.px(PAD), |p| p.0);
        for (line, y) in &layout.notes {
            let at = (x, y + s.px(NOTE_LINE / 2.0));
            s.text(line, at, NOTE_FONT, MUTED, middle_left);
        }
    }
}

fn draw_swatch(s: &mut Surface<'_>, swatch: Swatch, x: f64, cy: f64) {
    let w = s.px(SWATCH_W);
    match swatch {
        Swatch::Line(c) => s.hline(x, x + w, cy, &s.stroke(c, 2.5)),
        Swatch::LineDot(c) => {
            s.hline(x, x + w, cy, &s.stroke(c, 2.0));
            s.p.circle((x + w / 2.0, cy), s.px(3.5), Some(c), None);
        }
        Swatch::Dot(c) => {
            let ring = s.stroke(BACKGROUND, 1.0);
            s.p.circle((x + w / 2.0, cy), s.px(3.5), Some(c), Some(&ring));
        }
        Swatch::Faint(c) => {
            let gap = s.px(3.0);
            s.hline(x, x + w, cy - gap, &s.stroke(c.tint(0.25), 1.25));
            s.hline(x, x + w, cy + gap, &s.stroke(c.tint(0.45), 1.25));
        }
        Swatch::Bars(c) => {
            let (bw, h) = (s.px(8.0), s.px(11.0));
            let bottom = cy + h / 2.0;
            let x1 = x + (w - bw) / 2.0;
            s.rect(Rect::new(x1, bottom - h, x1 + bw, bottom), c.tint(0.3));
            s.rect(Rect::new(x1, bottom - h * 0.4, x1 + bw, bottom), c);
        }
    }
}

/// Splits `text` at spaces into lines no wider than `max_width` device pixels (a single word
/// wider than that gets a line of its own).
pub fn wrap(m: &dyn TextMeasure, text: &str, font: &Font, max_width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && m.text_width(&candidate, font) > max_width {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character is half the font size wide.
    struct HalfEm;

    impl TextMeasure for HalfEm {
        fn text_width(&self, text: &str, font: &Font) -> f64 {
            text.chars().count() as f64 * font.size / 2.0
        }
    }

    fn legend(labels: &[(&str, &str)]) -> Legend {
        let mut l = Legend::default();
        for (label, note) in labels {
            l.entry(Swatch::Line(TEXT), *label, *note);
        }
        l
    }

    #[test]
    fn entries_wrap_to_the_width() {
        // At dpr 2 the legend font is 23 px, so a character is 11.5 px wide. "Sigmoid 0.31":
        // swatch and gap (18 + 5) · 2 = 46, label 7 · 11.5 = 80.5, space 11.5, note 4 · 11.5 = 46:
        // 184 px, then the 28 px gap. "ReLU" alone: 46 + 46 = 92.
        let l = legend(&[("Sigmoid", "0.31"), ("ReLU", ""), ("Tanh", "· waiting")]);
        let wide = l.layout(&HalfEm, 2.0, (16.0, 16.0), 1000.0);
        assert_eq!(
            wide.entries,
            vec![
                (16.0, 16.0),
                (16.0 + 184.0 + 28.0, 16.0),
                (16.0 + 212.0 + 120.0, 16.0)
            ]
        );
        assert_eq!(wide.height, 32.0);
        // 320 px: ReLU still fits on the first row (212 + 92 ≤ 320), Tanh wraps.
        let narrow = l.layout(&HalfEm, 2.0, (16.0, 16.0), 320.0);
        assert_eq!(
            narrow.entries,
            vec![(16.0, 16.0), (228.0, 16.0), (16.0, 48.0)]
        );
        assert_eq!(narrow.height, 64.0);
        // Too narrow for any two: one per row; a first entry never wraps.
        let tiny = l.layout(&HalfEm, 2.0, (0.0, 0.0), 10.0);
        assert_eq!(tiny.entries, vec![(0.0, 0.0), (0.0, 32.0), (0.0, 64.0)]);
    }

    #[test]
    fn notes_wrap_at_spaces_under_the_entries() {
        let mut l = legend(&[("ReLU", "")]);
        l.notes.push("solid: dead · pale: off".into());
        // Note font 10.5 px at dpr 1: 5.25 px a character; 60 px takes 11 characters.
        let layout = l.layout(&HalfEm, 1.0, (8.0, 8.0), 60.0);
        let lines: Vec<&str> = layout.notes.iter().map(|n| n.0.as_str()).collect();
        assert_eq!(lines, ["solid: dead", "· pale: off"]);
        assert_eq!(layout.notes[0].1, 8.0 + 16.0);
        assert_eq!(layout.notes[1].1, 8.0 + 16.0 + 14.0);
        assert_eq!(layout.height, 16.0 + 2.0 * 14.0);
        // An empty legend takes no room.
        assert_eq!(
            Legend::default()
                .layout(&HalfEm, 1.0, (8.0, 8.0), 60.0)
                .height,
            0.0
        );
    }

    #[test]
    fn a_long_word_gets_its_own_line() {
        let f = font(10.0, 1.0);
        assert_eq!(
            wrap(&HalfEm, "a verylongword b", &f, 20.0),
            ["a", "verylongword", "b"]
        );
        assert_eq!(wrap(&HalfEm, "", &f, 20.0), Vec::<String>::new());
    }
}
