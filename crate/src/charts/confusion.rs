//! Mistakes at an epoch end: the two compared lanes' confusion matrices on the test set side by
//! side, their difference on the diverging blue–white–orange scale, and every lane's accuracy
//! per digit.
//!
//! In a lane's matrix (rows: true digit, columns: predicted) the diagonal — the digits read
//! right — is grey, and the mistakes are in the lane's colour, darker for more; both lanes share
//! one scale. The difference is lane A minus lane B: orange where A has more, blue where B has.
//! Both lanes read the same test images, so each row of the difference sums to zero.

use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::palette::{diverging, serialize_hex};
use super::surface::Surface;
use super::theme::{AXIS, GRID, LEGEND_FONT, MUTED, NOTE_FONT, TEXT, TICK_FONT};
use super::ticks::linear_ticks;
use crate::mistakes::per_class_accuracy;
use crate::network::CLASSES;
use crate::report::EpochReport;
use serde::Serialize;

type Matrix = [[u32; CLASSES]; CLASSES];

/// One lane at the epoch shown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaneConfusion {
    pub lane: usize,
    pub label: String,
    #[serde(serialize_with = "serialize_hex")]
    pub color: Color,
    /// `matrix[true][predicted]` on the test set.
    pub matrix: Matrix,
    /// Per true digit: the diagonal over the row's total.
    pub per_class: [Option<f32>; CLASSES],
}

/// What the view shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfusionView {
    /// The epoch (1-based) whose test pass is shown.
    pub epoch: u32,
    /// The compared lanes, A then B.
    pub a: LaneConfusion,
    pub b: LaneConfusion,
    /// A − B, cell by cell.
    pub difference: [[i64; CLASSES]; CLASSES],
    /// Every lane that has finished this epoch (for the accuracy per digit).
    pub lanes: Vec<LaneConfusion>,
}

/// A lane as the view is built from it.
pub struct ConfusionSource<'a> {
    pub label: String,
    pub color: Color,
    pub epochs: &'a [EpochReport],
}

// CSS pixels.
const PAD: f64 = 8.0;
const GAP: f64 = 18.0;
const ROW_LABELS: f64 = 14.0;
const TITLE: f64 = 18.0;
const COL_LABELS: f64 = 14.0;
const MAX_MATRIX: f64 = 230.0;
const NOTE: f64 = 18.0;
const ACCURACY_H: f64 = 170.0;
/// Cells at least this wide carry their count.
const NUMBERS_FROM: f64 = 21.0;
const DIAGONAL: Color = Color::rgb(0x5d, 0x64, 0x77);

impl ConfusionView {
    /// The latest epoch both compared lanes (`compare`) have finished, `None` before that.
    pub fn new(lanes: &[ConfusionSource<'_>], compare: (usize, usize)) -> Option<ConfusionView> {
        let (a, b) = compare;
        let (sa, sb) = (lanes.get(a)?, lanes.get(b)?);
        if a == b {
            return None;
        }
        let k = sa.epochs.len().min(sb.epochs.len());
        let epoch = sa.epochs.get(k.checked_sub(1)?)?.epoch;
        let at = |i: usize| -> Option<LaneConfusion> {
            let s = lanes.get(i)?;
            let report = s.epochs.iter().find(|e| e.epoch == epoch)?;
            Some(LaneConfusion {
                lane: i,
                label: s.label.clone(),
                color: s.color,
                matrix: report.confusion,
                per_class: per_class_accuracy(&report.confusion),
            })
        };
        let (ca, cb) = (at(a)?, at(b)?);
        let difference = std::array::from_fn(|t| {
            std::array::from_fn(|p| i64::from(ca.matrix[t][p]) - i64::from(cb.matrix[t][p]))
        });
        Some(ConfusionView {
            epoch,
            lanes: (0..lanes.len()).filter_map(at).collect(),
            a: ca,
            b: cb,
            difference,
        })
    }

    /// The side of a matrix and the height of the view at `width` CSS pixels.
    pub fn layout(width: f64) -> (f64, f64) {
        let m = ((width - 2.0 * PAD - 2.0 * GAP - 3.0 * ROW_LABELS) / 3.0).clamp(60.0, MAX_MATRIX);
        let height = PAD + TITLE + COL_LABELS + m + NOTE + ACCURACY_H + PAD;
        (m, height)
    }

    /// The most mistakes in one cell off the diagonal, in either lane (the lanes' shared scale).
    fn most_mistakes(&self) -> u32 {
        [&self.a.matrix, &self.b.matrix]
            .iter()
            .flat_map(|m| {
                (0..CLASSES)
                    .flat_map(move |t| (0..CLASSES).filter(move |&p| p != t).map(move |p| m[t][p]))
            })
            .max()
            .unwrap_or(0)
    }

    fn lane_colors(&self, lane: &LaneConfusion) -> Vec<Color> {
        let most = f64::from(self.most_mistakes().max(1));
        let mut out = Vec::with_capacity(CLASSES * CLASSES);
        for (t, row) in lane.matrix.iter().enumerate() {
            let total = f64::from(row.iter().sum::<u32>().max(1));
            for (p, &n) in row.iter().enumerate() {
                out.push(if t == p {
                    DIAGONAL.tint(0.15 + 0.6 * f64::from(n) / total)
                } else if n == 0 {
                    Color::rgb(0xff, 0xff, 0xff)
                } else {
                    // At least a tint, so a single mistake shows.
                    lane.color.tint(0.12 + 0.88 * (f64::from(n) / most).sqrt())
                });
            }
        }
        out
    }

    fn difference_colors(&self) -> Vec<Color> {
        let most = self
            .difference
            .iter()
            .flatten()
            .map(|d| d.unsigned_abs())
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        self.difference
            .iter()
            .flatten()
            .map(|&d| diverging(d as f64 / most))
            .collect()
    }

    /// Draws the view; returns the accuracy plot's rectangle (device pixels), or `None` when the
    /// painter is too small.
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let k = s.dpr;
        let (m, _) = Self::layout(s.width / k);
        let top = s.px(PAD + TITLE + COL_LABELS);
        let size = s.px(m);
        let mut left = s.px(PAD + ROW_LABELS);
        let titles = [
            (format!("{} (A)", self.a.label), Some(self.a.color)),
            (format!("{} (B)", self.b.label), Some(self.b.color)),
            ("A − B".to_string(), None),
        ];
        let grids = [
            (self.lane_colors(&self.a), Cells::Counts(&self.a.matrix)),
            (self.lane_colors(&self.b), Cells::Counts(&self.b.matrix)),
            (
                self.difference_colors(),
                Cells::Differences(&self.difference),
            ),
        ];
        let left_middle = (HAlign::Left, VAlign::Middle);
        for ((title, color), (colors, numbers)) in titles.iter().zip(&grids) {
            let r = Rect::new(left, top, left + size, top + size);
            let mid = s.px(PAD + TITLE / 2.0);
            let mut x = r.left;
            if let Some(c) = color {
                s.rect(
                    Rect::new(x, mid - s.px(5.0), x + s.px(10.0), mid + s.px(5.0)),
                    *c,
                );
                x += s.px(14.0);
            }
            s.text(title, (x, mid), LEGEND_FONT, TEXT, left_middle);
            s.p.cells(r, CLASSES, CLASSES, colors);
            let cell = size / CLASSES as f64;
            for d in 0..CLASSES {
                let c = r.left + (d as f64 + 0.5) * cell;
                let digit = d.to_string();
                s.text(
                    &digit,
                    (c, r.top - s.px(2.0)),
                    NOTE_FONT,
                    MUTED,
                    (HAlign::Center, VAlign::Bottom),
                );
                let row = r.top + (d as f64 + 0.5) * cell;
                s.text(
                    &digit,
                    (r.left - s.px(4.0), row),
                    NOTE_FONT,
                    MUTED,
                    (HAlign::Right, VAlign::Middle),
                );
            }
            if cell >= s.px(NUMBERS_FROM) {
                for t in 0..CLASSES {
                    for p in 0..CLASSES {
                        let (text, dark) = match numbers {
                            // White only on a diagonal cell darker than half way.
                            Cells::Counts(mx) => (
                                (mx[t][p] > 0).then(|| mx[t][p].to_string()),
                                t == p && 2 * mx[t][p] > mx[t].iter().sum::<u32>(),
                            ),
                            Cells::Differences(dx) => (
                                (dx[t][p] != 0).then(|| {
                                    if dx[t][p] > 0 {
                                        format!("+{}", dx[t][p])
                                    } else {
                                        format!("−{}", -dx[t][p])
                                    }
                                }),
                                false,
                            ),
                        };
                        if let Some(text) = text {
                            let at = (
                                r.left + (p as f64 + 0.5) * cell,
                                r.top + (t as f64 + 0.5) * cell,
                            );
                            let ink = if dark {
                                Color::rgb(0xff, 0xff, 0xff)
                            } else {
                                TEXT
                            };
                            let mut font = s.font(9.5);
                            if s.p.text_width(&text, &font) > cell - s.px(2.0) {
                                font.size = s.px(7.5);
                            }
                            s.p.text(
                                &text,
                                at,
                                &font,
                                super::painter::Anchor::new(HAlign::Center, VAlign::Middle),
                                ink,
                            );
                        }
                    }
                }
            }
            left += size + s.px(GAP + ROW_LABELS);
        }
        let note = "rows: true digit · columns: what the lane read · grey: read right";
        let note_y = top + size + s.px(NOTE / 2.0 + 2.0);
        s.text(note, (s.px(PAD), note_y), NOTE_FONT, MUTED, left_middle);
        let below = top + size + s.px(NOTE);
        Some(self.draw_accuracy(&mut s, below))
    }

    /// Accuracy per digit, a dot per lane, from `y` down.
    fn draw_accuracy(&self, s: &mut Surface<'_>, y: f64) -> Rect {
        let plot = Rect::new(
            s.px(PAD + 40.0),
            y + s.px(22.0),
            s.width - s.px(PAD + 4.0),
            y + s.px(ACCURACY_H - 22.0),
        );
        let lowest = self
            .lanes
            .iter()
            .flat_map(|l| l.per_class.iter().flatten())
            .fold(1.0f32, |m, &v| m.min(v));
        let lo = ((f64::from(lowest) * 100.0 - 2.0) / 5.0)
            .floor()
            .clamp(0.0, 19.0)
            * 5.0;
        let (y0, y1) = (lo, 100.0);
        let yp = |v: f64| plot.bottom - (v - y0) / (y1 - y0) * plot.height();
        let slot = plot.width() / CLASSES as f64;
        let xp = |d: usize, lane: usize, n: usize| {
            plot.left
                + slot * (d as f64 + 0.5)
                + (lane as f64 - (n as f64 - 1.0) / 2.0) * slot * 0.6 / n.max(1) as f64
        };
        s.text(
            "↑ accuracy per true digit",
            (s.px(PAD), y + s.px(10.0)),
            TICK_FONT,
            TEXT,
            (HAlign::Left, VAlign::Middle),
        );
        let (grid, axis) = (s.stroke(GRID, 1.0), s.stroke(AXIS, 1.0));
        for (v, label) in linear_ticks(y0, y1, ((plot.height() / s.px(26.0)) as usize).max(2), "%")
        {
            s.hline(plot.left, plot.right, yp(v), &grid);
            s.text(
                &label,
                (plot.left - s.px(4.0), yp(v)),
                TICK_FONT,
                TEXT,
                (HAlign::Right, VAlign::Middle),
            );
        }
        s.hline(plot.left, plot.right, plot.bottom, &axis);
        s.vline(plot.left, plot.top, plot.bottom, &axis);
        for d in 0..CLASSES {
            let at = (plot.left + slot * (d as f64 + 0.5), plot.bottom + s.px(3.0));
            s.text(
                &d.to_string(),
                at,
                TICK_FONT,
                TEXT,
                (HAlign::Center, VAlign::Top),
            );
        }
        let n = self.lanes.len();
        for (i, lane) in self.lanes.iter().enumerate() {
            for (d, acc) in lane.per_class.iter().enumerate() {
                let Some(acc) = acc else { continue };
                let x = xp(d, i, n);
                let v = yp(f64::from(*acc) * 100.0);
                s.vline(x, v, plot.bottom, &s.stroke(lane.color.tint(0.35), 2.0));
                s.p.circle((x, v), s.px(3.5), Some(lane.color), None);
            }
        }
        plot
    }
}

enum Cells<'a> {
    Counts(&'a Matrix),
    Differences(&'a [[i64; CLASSES]; CLASSES]),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::svg::SvgPainter;

    fn epoch(epoch: u32, confusion: Matrix) -> EpochReport {
        let mut r = crate::charts::fixtures::epoch(0, Activation::Relu, epoch);
        r.confusion = confusion;
        r
    }

    /// 10 images of each digit, all right but `wrong` (true, predicted, count).
    fn matrix(wrong: &[(usize, usize, u32)]) -> Matrix {
        let mut m = [[0u32; CLASSES]; CLASSES];
        for (d, row) in m.iter_mut().enumerate() {
            row[d] = 10;
        }
        for &(t, p, n) in wrong {
            m[t][t] -= n;
            m[t][p] += n;
        }
        m
    }

    fn source<'a>(label: &str, epochs: &'a [EpochReport]) -> ConfusionSource<'a> {
        ConfusionSource {
            label: label.into(),
            color: Color::rgb(0, 0x72, 0xb2),
            epochs,
        }
    }

    #[test]
    fn the_latest_common_epoch_its_difference_and_accuracy_per_digit() {
        let a = [
            epoch(1, matrix(&[(4, 9, 3)])),
            epoch(2, matrix(&[(4, 9, 1), (7, 1, 2)])),
        ];
        let b = [epoch(1, matrix(&[(4, 9, 5), (3, 5, 2)]))];
        let c: [EpochReport; 0] = [];
        let lanes = [
            source("Sigmoid", &a),
            source("ReLU", &b),
            source("Tanh", &c),
        ];
        let v = ConfusionView::new(&lanes, (0, 1)).expect("epoch 1");
        // B has only finished epoch 1: both are shown at epoch 1.
        assert_eq!(v.epoch, 1);
        assert_eq!(v.a.matrix[4][9], 3);
        assert_eq!(v.difference[4][9], 3 - 5);
        assert_eq!(v.difference[4][4], 7 - 5);
        assert_eq!(v.difference[3][5], -2);
        assert_eq!(v.difference[3][3], 2);
        for row in &v.difference {
            assert_eq!(row.iter().sum::<i64>(), 0);
        }
        assert_eq!(v.a.per_class[4], Some(0.7));
        assert_eq!(v.b.per_class[4], Some(0.5));
        assert_eq!(v.b.per_class[0], Some(1.0));
        // Tanh has no epoch 1 yet: two lanes in the accuracy plot.
        assert_eq!(v.lanes.iter().map(|l| l.lane).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(v.most_mistakes(), 5);
        // Compared the other way round, the difference flips.
        let w = ConfusionView::new(&lanes, (1, 0)).unwrap();
        assert_eq!(w.difference[4][9], 2);
        assert!(
            ConfusionView::new(&lanes, (0, 2)).is_none(),
            "Tanh has no epoch"
        );
        assert!(ConfusionView::new(&lanes, (0, 0)).is_none());
        assert!(ConfusionView::new(&lanes, (0, 7)).is_none());
    }

    #[test]
    fn the_grids_colour_mistakes_by_lane_and_the_difference_by_sign() {
        let a = [epoch(1, matrix(&[(4, 9, 4)]))];
        let mut b_lane = source("ReLU", &[]);
        let b = [epoch(1, matrix(&[(4, 9, 1), (2, 7, 2)]))];
        b_lane.epochs = &b;
        b_lane.color = Color::rgb(0xe6, 0x9f, 0);
        let lanes = [source("Sigmoid", &a), b_lane];
        let v = ConfusionView::new(&lanes, (0, 1)).unwrap();
        let ca = v.lane_colors(&v.a);
        // The biggest mistake (4 of them) in the lane's full colour; an empty cell white.
        assert_eq!(ca[4 * 10 + 9], v.a.color);
        assert_eq!(ca[4 * 10 + 8], Color::rgb(255, 255, 255));
        let d = v.difference_colors();
        // A − B at (4, 9) is +3, the largest |difference|: full orange; at (2, 7) −2: blue.
        assert_eq!(d[4 * 10 + 9], crate::charts::palette::POSITIVE);
        assert_eq!(d[2 * 10 + 7], diverging(-2.0 / 3.0));
        let (_, h) = ConfusionView::layout(760.0);
        let mut p = SvgPainter::new(760.0, h);
        v.draw(&mut p, 1.0).expect("drawn");
        let svg = p.finish();
        assert!(
            svg.contains("Sigmoid (A)") && svg.contains("A − B"),
            "{svg}"
        );
        // Cells of 23 px carry their counts: +3 and −2 in the difference.
        assert!(svg.contains(">+3<") && svg.contains(">−2<"), "{svg}");
    }
}
