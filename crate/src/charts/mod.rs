//! The race's four charts — training loss, validation accuracy, gradient flow, dead and
//! saturated units — as plain Rust on every target: each chart is a model built from the lanes'
//! reports (what is plotted, ranges, legend entries, notes) and its drawing onto a [`Painter`].
//! The page paints on canvas (`web::canvas`), the CLI writes SVG ([`svg`], [`export`]), from
//! the very same code.
//!
//! One look for all: white background, light grey grid, #333 system-ui text, no title (the
//! page's HTML has it), a legend band on top that wraps to the chart's width, and axis names
//! written horizontally ("↑ loss" above the y axis, "epochs →" under the x axis).
//!
//! Sizes: painters work in device pixels. The caller passes the device pixel ratio; fonts and
//! line widths are CSS sizes times that ratio ([`clamp_dpr`]), and canvases are sized with the
//! same rule ([`canvas_pixels`]), so text keeps its CSS size at every zoom.
//!
//! Choices: x is progress in epochs (what learners count in; the axis name says how many images
//! an epoch is), growing a whole epoch at a time. Per-report lines are drawn thin and pale under
//! a lightly smoothed line (centred, ±5 CSS px) so report noise doesn't hide the trend.
//! Accuracy uses an axis stretched toward 100% (−log10 of the error rate, labelled in %): the
//! race is decided in the last few percent.
//!
//! Robustness: a lane without reports is listed in the legend as "waiting"; a chart with no data
//! at all draws its axes and a centred "waiting for the first report". Non-finite values (a
//! diverged lane) are skipped and break the line; a diverged lane's blow-up is cut at half a
//! decade (loss) or a decade (gradients) above the healthy lanes, so it can't flatten them. Log
//! axes put zero and below on the bottom edge. Long runs are thinned to at most two points per
//! CSS pixel column before drawing.

pub mod accuracy;
pub mod bands;
pub mod distributions;
pub mod frame;
pub mod gradients;
pub mod inset;
pub mod lanes;
pub mod legend;
pub mod loss;
pub mod painter;
pub mod series;
pub mod signal;
pub mod sparsity;
pub mod surface;
pub mod svg;
pub mod theme;
pub mod ticks;
pub mod units;

// The views inside the networks (receptive fields, the digit on the curves, mistakes): not in
// `Chart::ALL`, as each is built from more than the lanes' reports.
pub mod confusion;
pub mod curve;
pub mod fields;
pub mod palette;

#[cfg(not(target_arch = "wasm32"))]
pub mod export;

#[cfg(test)]
pub(crate) mod fixtures;

pub use lanes::{LaneSeries, lane_label};
pub use painter::{Anchor, Color, Font, HAlign, Painter, Rect, Stroke, TextMeasure, VAlign};
pub use surface::{canvas_pixels, clamp_dpr};
pub use svg::SvgPainter;
pub use theme::LANE_COLORS;

/// The charts the page shows, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Loss,
    Accuracy,
    Gradients,
    Units,
    /// Inside the networks: activation distributions per layer over time.
    Distributions,
    /// Inside the networks: the backward signal per layer.
    Signal,
    /// Inside the networks: sparsity beside dead units.
    Sparsity,
}

impl Chart {
    pub const ALL: [Chart; 7] = [
        Chart::Loss,
        Chart::Accuracy,
        Chart::Gradients,
        Chart::Units,
        Chart::Distributions,
        Chart::Signal,
        Chart::Sparsity,
    ];

    /// A short name, used for file names ("loss" → loss.svg).
    pub fn name(self) -> &'static str {
        match self {
            Chart::Loss => "loss",
            Chart::Accuracy => "accuracy",
            Chart::Gradients => "gradients",
            Chart::Units => "units",
            Chart::Distributions => "distributions",
            Chart::Signal => "signal",
            Chart::Sparsity => "sparsity",
        }
    }

    /// The size of the chart's figure written by `race --plots`, in CSS pixels: the
    /// distributions' small multiples need more height.
    pub fn figure_size(self) -> (f64, f64) {
        match self {
            Chart::Distributions => (720.0, 540.0),
            _ => (720.0, 360.0),
        }
    }

    /// Draws the chart of `lanes` at device pixel ratio `dpr`; `target` (a fraction) is the
    /// accuracy chart's finish line. Returns the plot rectangle, or `None` when the painter is
    /// too small for a chart (it is then only cleared).
    pub fn draw(
        self,
        p: &mut dyn Painter,
        lanes: &[LaneSeries<'_>],
        target: f32,
        dpr: f64,
    ) -> Option<Rect> {
        match self {
            Chart::Loss => loss::LossChart::new(lanes).draw(p, dpr),
            Chart::Accuracy => accuracy::AccuracyChart::new(lanes, target).draw(p, dpr),
            Chart::Gradients => gradients::GradientsChart::new(lanes).draw(p, dpr),
            Chart::Units => units::UnitsChart::new(lanes).draw(p, dpr),
            Chart::Distributions => distributions::DistributionsChart::new(lanes).draw(p, dpr),
            Chart::Signal => signal::SignalChart::new(lanes).draw(p, dpr),
            Chart::Sparsity => sparsity::SparsityChart::new(lanes).draw(p, dpr),
        }
    }

    /// The chart as an SVG document of `css_w` × `css_h` CSS pixels at ratio `dpr`.
    pub fn svg(
        self,
        lanes: &[LaneSeries<'_>],
        target: f32,
        (css_w, css_h): (f64, f64),
        dpr: f64,
    ) -> String {
        let (w, h) = canvas_pixels(css_w, css_h, dpr);
        let mut p = SvgPainter::new(f64::from(w), f64::from(h)).display_size(css_w, css_h);
        self.draw(&mut p, lanes, target, dpr);
        p.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::{lanes, race};

    /// Records what is drawn: text sizes and where shapes go.
    #[derive(Default)]
    struct Recorder {
        size: (f64, f64),
        fonts: Vec<(String, f64)>,
        shapes: usize,
        out_of_bounds: Vec<String>,
    }

    impl Recorder {
        fn check(&mut self, what: &str, pts: &[(f64, f64)]) {
            self.shapes += 1;
            let inside = |&(x, y): &(f64, f64)| {
                x.is_finite()
                    && y.is_finite()
                    && x >= -1.0
                    && y >= -1.0
                    && x <= self.size.0 + 1.0
                    && y <= self.size.1 + 1.0
            };
            if !pts.iter().all(inside) {
                self.out_of_bounds.push(format!("{what} {pts:?}"));
            }
        }
    }

    impl TextMeasure for Recorder {
        fn text_width(&self, text: &str, font: &Font) -> f64 {
            svg::estimate_text_width(text, font)
        }
    }

    impl Painter for Recorder {
        fn size(&self) -> (f64, f64) {
            self.size
        }
        fn fill(&mut self, _: Color) {
            self.fonts.clear();
            self.shapes = 0;
        }
        fn polyline(&mut self, pts: &[(f64, f64)], _: &Stroke) {
            self.check("polyline", pts);
        }
        fn polygon(&mut self, pts: &[(f64, f64)], _: Color) {
            self.check("polygon", pts);
        }
        fn rect(&mut self, r: Rect, _: Color) {
            self.check("rect", &[(r.left, r.top), (r.right, r.bottom)]);
        }
        fn circle(&mut self, c: (f64, f64), _: f64, _: Option<Color>, _: Option<&Stroke>) {
            self.check("circle", &[c]);
        }
        fn text(&mut self, text: &str, at: (f64, f64), font: &Font, _: Anchor, _: Color) {
            self.check(text, &[at]);
            self.fonts.push((text.to_string(), font.size));
        }
        fn cells(&mut self, r: Rect, _: usize, _: usize, _: &[Color]) {
            self.check("cells", &[(r.left, r.top), (r.right, r.bottom)]);
        }
        fn clip(&mut self, _: Option<Rect>) {}
    }

    #[test]
    fn text_keeps_its_css_size_relative_to_the_canvas_at_every_ratio() {
        let data = race(3, 20);
        let lanes = lanes(&data);
        let css = (600.0, 300.0);
        for chart in Chart::ALL {
            let mut at_one: Option<(Vec<(String, f64)>, Rect)> = None;
            for dpr in [1.0, 0.5, 2.0, 3.0] {
                let (w, h) = canvas_pixels(css.0, css.1, dpr);
                let mut p = Recorder {
                    size: (f64::from(w), f64::from(h)),
                    ..Recorder::default()
                };
                let plot = chart
                    .draw(&mut p, &lanes, 0.97, dpr)
                    .expect("room for a chart");
                assert!(
                    p.out_of_bounds.is_empty(),
                    "{chart:?} at {dpr}: {:?}",
                    p.out_of_bounds
                );
                // Font size relative to the canvas width, in CSS pixels of a 600 px chart.
                let relative: Vec<(String, f64)> = p
                    .fonts
                    .iter()
                    .map(|(t, size)| (t.clone(), size / f64::from(w) * css.0))
                    .collect();
                let scale = |r: Rect| {
                    let k = css.0 / f64::from(w);
                    Rect::new(r.left * k, r.top * k, r.right * k, r.bottom * k)
                };
                match &at_one {
                    None => {
                        // At ratio 1 fonts are the theme's CSS sizes.
                        for (t, size) in &relative {
                            let theme = [10.5, 11.0, 11.5, 13.0];
                            assert!(theme.iter().any(|s| (s - size).abs() < 1e-9), "{t}: {size}");
                        }
                        at_one = Some((relative, scale(plot)));
                    }
                    Some((one, plot_one)) => {
                        assert_eq!(one.len(), relative.len(), "{chart:?} at {dpr}: other texts");
                        for ((t1, s1), (t, s)) in one.iter().zip(&relative) {
                            assert_eq!(t1, t, "{chart:?} at {dpr}");
                            assert!(
                                (s - s1).abs() < 1e-9,
                                "{chart:?} at {dpr}: {t} is {s} CSS px, not {s1}"
                            );
                        }
                        // And the layout is the same in CSS pixels.
                        let p = scale(plot);
                        for (a, b) in [
                            (p.left, plot_one.left),
                            (p.top, plot_one.top),
                            (p.right, plot_one.right),
                            (p.bottom, plot_one.bottom),
                        ] {
                            assert!(
                                (a - b).abs() < 1e-6,
                                "{chart:?} at {dpr}: plot {p:?} vs {plot_one:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn charts_too_small_are_only_cleared_and_every_chart_draws_at_every_size() {
        let data = race(2, 20);
        let lanes = lanes(&data);
        for chart in Chart::ALL {
            for (w, h) in [(0.0, 0.0), (1.0, 1.0), (119.0, 300.0), (300.0, 89.0)] {
                let mut p = Recorder {
                    size: (w, h),
                    ..Recorder::default()
                };
                assert_eq!(
                    chart.draw(&mut p, &lanes, 0.97, 1.0),
                    None,
                    "{chart:?} {w}×{h}"
                );
                assert_eq!(p.shapes, 0);
            }
            // The smallest chart may not fit all of its legend: the painter clips what is outside.
            for (w, h, dpr, fits) in [
                (120.0, 90.0, 1.0, false),
                (1840.0, 1000.0, 2.0, true),
                (400.0, 2000.0, 1.0, true),
                (3000.0, 150.0, 1.0, true),
            ] {
                let mut p = Recorder {
                    size: (w, h),
                    ..Recorder::default()
                };
                let plot = chart.draw(&mut p, &lanes, 0.97, dpr).expect("room");
                assert!(
                    plot.width() >= 1.0 && plot.height() >= 1.0,
                    "{chart:?} {w}×{h}: {plot:?}"
                );
                assert!(p.shapes > 10, "{chart:?} {w}×{h}");
                if fits {
                    assert!(
                        p.out_of_bounds.is_empty(),
                        "{chart:?} {w}×{h}: {:?}",
                        p.out_of_bounds
                    );
                }
            }
        }
    }

    #[test]
    fn long_races_are_thinned_to_two_points_per_css_pixel_column() {
        let data = crate::charts::fixtures::largest_race();
        let lanes = lanes(&data);
        let svg = Chart::Loss.svg(&lanes, 0.97, (460.0, 250.0), 2.0);
        let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
        let longest = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .map(|n| n.attribute("points").unwrap_or("").split(' ').count())
            .max()
            .unwrap_or(0);
        // 2,000 reports per healthy lane on a plot narrower than 460 CSS px.
        assert!((100..=2 * 460 + 2).contains(&longest), "{longest} points");
        assert!(svg.len() < 400_000, "{} bytes", svg.len());
    }

    #[test]
    fn svg_figures_keep_their_css_size_at_any_ratio() {
        let svg = Chart::Units.svg(&[], 0.95, (720.0, 360.0), 2.0);
        let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
        let root = doc.root_element();
        let attrs = ["width", "height", "viewBox"].map(|a| root.attribute(a).unwrap());
        assert_eq!(attrs, ["720", "360", "0 0 1440 720"]);
    }

    #[test]
    fn chart_names() {
        let names: Vec<&str> = Chart::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "loss",
                "accuracy",
                "gradients",
                "units",
                "distributions",
                "signal",
                "sparsity"
            ]
        );
    }
}
