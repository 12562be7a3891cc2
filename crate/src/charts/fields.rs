//! Receptive fields: the first hidden layer's incoming weights of some units per lane, each a
//! 28×28 tile on the diverging blue–white–orange scale (blue negative, white zero, orange
//! positive; full colour at the lane's largest |weight|), lanes side by side, dead units
//! crossed out; one unit shown large with what it computes on the digit on the pad.
//!
//! The layout is computed in CSS pixels ([`FieldsView::layout`]) so that the page can size its
//! canvas to it and find the tile under a click.

use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::palette::{NEGATIVE, POSITIVE, diverging, serialize_hex};
use super::surface::Surface;
use super::theme::{LEGEND_FONT, MUTED, NOTE_FONT, TEXT};
use crate::activation::Activation;
use crate::race::{ReceptiveFields, TraceLayer};
use serde::Serialize;

/// Pixels per side of an input image (and so of a tile).
pub const SIDE: usize = 28;

/// One unit's tile.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldTile {
    pub unit: usize,
    /// Its 784 incoming weights, row by row of the image.
    #[serde(skip)]
    pub weights: Vec<f32>,
    pub dead: bool,
}

/// One lane's tiles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaneFields {
    pub label: String,
    #[serde(serialize_with = "serialize_hex")]
    pub color: Color,
    pub tiles: Vec<FieldTile>,
    /// The largest |weight| of the lane's tiles: full colour on the scale (0 without tiles).
    pub scale: f32,
    /// Progress in epochs when the weights were read.
    pub epochs: f64,
}

/// The unit shown large.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SelectedField {
    pub lane: usize,
    pub unit: usize,
    pub activation: Activation,
    /// Its pre-activation z and output f(z) on the digit on the pad, if there is one.
    pub on_digit: Option<(f32, f32)>,
}

/// What the receptive-fields view shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldsView {
    pub lanes: Vec<LaneFields>,
    pub selected: Option<SelectedField>,
}

/// A lane as the view is built from it.
pub struct FieldsSource<'a> {
    pub label: String,
    pub color: Color,
    pub activation: Activation,
    pub fields: Option<(&'a ReceptiveFields, f64)>,
    /// The digit on the pad through the lane's first hidden layer.
    pub first_layer: Option<&'a TraceLayer>,
}

/// Where everything goes, in CSS pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldsLayout {
    pub width: f64,
    pub height: f64,
    /// Each lane's title line (left, baseline box).
    pub titles: Vec<Rect>,
    /// Every tile: (lane, unit, where).
    pub tiles: Vec<(usize, usize, Rect)>,
    /// The large tile.
    pub big: Rect,
}

// CSS pixels.
const PAD: f64 = 8.0;
const GAP: f64 = 3.0;
const TITLE: f64 = 20.0;
const MIN_BLOCK: f64 = 150.0;
const MAX_TILE: f64 = 52.0;
const BIG: f64 = 140.0;
const BLOCK_GAP: f64 = 16.0;

impl FieldsView {
    /// The view of `lanes`, with `selected` = (lane, unit) shown large if that lane watches the
    /// unit.
    pub fn new(lanes: &[FieldsSource<'_>], selected: Option<(usize, usize)>) -> FieldsView {
        let fields: Vec<LaneFields> = lanes
            .iter()
            .map(|l| {
                let tiles: Vec<FieldTile> = l.fields.map_or_else(Vec::new, |(f, _)| {
                    f.units
                        .iter()
                        .enumerate()
                        .map(|(i, &unit)| FieldTile {
                            unit,
                            weights: f.weights[i * f.inputs..(i + 1) * f.inputs].to_vec(),
                            dead: f.dead.get(i).copied().unwrap_or(false),
                        })
                        .collect()
                });
                let scale = tiles
                    .iter()
                    .flat_map(|t| &t.weights)
                    .filter(|w| w.is_finite())
                    .fold(0.0f32, |m, w| m.max(w.abs()));
                FieldsView::lane(l, tiles, scale)
            })
            .collect();
        let selected = selected.and_then(|(lane, unit)| {
            let source = lanes.get(lane)?;
            fields[lane].tiles.iter().find(|t| t.unit == unit)?;
            let on_digit = source
                .first_layer
                .and_then(|t| Some((*t.pre_activations.get(unit)?, *t.outputs.get(unit)?)));
            Some(SelectedField {
                lane,
                unit,
                activation: source.activation,
                on_digit,
            })
        });
        FieldsView {
            lanes: fields,
            selected,
        }
    }

    fn lane(l: &FieldsSource<'_>, tiles: Vec<FieldTile>, scale: f32) -> LaneFields {
        LaneFields {
            label: l.label.clone(),
            color: l.color,
            tiles,
            scale,
            epochs: l.fields.map_or(0.0, |(_, e)| e),
        }
    }

    /// Lanes per row at `width` CSS pixels: all side by side when each gets 150 px.
    fn columns(&self, width: f64) -> usize {
        let n = self.lanes.len().max(1);
        let fit =
            (((width - 2.0 * PAD + BLOCK_GAP) / (MIN_BLOCK + BLOCK_GAP)).floor() as usize).max(1);
        n.min(fit)
    }

    /// The layout at `width` CSS pixels (the height follows from it).
    pub fn layout(&self, width: f64) -> FieldsLayout {
        let width = width.max(MIN_BLOCK + 2.0 * PAD);
        let cols = self.columns(width);
        let block_w = (width - 2.0 * PAD - BLOCK_GAP * (cols - 1) as f64) / cols as f64;
        let per_row = self
            .lanes
            .iter()
            .map(|l| l.tiles.len())
            .max()
            .unwrap_or(0)
            .clamp(1, 16);
        let grid = (per_row as f64).sqrt().ceil() as usize;
        let tile = ((block_w - GAP * (grid - 1) as f64) / grid as f64).clamp(8.0, MAX_TILE);
        let rows_of_tiles = |n: usize| n.div_ceil(grid).max(1);
        let mut titles = Vec::new();
        let mut tiles = Vec::new();
        let mut y = PAD;
        for row in self.lanes.chunks(cols).enumerate() {
            let (r, lanes) = row;
            let block_h = TITLE
                + lanes
                    .iter()
                    .map(|l| rows_of_tiles(l.tiles.len()) as f64 * (tile + GAP))
                    .fold(0.0, f64::max);
            for (c, l) in lanes.iter().enumerate() {
                let lane = r * cols + c;
                let left = PAD + c as f64 * (block_w + BLOCK_GAP);
                titles.push(Rect::new(left, y, left + block_w, y + TITLE));
                for (i, t) in l.tiles.iter().enumerate() {
                    let (gx, gy) = ((i % grid) as f64, (i / grid) as f64);
                    let x0 = left + gx * (tile + GAP);
                    let y0 = y + TITLE + gy * (tile + GAP);
                    tiles.push((lane, t.unit, Rect::new(x0, y0, x0 + tile, y0 + tile)));
                }
            }
            y += block_h + BLOCK_GAP / 2.0;
        }
        let big = Rect::new(PAD, y + 4.0, PAD + BIG, y + 4.0 + BIG);
        FieldsLayout {
            width,
            height: big.bottom + PAD,
            titles,
            tiles,
            big,
        }
    }

    /// The unit whose tile is at `at` (CSS pixels), if any.
    pub fn hit(&self, width: f64, at: (f64, f64)) -> Option<(usize, usize)> {
        self.layout(width)
            .tiles
            .iter()
            .find(|(_, _, r)| r.inflate(GAP / 2.0).contains(at))
            .map(|&(lane, unit, _)| (lane, unit))
    }

    fn tile_colors(weights: &[f32], scale: f32) -> Vec<Color> {
        let s = if scale > 0.0 { f64::from(scale) } else { 1.0 };
        weights
            .iter()
            .map(|&w| diverging(f64::from(w) / s))
            .collect()
    }

    /// Draws the view on `p` (sized `layout(width).height` CSS pixels × `dpr`); returns the large
    /// tile's rectangle in device pixels, or `None` when the painter is too small.
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let k = s.dpr;
        let layout = self.layout(s.width / k);
        let px = |r: Rect| Rect::new(r.left * k, r.top * k, r.right * k, r.bottom * k);
        let left_middle = (HAlign::Left, VAlign::Middle);
        for (l, title) in self.lanes.iter().zip(&layout.titles) {
            let t = px(*title);
            let mid = (t.top + t.bottom) / 2.0 - s.px(2.0);
            s.rect(
                Rect::new(
                    t.left,
                    mid - s.px(5.0),
                    t.left + s.px(10.0),
                    mid + s.px(5.0),
                ),
                l.color,
            );
            s.text(
                &l.label,
                (t.left + s.px(14.0), mid),
                LEGEND_FONT,
                TEXT,
                left_middle,
            );
            let dead = l.tiles.iter().filter(|t| t.dead).count();
            let note = if l.tiles.is_empty() {
                "waiting".to_string()
            } else if dead > 0 {
                format!("{dead} of {} dead", l.tiles.len())
            } else {
                format!("epoch {:.2}", l.epochs)
            };
            let x = t.left + s.px(14.0) + s.text_width(&l.label, LEGEND_FONT) + s.px(6.0);
            s.text(&note, (x, mid), NOTE_FONT, MUTED, left_middle);
        }
        let selected = self.selected.as_ref().map(|sel| (sel.lane, sel.unit));
        for &(lane, unit, r) in &layout.tiles {
            let l = &self.lanes[lane];
            let Some(tile) = l.tiles.iter().find(|t| t.unit == unit) else {
                continue;
            };
            let r = px(r);
            s.p.cells(r, SIDE, SIDE, &Self::tile_colors(&tile.weights, l.scale));
            if tile.dead {
                // Dead: greyed and crossed out.
                s.rect(r, Color::rgb(0x55, 0x55, 0x55).alpha(0.45));
                let cross = s.stroke(Color::rgb(0x22, 0x22, 0x22), 1.5);
                s.p.polyline(&[(r.left, r.top), (r.right, r.bottom)], &cross);
                s.p.polyline(&[(r.right, r.top), (r.left, r.bottom)], &cross);
            }
            let outline = if selected == Some((lane, unit)) {
                s.stroke(TEXT, 3.0)
            } else {
                s.stroke(Color::rgb(0xd0, 0xd3, 0xde), 1.0)
            };
            let o = r.inflate(outline.width / 2.0);
            s.p.polyline(
                &[
                    (o.left, o.top),
                    (o.right, o.top),
                    (o.right, o.bottom),
                    (o.left, o.bottom),
                    (o.left, o.top),
                ],
                &outline,
            );
        }
        let big = px(layout.big);
        let text_x = big.right + s.px(14.0);
        let (top0, row_h) = (big.top + s.px(8.0), s.px(18.0));
        let line = move |i: f64| top0 + row_h * i;
        let top_left = (HAlign::Left, VAlign::Top);
        match &self.selected {
            Some(sel) => {
                let l = &self.lanes[sel.lane];
                let tile = l.tiles.iter().find(|t| t.unit == sel.unit)?;
                s.p.cells(big, SIDE, SIDE, &Self::tile_colors(&tile.weights, l.scale));
                let frame = s.stroke(l.color, 3.0);
                let o = big.inflate(frame.width / 2.0);
                s.p.polyline(
                    &[
                        (o.left, o.top),
                        (o.right, o.top),
                        (o.right, o.bottom),
                        (o.left, o.bottom),
                        (o.left, o.top),
                    ],
                    &frame,
                );
                let title = format!("{}, unit {}", l.label, sel.unit);
                s.text(&title, (text_x, line(0.0)), LEGEND_FONT, TEXT, top_left);
                let on_digit = match sel.on_digit {
                    Some((z, f)) => format!(
                        "on the digit on the pad: z = {}, f(z) = {}",
                        signed(z),
                        signed(f)
                    ),
                    None => "draw a digit to see what it computes on it".into(),
                };
                s.text(&on_digit, (text_x, line(1.0)), NOTE_FONT, TEXT, top_left);
                let state = if tile.dead {
                    "dead: inactive on every probe image".to_string()
                } else {
                    format!("{}: z = w·x + b, weights shown", sel.activation.label())
                };
                s.text(&state, (text_x, line(2.0)), NOTE_FONT, MUTED, top_left);
            }
            None => {
                s.rect(big, Color::rgb(0xf4, 0xf5, 0xf9));
                let hint = "click a unit to see it large";
                s.text(hint, (text_x, line(0.0)), NOTE_FONT, MUTED, top_left);
            }
        }
        // The colour scale: blue −, white 0, orange +.
        let bar_top = line(3.6);
        let bar = Rect::new(text_x, bar_top, text_x + s.px(120.0), bar_top + s.px(10.0));
        let colors: Vec<Color> = (0..24)
            .map(|i| diverging(f64::from(i) / 11.5 - 1.0))
            .collect();
        s.p.cells(bar, 24, 1, &colors);
        let below = bar.bottom + s.px(3.0);
        s.text("−", (bar.left, below), NOTE_FONT, NEGATIVE, top_left);
        s.text(
            "0",
            ((bar.left + bar.right) / 2.0, below),
            NOTE_FONT,
            MUTED,
            (HAlign::Center, VAlign::Top),
        );
        s.text(
            "+",
            (bar.right, below),
            NOTE_FONT,
            POSITIVE,
            (HAlign::Right, VAlign::Top),
        );
        let scale_note = "weight: full colour at the lane's largest |w|";
        s.text(
            scale_note,
            (bar.right + s.px(8.0), (bar.top + bar.bottom) / 2.0),
            NOTE_FONT,
            MUTED,
            left_middle,
        );
        Some(big)
    }
}

/// A value with its sign and three decimals ("+0.731", "−2.000").
pub fn signed(v: f32) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let t = format!("{:.3}", v.abs());
    if v < 0.0 && t != "0.000" {
        format!("−{t}")
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::svg::SvgPainter;

    fn fields(units: Vec<usize>, dead: Vec<bool>) -> ReceptiveFields {
        let inputs = SIDE * SIDE;
        let mut weights = Vec::new();
        for (i, _) in units.iter().enumerate() {
            // Unit i: weight i·0.01 everywhere but pixel 0, which is −0.5 for the second unit.
            for p in 0..inputs {
                weights.push(if i == 1 && p == 0 {
                    -0.5
                } else {
                    i as f32 * 0.01
                });
            }
        }
        ReceptiveFields {
            units,
            inputs,
            weights,
            dead,
        }
    }

    fn source<'a>(
        label: &str,
        f: Option<&'a ReceptiveFields>,
        t: Option<&'a TraceLayer>,
    ) -> FieldsSource<'a> {
        FieldsSource {
            label: label.into(),
            color: Color::rgb(0, 0x72, 0xb2),
            activation: Activation::Relu,
            fields: f.map(|f| (f, 1.5)),
            first_layer: t,
        }
    }

    #[test]
    fn tiles_scale_dead_units_and_the_selected_units_activation_on_the_digit() {
        let f = fields(vec![0, 1, 2, 3], vec![false, false, true, false]);
        let trace = TraceLayer {
            pre_activations: vec![0.5, -1.25, 2.0, 0.0],
            outputs: vec![0.5, 0.0, 2.0, 0.0],
        };
        let lanes = [
            source("ReLU", Some(&f), Some(&trace)),
            source("Tanh", None, None),
        ];
        let v = FieldsView::new(&lanes, Some((0, 1)));
        assert_eq!(v.lanes[0].tiles.len(), 4);
        // The largest |w| of the lane: the −0.5 of unit 1.
        assert_eq!(v.lanes[0].scale, 0.5);
        assert!(v.lanes[0].tiles[2].dead);
        assert_eq!(v.lanes[0].tiles[3].weights[5], 0.03);
        assert_eq!(v.lanes[1].tiles.len(), 0);
        let sel = v.selected.clone().expect("selected");
        assert_eq!(
            (sel.lane, sel.unit, sel.on_digit),
            (0, 1, Some((-1.25, 0.0)))
        );
        // A unit the lane does not watch, or a lane without fields, selects nothing.
        assert_eq!(FieldsView::new(&lanes, Some((0, 9))).selected, None);
        assert_eq!(FieldsView::new(&lanes, Some((1, 0))).selected, None);
        // Colours: −0.5 at scale 0.5 is full blue, 0.03 is 6% orange.
        let colors = FieldsView::tile_colors(&v.lanes[0].tiles[1].weights, 0.5);
        assert_eq!(colors[0], NEGATIVE);
        assert_eq!(colors[1], diverging(0.02));
        assert_eq!(signed(-1.25), "−1.250");
        assert_eq!(signed(0.0004), "0.000");
        assert_eq!(signed(-0.0004), "0.000");
    }

    #[test]
    fn lanes_sit_side_by_side_when_there_is_room_and_a_click_finds_its_tile() {
        let f = fields((0..16).collect(), vec![false; 16]);
        let lanes: Vec<FieldsSource<'_>> = ["a", "b", "c", "d"]
            .iter()
            .map(|l| source(l, Some(&f), None))
            .collect();
        let v = FieldsView::new(&lanes, None);
        let wide = v.layout(1200.0);
        // Four blocks of (1200 − 16 − 48) / 4 = 284 px: tiles at their maximum 52 px, 4 × 4.
        assert_eq!(wide.tiles.len(), 64);
        assert_eq!(
            wide.titles.iter().map(|t| t.top).collect::<Vec<_>>(),
            [8.0; 4]
        );
        let (_, _, first) = wide.tiles[0];
        assert_eq!((first.width(), first.left, first.top), (52.0, 8.0, 28.0));
        // Tile 5 of lane 2 (row 1, column 1 of its grid).
        let (lane, unit, r) = wide.tiles[2 * 16 + 5];
        assert_eq!((lane, unit), (2, 5));
        assert_eq!(r.left, 8.0 + 2.0 * (284.0 + 16.0) + 55.0);
        assert_eq!(v.hit(1200.0, (r.left + 3.0, r.top + 3.0)), Some((2, 5)));
        assert_eq!(v.hit(1200.0, (1.0, 1.0)), None);
        // A phone: two lanes per row, two rows.
        let narrow = v.layout(360.0);
        let tops: Vec<f64> = narrow.titles.iter().map(|t| t.top).collect();
        assert_eq!(tops[0], tops[1]);
        assert!(tops[2] > tops[1] + 100.0, "{tops:?}");
        assert!(narrow.height > wide.height);
        for (_, _, r) in &narrow.tiles {
            assert!(r.right <= 360.0 - 8.0 + 1e-9, "{r:?}");
        }
    }

    #[test]
    fn it_draws_tiles_as_cell_grids_and_the_selected_unit_large() {
        let f = fields(vec![0, 1], vec![false, true]);
        let trace = TraceLayer {
            pre_activations: vec![0.25, -3.0],
            outputs: vec![0.25, 0.0],
        };
        let lanes = [source("ReLU", Some(&f), Some(&trace))];
        let v = FieldsView::new(&lanes, Some((0, 0)));
        let h = v.layout(600.0).height;
        let mut p = SvgPainter::new(600.0, h);
        let big = v.draw(&mut p, 1.0).expect("drawn");
        assert_eq!((big.width(), big.height()), (BIG, BIG));
        let svg = p.finish();
        assert!(svg.contains("ReLU, unit 0"), "{svg}");
        assert!(svg.contains("z = 0.250, f(z) = 0.250"));
        assert!(svg.contains("1 of 2 dead"));
    }
}
