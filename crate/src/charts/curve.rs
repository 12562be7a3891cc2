//! The digit on the pad through the networks: one small panel per lane with its activation f(z)
//! (solid) and f′(z) (dashed), and a dot at (z, f(z)) for every hidden unit on that digit,
//! coloured by layer. Saturated Sigmoid and Tanh units pile up on the flat ends, ReLU units that
//! are off on the zero side.

use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::palette::{layer_color, serialize_hex};
use super::surface::Surface;
use super::theme::{AXIS, GRID, LEGEND_FONT, MUTED, NOTE_FONT, TEXT, TICK_FONT};
use super::ticks::linear_ticks;
use crate::activation::Activation;
use crate::race::TraceLayer;
use serde::Serialize;

/// One lane's panel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurvePanel {
    pub label: String,
    #[serde(serialize_with = "serialize_hex")]
    pub color: Color,
    pub activation: Activation,
    #[serde(skip)]
    pub leaky_slope: f32,
    /// Per hidden layer, input side first: every unit's pre-activation z…
    pub z: Vec<Vec<f32>>,
    /// …and its output f(z).
    pub f: Vec<Vec<f32>>,
    /// Share of the units that pass (almost) no gradient on this digit
    /// ([`Activation::is_inactive`]): off for the ReLU family, saturated for the others.
    pub inactive: Option<f32>,
    /// The z axis: symmetric, at least ±5, wide enough for every unit up to ±40.
    pub z_range: (f64, f64),
    /// The y axis: f and f′ over the z axis.
    pub y_range: (f64, f64),
}

/// What the curve view shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurveView {
    pub panels: Vec<CurvePanel>,
    /// Hidden layers (the deepest lane).
    pub layers: usize,
    /// The layers' colours, input side first.
    #[serde(skip)]
    pub layer_colors: Vec<Color>,
    /// What digit this is, e.g. "MNIST test image #7, labelled 9" (`None`: nothing on the pad).
    pub digit: Option<String>,
}

/// A lane as the view is built from it.
pub struct CurveSource<'a> {
    pub label: String,
    pub color: Color,
    pub activation: Activation,
    pub leaky_slope: f32,
    /// The digit through the lane's hidden layers (`None` before it answered).
    pub layers: Option<&'a [TraceLayer]>,
}

// CSS pixels.
const PAD: f64 = 8.0;
const LEGEND: f64 = 22.0;
const PANEL_H: f64 = 190.0;
const MIN_PANEL_W: f64 = 170.0;
const PANEL_GAP: f64 = 14.0;
const TITLE: f64 = 18.0;
const LEFT_AXIS: f64 = 34.0;
const BOTTOM_AXIS: f64 = 30.0;
const DOT: f64 = 2.5;
/// Samples of the curves across the plot.
const SAMPLES: usize = 161;

/// The largest |z| the axis grows to: beyond it dots sit on the edge.
const Z_CAP: f64 = 40.0;

impl CurvePanel {
    fn new(source: &CurveSource<'_>) -> CurvePanel {
        let layers = source.layers.unwrap_or(&[]);
        let z: Vec<Vec<f32>> = layers.iter().map(|l| l.pre_activations.clone()).collect();
        let f: Vec<Vec<f32>> = layers.iter().map(|l| l.outputs.clone()).collect();
        let (a, slope) = (source.activation, source.leaky_slope);
        let all_z = || z.iter().flatten().filter(|v| v.is_finite());
        let reach = all_z().fold(0.0f64, |m, &v| m.max(f64::from(v).abs()));
        let half = (reach * 1.05).clamp(5.0, Z_CAP).ceil();
        let z_range = (-half, half);
        let units = all_z().count();
        let inactive = (units > 0).then(|| {
            let n = all_z()
                .filter(|&&v| {
                    let (fv, d) = a.eval(v, slope);
                    a.is_inactive(fv, d)
                })
                .count();
            n as f32 / units as f32
        });
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for i in 0..SAMPLES {
            let v = z_range.0 + (z_range.1 - z_range.0) * i as f64 / (SAMPLES - 1) as f64;
            let (fv, d) = a.eval(v as f32, slope);
            for y in [f64::from(fv), f64::from(d)] {
                if y.is_finite() {
                    lo = lo.min(y);
                    hi = hi.max(y);
                }
            }
        }
        let margin = (hi - lo) * 0.06;
        CurvePanel {
            label: source.label.clone(),
            color: source.color,
            activation: a,
            leaky_slope: slope,
            z,
            f,
            inactive,
            z_range,
            y_range: (lo - margin, hi + margin),
        }
    }

    /// Units of the digit, all layers.
    pub fn units(&self) -> usize {
        self.z.iter().map(Vec::len).sum()
    }
}

impl CurveView {
    pub fn new(sources: &[CurveSource<'_>], digit: Option<String>) -> CurveView {
        let panels: Vec<CurvePanel> = sources.iter().map(CurvePanel::new).collect();
        let layers = panels.iter().map(|p| p.z.len()).max().unwrap_or(0);
        CurveView {
            layer_colors: (0..layers).map(layer_color).collect(),
            panels,
            layers,
            digit,
        }
    }

    /// Panels per row at `width` CSS pixels.
    fn columns(&self, width: f64) -> usize {
        let fit = ((width - 2.0 * PAD + PANEL_GAP) / (MIN_PANEL_W + PANEL_GAP)).floor() as usize;
        self.panels.len().max(1).min(fit.max(1))
    }

    /// The panels' rectangles (CSS pixels) and the height the view needs at `width`.
    pub fn layout(&self, width: f64) -> (Vec<Rect>, f64) {
        let cols = self.columns(width);
        let w = (width - 2.0 * PAD - PANEL_GAP * (cols - 1) as f64) / cols as f64;
        let rects: Vec<Rect> = (0..self.panels.len())
            .map(|i| {
                let (c, r) = ((i % cols) as f64, (i / cols) as f64);
                let left = PAD + c * (w + PANEL_GAP);
                let top = PAD + LEGEND + r * (PANEL_H + PANEL_GAP);
                Rect::new(left, top, left + w, top + PANEL_H)
            })
            .collect();
        let rows = self.panels.len().div_ceil(cols).max(1) as f64;
        let height = PAD + LEGEND + rows * PANEL_H + (rows - 1.0) * PANEL_GAP + PAD;
        (rects, height)
    }

    /// Draws the view; returns the first panel's plot area (device pixels), or `None` when the
    /// painter is too small.
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let k = s.dpr;
        let (rects, _) = self.layout(s.width / k);
        // The legend: layers, then the two curves.
        let mut x = s.px(PAD);
        let y = s.px(PAD + LEGEND / 2.0);
        let left_middle = (HAlign::Left, VAlign::Middle);
        for (i, &c) in self.layer_colors.iter().enumerate() {
            s.p.circle((x + s.px(4.0), y), s.px(DOT + 1.0), Some(c), None);
            let t = format!("hidden {}", i + 1);
            s.text(&t, (x + s.px(10.0), y), NOTE_FONT, TEXT, left_middle);
            x += s.px(18.0) + s.text_width(&t, NOTE_FONT);
        }
        let curve = s.stroke(TEXT, 1.5);
        s.p.polyline(&[(x, y), (x + s.px(16.0), y)], &curve);
        s.text("f(z)", (x + s.px(20.0), y), NOTE_FONT, TEXT, left_middle);
        x += s.px(28.0) + s.text_width("f(z)", NOTE_FONT);
        let slope = curve.dashed(s.px(4.0), s.px(3.0));
        s.p.polyline(&[(x, y), (x + s.px(16.0), y)], &slope);
        s.text("f′(z)", (x + s.px(20.0), y), NOTE_FONT, TEXT, left_middle);
        let mut first = None;
        for (panel, r) in self.panels.iter().zip(rects) {
            let r = Rect::new(r.left * k, r.top * k, r.right * k, r.bottom * k);
            let plot = self.draw_panel(&mut s, panel, r);
            first.get_or_insert(plot);
        }
        first.or(Some(Rect::new(0.0, 0.0, 0.0, 0.0)))
    }

    fn draw_panel(&self, s: &mut Surface<'_>, panel: &CurvePanel, r: Rect) -> Rect {
        let left_middle = (HAlign::Left, VAlign::Middle);
        let mid = r.top + s.px(TITLE / 2.0);
        s.rect(
            Rect::new(
                r.left,
                mid - s.px(5.0),
                r.left + s.px(10.0),
                mid + s.px(5.0),
            ),
            panel.color,
        );
        s.text(
            &panel.label,
            (r.left + s.px(14.0), mid),
            LEGEND_FONT,
            TEXT,
            left_middle,
        );
        let note = match panel.inactive {
            Some(share) => format!(
                "{:.0}% {}",
                100.0 * share,
                if panel.activation.is_relu_family() {
                    "off"
                } else {
                    "saturated"
                }
            ),
            None if self.digit.is_none() => "draw a digit".into(),
            None => "waiting".into(),
        };
        let x = r.left + s.px(20.0) + s.text_width(&panel.label, LEGEND_FONT);
        s.text(&note, (x, mid), NOTE_FONT, MUTED, left_middle);

        let plot = Rect::new(
            r.left + s.px(LEFT_AXIS),
            r.top + s.px(TITLE + 6.0),
            r.right - s.px(6.0),
            r.bottom - s.px(BOTTOM_AXIS),
        );
        let (z0, z1) = panel.z_range;
        let (y0, y1) = panel.y_range;
        let xp = |z: f64| plot.left + (z.clamp(z0, z1) - z0) / (z1 - z0) * plot.width();
        let yp = |v: f64| plot.bottom - (v.clamp(y0, y1) - y0) / (y1 - y0) * plot.height();
        let (grid, axis) = (s.stroke(GRID, 1.0), s.stroke(AXIS, 1.0));
        let y_ticks = linear_ticks(y0, y1, ((plot.height() / s.px(28.0)) as usize).max(2), "");
        for (v, label) in &y_ticks {
            s.hline(plot.left, plot.right, yp(*v), &grid);
            let at = (plot.left - s.px(4.0), yp(*v));
            s.text(label, at, TICK_FONT, TEXT, (HAlign::Right, VAlign::Middle));
        }
        let x_ticks = linear_ticks(z0, z1, ((plot.width() / s.px(40.0)) as usize).max(2), "");
        for (v, label) in &x_ticks {
            s.vline(xp(*v), plot.top, plot.bottom, &grid);
            let at = (xp(*v), plot.bottom + s.px(3.0));
            s.text(label, at, TICK_FONT, TEXT, (HAlign::Center, VAlign::Top));
        }
        s.hline(plot.left, plot.right, plot.bottom, &axis);
        s.vline(plot.left, plot.top, plot.bottom, &axis);
        s.vline(xp(0.0), plot.top, plot.bottom, &axis);
        let name_at = (plot.right, r.bottom);
        s.text(
            "z →",
            name_at,
            TICK_FONT,
            MUTED,
            (HAlign::Right, VAlign::Bottom),
        );

        let (a, slope) = (panel.activation, panel.leaky_slope);
        let (mut fs, mut ds) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
        for i in 0..SAMPLES {
            let z = z0 + (z1 - z0) * i as f64 / (SAMPLES - 1) as f64;
            let (f, d) = a.eval(z as f32, slope);
            fs.push((xp(z), yp(f64::from(f))));
            ds.push((xp(z), yp(f64::from(d))));
        }
        s.p.clip(Some(plot.inflate(s.px(DOT + 1.0))));
        s.p.polyline(&fs, &s.stroke(TEXT, 1.5));
        let dashed = s.stroke(MUTED, 1.5).dashed(s.px(4.0), s.px(3.0));
        s.p.polyline(&ds, &dashed);
        // Dots, the output side's layer on top; translucent, so piles show as darker blots.
        let radius = s.px(DOT);
        for (layer, (zs, fs)) in panel.z.iter().zip(&panel.f).enumerate() {
            let c: Color = self.layer_colors[layer.min(self.layer_colors.len() - 1)].alpha(0.55);
            for (&z, &f) in zs.iter().zip(fs) {
                s.p.circle((xp(f64::from(z)), yp(f64::from(f))), radius, Some(c), None);
            }
        }
        s.p.clip(None);
        plot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::svg::SvgPainter;

    fn layer(z: &[f32], a: Activation) -> TraceLayer {
        TraceLayer {
            pre_activations: z.to_vec(),
            outputs: z.iter().map(|&v| a.eval(v, 0.01).0).collect(),
        }
    }

    #[test]
    fn saturated_sigmoid_units_and_off_relu_units_are_counted_and_the_axes_fit_them() {
        let sig = Activation::Sigmoid;
        // σ′(z) < 0.0025 ⇔ |z| > 5.99: two of the four units are saturated.
        let sig_layers = [layer(&[0.0, 8.0], sig), layer(&[-12.0, 1.0], sig)];
        let relu = Activation::Relu;
        let relu_layers = [layer(&[-1.0, 0.0, 2.0, 3.5], relu)];
        let sources = [
            CurveSource {
                label: "Sigmoid".into(),
                color: Color::rgb(0xe6, 0x9f, 0),
                activation: sig,
                leaky_slope: 0.01,
                layers: Some(&sig_layers),
            },
            CurveSource {
                label: "ReLU".into(),
                color: Color::rgb(0, 0x72, 0xb2),
                activation: relu,
                leaky_slope: 0.01,
                layers: Some(&relu_layers),
            },
            CurveSource {
                label: "Tanh".into(),
                color: Color::rgb(0, 0x9e, 0x73),
                activation: Activation::Tanh,
                leaky_slope: 0.01,
                layers: None,
            },
        ];
        let v = CurveView::new(&sources, Some("a 3".into()));
        assert_eq!(v.layers, 2);
        let [s, r, t] = [&v.panels[0], &v.panels[1], &v.panels[2]];
        assert_eq!(s.inactive, Some(0.5));
        // z ≤ 0 is off: −1 and 0 of four.
        assert_eq!(r.inactive, Some(0.5));
        assert_eq!(t.inactive, None);
        // |z| up to 12: ±ceil(12.6) = ±13; ReLU's 3.5 stays within the ±5 minimum.
        assert_eq!(s.z_range, (-13.0, 13.0));
        assert_eq!(r.z_range, (-5.0, 5.0));
        // Sigmoid spans [0, 1] (f′ ≤ 0.25): 6% margins. ReLU's f reaches 5.
        assert!((s.y_range.0 + 0.06).abs() < 1e-6 && (s.y_range.1 - 1.06).abs() < 1e-6);
        assert!((r.y_range.1 - 5.3).abs() < 1e-6, "{:?}", r.y_range);
        assert_eq!(s.units(), 4);
    }

    #[test]
    fn every_unit_is_a_dot_in_its_layers_colour() {
        let sig = Activation::Sigmoid;
        let layers = [layer(&[0.0, 8.0, -3.0], sig), layer(&[-12.0, 1.0], sig)];
        let sources = [CurveSource {
            label: "Sigmoid".into(),
            color: Color::rgb(0xe6, 0x9f, 0),
            activation: sig,
            leaky_slope: 0.01,
            layers: Some(&layers),
        }];
        let v = CurveView::new(&sources, Some("a 3".into()));
        let (_, h) = v.layout(400.0);
        let mut p = SvgPainter::new(400.0, h);
        v.draw(&mut p, 1.0).expect("drawn");
        let svg = p.finish();
        let doc = roxmltree::Document::parse(&svg).expect("valid");
        let dots = |c: Color| {
            doc.descendants()
                .filter(|n| n.has_tag_name("circle"))
                .filter(|n| n.attribute("fill") == Some(c.hex().as_str()))
                .count()
        };
        // Three and two units, plus one legend dot each.
        assert_eq!(dots(layer_color(0)), 3 + 1);
        assert_eq!(dots(layer_color(1)), 2 + 1);
        // 8 and −12 of five units are saturated (σ′(−3) = 0.045 is not).
        assert!(svg.contains("40% saturated"), "{svg}");
    }
}
