//! Sparsity vs death per hidden layer, latest probe, two bars per lane: pale, the sparsity —
//! the share of a layer's outputs that are exactly 0 on an image, averaged over the probe
//! images (Glorot, Bordes & Bengio 2011: about half for ReLU at initialisation); solid, the
//! dead units — 0 on *every* probe image. A sparse layer is healthy (each image uses its own
//! half of the units); a dead unit never learns again.

use super::frame::{Frame, hidden_layer_axis, percent_axis};
use super::lanes::LaneSeries;
use super::legend::{Legend, Swatch};
use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::surface::Surface;
use super::theme::{MUTED, NOTE_FONT, WAITING};

/// One lane's latest probe, as fractions per hidden layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneSparsity {
    pub color: Color,
    /// `None` before the lane's first probe: (sparsity, dead fraction).
    pub latest: Option<(Vec<f32>, Vec<f32>)>,
}

/// What the sparsity chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct SparsityChart {
    pub lanes: Vec<LaneSparsity>,
    pub layers: usize,
    pub legend: Legend,
}

/// A fraction as a percentage in 0…100, `None` when missing or not finite.
fn percent(v: Option<&f32>) -> Option<f64> {
    v.map(|&v| f64::from(v) * 100.0)
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 100.0))
}

impl SparsityChart {
    pub fn new(lanes: &[LaneSeries<'_>]) -> SparsityChart {
        let found: Vec<LaneSparsity> = lanes
            .iter()
            .map(|l| LaneSparsity {
                color: Color::from_rgb(l.color),
                latest: l
                    .intervals
                    .iter()
                    .rev()
                    .map(|r| (&r.sparsity, &r.dead_fraction))
                    .chain(
                        l.epochs
                            .iter()
                            .rev()
                            .map(|e| (&e.sparsity, &e.dead_fraction)),
                    )
                    .find(|(s, _)| !s.is_empty())
                    .map(|(s, d)| (s.clone(), d.clone())),
            })
            .collect();
        let layers = found
            .iter()
            .filter_map(|l| l.latest.as_ref())
            .map(|(s, d)| s.len().max(d.len()))
            .max()
            .unwrap_or(0);
        let mut legend = Legend::default();
        for l in lanes {
            let note = l.waiting_note().unwrap_or_default();
            legend.entry(Swatch::Bars(Color::from_rgb(l.color)), &l.label, note);
        }
        if !lanes.is_empty() {
            legend.notes.push(
                "Left, pale: sparsity, the share of a layer's outputs that are exactly 0 on an \
                 image (mean over 500 probe images) · right, solid: dead units, 0 on every \
                 probe image."
                    .into(),
            );
            let mut smooth: Vec<&str> = Vec::new();
            for a in lanes.iter().filter_map(LaneSeries::activation) {
                if !a.is_relu_family() && !smooth.contains(&a.label()) {
                    smooth.push(a.label());
                }
            }
            if !smooth.is_empty() {
                legend.notes.push(format!(
                    "{}: outputs are never exactly 0 (no sparsity); dead there means saturated on every image.",
                    smooth.join(", ")
                ));
            }
        }
        SparsityChart {
            lanes: found,
            layers,
            legend,
        }
    }

    /// Draws the chart; returns the plot rectangle (`None` when the painter is too small).
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let layers = self.layers;
        let y_axis = |h: f64| percent_axis(h, "↑ share of a layer's outputs or units");
        let x_axis = |_w: f64| hidden_layer_axis(layers);
        let size = (s.width, s.height);
        let frame = Frame::layout(s.measure(), size, s.dpr, &self.legend, &y_axis, &x_axis);
        frame.draw(&mut s, &self.legend);

        let n = self.lanes.len().max(1) as f64;
        let group = 0.8;
        let slot = group / n;
        let base = frame.y_px(0.0);
        let text_h = s.px(NOTE_FONT + 2.0);
        for layer in 0..layers {
            let center = (layer + 1) as f64;
            for (j, lane) in self.lanes.iter().enumerate() {
                let Some((sparse, dead)) = &lane.latest else {
                    continue;
                };
                let x0 = center - group / 2.0 + slot * j as f64 + slot * 0.06;
                let half = slot * 0.44;
                for (k, (v, color)) in [
                    (percent(sparse.get(layer)), lane.color.tint(0.35)),
                    (percent(dead.get(layer)), lane.color),
                ]
                .into_iter()
                .enumerate()
                {
                    let Some(v) = v else { continue };
                    let px0 = frame.x_px(x0 + half * k as f64);
                    let px1 = frame.x_px(x0 + half * (k as f64 + 0.92)).max(px0 + 1.0);
                    // At least a pixel, so a zero still shows the lane has reported.
                    let top = frame.y_px(v).min(base - 1.0);
                    s.rect(Rect::new(px0, top, px1, base), color);
                    let t = format!("{v:.0}");
                    // Only where it stays clear of the next bar's label (four lanes on a phone
                    // leave bars a few pixels wide: "0 0 0 0" would run together).
                    let pitch = frame.x_px(x0 + half * (k as f64 + 1.0)) - px0;
                    if s.text_width(&t, NOTE_FONT) + s.px(1.0) <= pitch {
                        let y = (top - s.px(2.0)).max(frame.plot.top + text_h);
                        let ink = if k == 0 { MUTED } else { lane.color.shade(0.7) };
                        s.text(
                            &t,
                            ((px0 + px1) / 2.0, y),
                            NOTE_FONT,
                            ink,
                            (HAlign::Center, VAlign::Bottom),
                        );
                    }
                }
            }
        }
        if layers == 0 {
            frame.draw_hint(&mut s, WAITING);
        }
        Some(frame.plot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::charts::fixtures::{epoch, interval, series};

    #[test]
    fn sparsity_beside_death_from_the_latest_probe_and_what_they_mean() {
        let mut relu = interval(0, Activation::Relu, 0.5);
        relu.sparsity = vec![0.52, 0.61];
        relu.dead_fraction = vec![0.0, 0.03125];
        let relu = [relu];
        let mut end = epoch(1, Activation::Sigmoid, 1);
        end.sparsity = vec![0.0, 0.0];
        end.dead_fraction = vec![0.0, 0.0];
        let sigmoid = [end];
        let lanes = [
            series("ReLU", 0, &relu, &[]),
            series("Sigmoid", 1, &[], &sigmoid),
            series("Tanh", 2, &[], &[]),
        ];
        let chart = SparsityChart::new(&lanes);
        assert_eq!(chart.layers, 2);
        assert_eq!(
            chart.lanes[0].latest,
            Some((vec![0.52, 0.61], vec![0.0, 0.03125]))
        );
        assert_eq!(
            chart.lanes[1].latest,
            Some((vec![0.0, 0.0], vec![0.0, 0.0]))
        );
        assert_eq!(chart.lanes[2].latest, None);
        assert!(chart.legend.notes[0].contains("exactly 0 on an image"));
        assert!(chart.legend.notes[0].contains("dead units, 0 on every probe image"));
        assert_eq!(
            chart.legend.notes[1],
            "Sigmoid: outputs are never exactly 0 (no sparsity); dead there means saturated on every image."
        );
        assert_eq!(percent(Some(&0.03125)), Some(3.125));
    }
}
