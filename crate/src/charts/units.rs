//! Dead and inactive units per hidden layer, latest report, as grouped bars: pale for the share
//! of (unit, probe image) pairs that pass almost no gradient, solid for units inactive on every
//! probe image (dead).

use super::frame::{Frame, hidden_layer_axis, percent_axis};
use super::lanes::LaneSeries;
use super::legend::{Legend, Swatch};
use super::painter::{Color, HAlign, Painter, Rect, VAlign};
use super::surface::Surface;
use super::theme::{MUTED, NOTE_FONT, WAITING};

/// One lane's latest probe, in % per hidden layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneUnits {
    pub color: Color,
    /// `None` before the lane's first probe.
    pub latest: Option<(Vec<f32>, Vec<f32>)>,
}

/// What the units chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitsChart {
    pub lanes: Vec<LaneUnits>,
    /// Hidden layers (the longest probe).
    pub layers: usize,
    pub legend: Legend,
}

/// A fraction as a percentage in 0…100, `None` when missing or not finite.
fn percent(v: Option<&f32>) -> Option<f64> {
    v.map(|&v| f64::from(v) * 100.0)
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 100.0))
}

impl UnitsChart {
    pub fn new(lanes: &[LaneSeries<'_>]) -> UnitsChart {
        let units: Vec<LaneUnits> = lanes
            .iter()
            .map(|l| LaneUnits {
                color: Color::from_rgb(l.color),
                latest: l
                    .intervals
                    .iter()
                    .rev()
                    .map(|r| (&r.dead_fraction, &r.saturated_fraction))
                    .chain(
                        l.epochs
                            .iter()
                            .rev()
                            .map(|e| (&e.dead_fraction, &e.saturated_fraction)),
                    )
                    .find(|(d, s)| !d.is_empty() || !s.is_empty())
                    .map(|(d, s)| (d.clone(), s.clone())),
            })
            .collect();
        let layers = units
            .iter()
            .filter_map(|u| u.latest.as_ref())
            .map(|(d, s)| d.len().max(s.len()))
            .max()
            .unwrap_or(0);

        let mut legend = Legend::default();
        for l in lanes {
            let note = l.waiting_note().unwrap_or_default();
            legend.entry(Swatch::Bars(Color::from_rgb(l.color)), &l.label, note);
        }
        // What "inactive" means depends on the activation: say it for those in the race.
        let mut relu_family: Vec<&str> = Vec::new();
        let mut saturating: Vec<&str> = Vec::new();
        for a in lanes.iter().filter_map(LaneSeries::activation) {
            let list = if a.is_relu_family() {
                &mut relu_family
            } else {
                &mut saturating
            };
            if !list.contains(&a.label()) {
                list.push(a.label());
            }
        }
        if !lanes.is_empty() {
            legend.notes.push(
                "solid: dead, inactive on every probe image · pale: inactive on a given image"
                    .into(),
            );
            let mut meaning = Vec::new();
            if !relu_family.is_empty() {
                meaning.push(format!(
                    "{}: inactive = off (z ≤ 0)",
                    relu_family.join(", ")
                ));
            }
            if !saturating.is_empty() {
                meaning.push(format!(
                    "{}: inactive = saturated, f′ < 1% of its max",
                    saturating.join(", ")
                ));
            }
            if !meaning.is_empty() {
                legend.notes.push(meaning.join(" · "));
            }
        }
        UnitsChart {
            lanes: units,
            layers,
            legend,
        }
    }

    /// Draws the chart; returns the plot rectangle (`None` when the painter is too small).
    pub fn draw(&self, p: &mut dyn Painter, dpr: f64) -> Option<Rect> {
        let mut s = Surface::open(p, dpr)?;
        let layers = self.layers;
        let y_axis = |h: f64| percent_axis(h, "↑ share inactive");
        let x_axis = |_w: f64| hidden_layer_axis(layers);
        let size = (s.width, s.height);
        let frame = Frame::layout(s.measure(), size, s.dpr, &self.legend, &y_axis, &x_axis);
        frame.draw(&mut s, &self.legend);

        let n = self.lanes.len().max(1) as f64;
        let group = 0.78;
        let slot = group / n;
        let text_h = s.px(NOTE_FONT + 2.0);
        let base = frame.y_px(0.0);
        let edge = s.line_width(1.5);
        let bottom_centre = (HAlign::Center, VAlign::Bottom);
        for layer in 0..layers {
            let center = (layer + 1) as f64;
            for (j, lane) in self.lanes.iter().enumerate() {
                let Some((dead, sat)) = &lane.latest else {
                    continue;
                };
                let c = lane.color;
                let x0 = center - group / 2.0 + slot * j as f64 + slot * 0.08;
                let px0 = frame.x_px(x0);
                let px1 = frame.x_px(x0 + slot * 0.84).max(px0 + 1.0);
                let dead = percent(dead.get(layer));
                let sat = percent(sat.get(layer));
                // At least a pixel, so a zero still shows the lane has reported.
                let top_of = |v: f64| frame.y_px(v).min(base - 1.0);
                if let Some(v) = sat {
                    let top = top_of(v);
                    s.rect(Rect::new(px0, top, px1, base), c.tint(0.3));
                    s.rect(Rect::new(px0, top, px1, top + edge), c.tint(0.7));
                }
                if let Some(v) = dead
                    && v > 0.0
                {
                    s.rect(Rect::new(px0, top_of(v), px1, base), c);
                }
                // Values: saturated above its bar, dead above the solid bar when there is room.
                let label_fits = |s: &Surface<'_>, t: &str| {
                    s.text_width(t, NOTE_FONT) <= (px1 - px0) + s.px(6.0)
                };
                let cx = (px0 + px1) / 2.0;
                if let Some(v) = sat {
                    let t = format!("{v:.0}");
                    if label_fits(&s, &t) {
                        let y = (frame.y_px(v) - s.px(2.0)).max(frame.plot.top + text_h);
                        s.text(&t, (cx, y), NOTE_FONT, MUTED, bottom_centre);
                    }
                }
                if let (Some(d), Some(v)) = (dead, sat) {
                    let t = format!("{d:.0}");
                    let room = frame.y_px(d) - frame.y_px(v);
                    if d >= 0.5 && room > text_h * 2.0 && label_fits(&s, &t) {
                        let at = (cx, frame.y_px(d) - s.px(2.0));
                        s.text(&t, at, NOTE_FONT, c.shade(0.7), bottom_centre);
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
    fn the_latest_probe_per_lane_and_what_inactive_means() {
        let mut early = interval(0, Activation::Relu, 0.5);
        early.dead_fraction = vec![0.1, 0.2];
        early.saturated_fraction = vec![0.5, 0.6];
        // A later report without a probe doesn't hide the last probe.
        let later = interval(0, Activation::Relu, 1.0);
        let relu = [early, later];
        let mut end = epoch(1, Activation::Sigmoid, 1);
        end.dead_fraction = vec![0.0, 0.0, 0.01];
        end.saturated_fraction = vec![0.03, 0.08, 0.15];
        let sigmoid_epochs = [end];
        let lanes = [
            series("ReLU", 1, &relu, &[]),
            series("Sigmoid", 0, &[], &sigmoid_epochs),
            series("Tanh", 2, &[], &[]),
        ];
        let chart = UnitsChart::new(&lanes);
        assert_eq!(chart.layers, 3);
        assert_eq!(
            chart.lanes[0].latest,
            Some((vec![0.1, 0.2], vec![0.5, 0.6]))
        );
        assert_eq!(chart.lanes[1].latest.as_ref().map(|l| l.0.len()), Some(3));
        assert_eq!(chart.lanes[2].latest, None);
        let notes: Vec<&str> = chart
            .legend
            .entries
            .iter()
            .map(|e| e.note.as_str())
            .collect();
        assert_eq!(notes, ["", "", "· waiting"]);
        assert_eq!(
            chart.legend.notes[1],
            "ReLU: inactive = off (z ≤ 0) · Sigmoid: inactive = saturated, f′ < 1% of its max"
        );
        assert_eq!(percent(Some(&1.5)), Some(100.0));
        assert_eq!(percent(Some(&f32::NAN)), None);
        assert_eq!(percent(None), None);
    }

    #[test]
    fn no_lanes_no_notes() {
        let chart = UnitsChart::new(&[]);
        assert_eq!((chart.layers, chart.legend.notes.len()), (0, 0));
    }
}
