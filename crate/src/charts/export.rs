//! The page's charts as SVG files (the CLI's `race --plots DIR`).

use super::{Chart, LaneSeries, SvgPainter};
use std::io;
use std::path::{Path, PathBuf};

/// Writes every chart of `lanes` (loss.svg, accuracy.svg, gradients.svg, units.svg,
/// distributions.svg, signal.svg, sparsity.svg) into `dir`,
/// creating it if needed, each [`Chart::figure_size`] CSS pixels (drawn at ratio 1: one SVG
/// unit per CSS pixel); `target` (a fraction) is the accuracy chart's finish line. Returns
/// the files written.
pub fn write_svgs(dir: &Path, lanes: &[LaneSeries<'_>], target: f32) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    Chart::ALL
        .iter()
        .map(|chart| {
            let path = dir.join(format!("{}.svg", chart.name()));
            std::fs::write(&path, chart.svg(lanes, target, chart.figure_size(), 1.0))?;
            Ok(path)
        })
        .collect()
}

/// The views inside the networks of a finished race, from its lanes and test set, written into
/// `dir`: fields.svg (the first 16 first-layer units of each lane; the first lane's first unit
/// shown large, on test image `digit`), curve.svg (every hidden unit on test image `digit`)
/// and confusion.svg (lanes 0 and 1 at the last epoch; left out with a single lane). Returns the
/// files written.
pub fn write_inside_svgs(
    dir: &Path,
    config: &crate::race::RaceConfig,
    lanes: &mut [crate::race::Lane],
    epochs: &[&[crate::report::EpochReport]],
    data: &crate::mnist::Mnist,
    digit: usize,
) -> io::Result<Vec<PathBuf>> {
    use super::confusion::{ConfusionSource, ConfusionView};
    use super::curve::{CurveSource, CurveView};
    use super::fields::{FieldsSource, FieldsView};
    use super::painter::Color;
    use super::theme::LANE_COLORS;
    std::fs::create_dir_all(dir)?;
    let bad = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
    let color = |i: usize| Color::from_rgb(LANE_COLORS[i % LANE_COLORS.len()]);
    let digit = digit % data.test.len().max(1);
    let image = data.test.image(digit);
    let mut traces = Vec::with_capacity(lanes.len());
    let mut fields = Vec::with_capacity(lanes.len());
    for lane in lanes.iter_mut() {
        traces.push(lane.trace(image).map_err(bad)?);
        let width = config.hidden.first().copied().unwrap_or(0).min(16);
        let units: Vec<usize> = (0..width).collect();
        fields.push(lane.receptive_fields(&units).map_err(bad)?);
    }
    let epochs_done = |i: usize| epochs.get(i).map_or(0, |e| e.len()) as f64;
    let label = |i: usize| config.lane_label(i);
    let fields_view = FieldsView::new(
        &fields
            .iter()
            .enumerate()
            .map(|(i, f)| FieldsSource {
                label: label(i),
                color: color(i),
                activation: lanes[i].activation(),
                fields: Some((f, epochs_done(i))),
                first_layer: traces[i].layers.first(),
            })
            .collect::<Vec<_>>(),
        Some((0, 0)),
    );
    let caption = format!(
        "MNIST test image #{digit}, labelled {}",
        data.test.label(digit)
    );
    let curve_view = CurveView::new(
        &traces
            .iter()
            .enumerate()
            .map(|(i, t)| CurveSource {
                label: label(i),
                color: color(i),
                activation: lanes[i].activation(),
                leaky_slope: config.leaky_slope,
                layers: Some(&t.layers),
            })
            .collect::<Vec<_>>(),
        Some(caption),
    );
    let confusion_view = ConfusionView::new(
        &epochs
            .iter()
            .enumerate()
            .map(|(i, e)| ConfusionSource {
                label: label(i),
                color: color(i),
                epochs: e,
            })
            .collect::<Vec<_>>(),
        (0, 1),
    );
    let width = Chart::Loss.figure_size().0;
    let svg = |h: f64, draw: &dyn Fn(&mut SvgPainter)| {
        let mut p = SvgPainter::new(width, h);
        draw(&mut p);
        p.finish()
    };
    let mut out = Vec::new();
    let mut write = |name: &str, text: String| -> io::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        out.push(path);
        Ok(())
    };
    write(
        "fields.svg",
        svg(fields_view.layout(width).height, &|p| {
            fields_view.draw(p, 1.0);
        }),
    )?;
    write(
        "curve.svg",
        svg(curve_view.layout(width).1, &|p| {
            curve_view.draw(p, 1.0);
        }),
    )?;
    if let Some(c) = &confusion_view {
        write(
            "confusion.svg",
            svg(ConfusionView::layout(width).1, &|p| {
                c.draw(p, 1.0);
            }),
        )?;
    }
    Ok(out)
}

/// The charts that show bands over seeds (loss.svg, accuracy.svg) of `lanes` into `dir`, for
/// `race --seeds … --plots DIR`. Returns the files written.
pub fn write_band_svgs(
    dir: &Path,
    lanes: &[LaneSeries<'_>],
    target: f32,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    [Chart::Loss, Chart::Accuracy]
        .iter()
        .map(|chart| {
            let path = dir.join(format!("{}.svg", chart.name()));
            std::fs::write(&path, chart.svg(lanes, target, chart.figure_size(), 1.0))?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::{lanes, race};
    use crate::charts::painter::Color;

    fn temp_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ar-{name}-{}", std::process::id()))
    }

    /// Points of a `points` attribute.
    fn point_count(node: &roxmltree::Node<'_, '_>) -> usize {
        node.attribute("points").map_or(0, |p| p.split(' ').count())
    }

    #[test]
    fn a_synthetic_race_becomes_svg_figures_with_its_lanes_axes_and_data() {
        let data = race(6, 20);
        let lanes = lanes(&data);
        let dir = temp_dir("plots").join("nested");
        let files = write_svgs(&dir, &lanes, 0.97).expect("written");
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "loss.svg",
                "accuracy.svg",
                "gradients.svg",
                "units.svg",
                "distributions.svg",
                "signal.svg",
                "sparsity.svg"
            ]
        );
        // The first four here, the views inside the networks below.
        for (file, axis) in files.iter().zip([
            "training loss",
            "validation accuracy",
            "gradient norm",
            "share inactive",
        ]) {
            let text = std::fs::read_to_string(file).expect("readable");
            let doc = roxmltree::Document::parse(&text).expect("valid XML");
            let root = doc.root_element();
            assert_eq!(
                (root.attribute("width"), root.attribute("height")),
                (Some("720"), Some("360"))
            );
            // Each line of text, with its runs (<tspan>s) joined.
            let texts: Vec<String> = doc
                .descendants()
                .filter(|n| n.has_tag_name("text"))
                .map(|n| {
                    n.descendants()
                        .filter_map(|d| d.is_text().then(|| d.text()).flatten())
                        .collect()
                })
                .collect();
            let entry = |lane: &str| {
                texts
                    .iter()
                    .any(|t| t == lane || t.starts_with(&format!("{lane} ")))
            };
            for lane in ["Sigmoid", "ReLU", "ReLU (lr 2)", "Tanh"] {
                assert!(entry(lane), "{file:?}: no legend entry {lane}");
            }
            assert!(
                texts.iter().any(|t| t.contains(axis)),
                "{file:?}: no axis {axis}"
            );
            // Each reporting lane's colour is drawn: lines for three charts, bars for units.
            // Sigmoid and ReLU report 6 × 20 times; the third lane diverges after 0.6 epochs.
            for ((r, g, b), reports) in [
                (lanes[0].color, 120),
                (lanes[1].color, 120),
                (lanes[2].color, 12),
            ] {
                let hex = Color::rgb(r, g, b).hex();
                let shapes: Vec<_> = doc
                    .descendants()
                    .filter(|n| {
                        n.attribute("stroke") == Some(&hex) || n.attribute("fill") == Some(&hex)
                    })
                    .collect();
                if file.ends_with("units.svg") {
                    // A pale bar per hidden layer (3), besides the legend's.
                    let pale = Color::rgb(r, g, b).tint(0.3).hex();
                    let bars = doc
                        .descendants()
                        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(&pale))
                        .count();
                    assert_eq!(bars, 1 + 3, "{file:?} {hex}");
                    assert!(!shapes.is_empty(), "{file:?} {hex}");
                } else {
                    let most = shapes.iter().map(point_count).max().unwrap_or(0);
                    let want = if file.ends_with("gradients.svg") {
                        4
                    } else {
                        reports
                    };
                    assert!(
                        most >= want,
                        "{file:?}: lane {hex} has a line of only {most} points"
                    );
                }
            }
        }
        std::fs::remove_dir_all(temp_dir("plots")).expect("cleaned up");
    }

    #[test]
    fn the_views_inside_the_networks_are_written_with_their_lanes_axes_and_data() {
        let data = race(2, 20);
        let lanes = lanes(&data);
        let dir = temp_dir("inside-plots");
        write_svgs(&dir, &lanes, 0.97).expect("written");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("readable");
        let texts = |doc: &roxmltree::Document<'_>| -> Vec<String> {
            doc.descendants()
                .filter(|n| n.has_tag_name("text"))
                .map(|n| {
                    n.descendants()
                        .filter_map(|d| d.is_text().then(|| d.text()).flatten())
                        .collect()
                })
                .collect()
        };
        let with = |doc: &roxmltree::Document<'_>, tag: &str, attr: &str, hex: &str| {
            doc.descendants()
                .filter(|n| n.has_tag_name(tag) && n.attribute(attr) == Some(hex))
                .map(|n| point_count(&n).max(1))
                .collect::<Vec<usize>>()
        };
        let reporting: Vec<((u8, u8, u8), usize)> = lanes[..3]
            .iter()
            .map(|l| (l.color, l.intervals.len()))
            .collect();

        let text = read("distributions.svg");
        let doc = roxmltree::Document::parse(&text).expect("valid XML");
        let t = texts(&doc);
        for name in ["Sigmoid", "ReLU", "ReLU (lr 2)", "Tanh · waiting"] {
            assert!(t.iter().any(|x| x == name), "no panel title {name}: {t:?}");
        }
        for axis in [
            "↑ output f(z)",
            "output f(z) →",
            "↑ hidden layer",
            "epochs →",
        ] {
            assert!(t.iter().any(|x| x == axis), "no axis {axis}");
        }
        // The top hidden layer's mean in the lane's colour, a point per report; histogram bars
        // in the lane's colour; the flat zones in grey (Sigmoid's two, ReLU's zero bin ×2).
        for &((r, g, b), reports) in &reporting {
            let hex = Color::rgb(r, g, b).hex();
            let most = with(&doc, "polyline", "stroke", &hex)
                .into_iter()
                .max()
                .unwrap_or(0);
            assert_eq!(most, reports, "{hex}");
            assert!(with(&doc, "rect", "fill", &hex).len() > 4, "{hex}: bars");
        }
        let grey = crate::charts::distributions::FLAT_ZONE.hex();
        assert_eq!(with(&doc, "rect", "fill", &grey).len(), 2 + 1 + 1);
        assert!(t.iter().any(|x| x == "0: 52%"), "ReLU's share of zeros");

        let text = read("signal.svg");
        let doc = roxmltree::Document::parse(&text).expect("valid XML");
        let t = texts(&doc);
        assert!(t.iter().any(|x| x.contains("share of the output's signal")));
        assert!(t.iter().any(|x| x == "output"));
        for &(rgb, _) in &reporting {
            let hex = Color::rgb(rgb.0, rgb.1, rgb.2).hex();
            // Solid: three hidden layers and the output; dashed: three slopes.
            let lines: Vec<(usize, bool)> = doc
                .descendants()
                .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(&hex))
                .map(|n| (point_count(&n), n.attribute("stroke-dasharray").is_some()))
                .collect();
            assert!(
                lines.contains(&(4, false)) && lines.contains(&(3, true)),
                "{hex}: {lines:?}"
            );
        }
        // Sigmoid's hidden 1: 0.21 · 0.2 · 0.19 = 0.798%.
        assert!(t.iter().any(|x| x.contains("hidden 1 gets 0.80%")), "{t:?}");

        let text = read("sparsity.svg");
        let doc = roxmltree::Document::parse(&text).expect("valid XML");
        let t = texts(&doc);
        assert!(t.iter().any(|x| x.contains("exactly 0 on an")));
        assert!(
            t.iter()
                .any(|x| x.contains("share of a layer's outputs or units"))
        );
        for &(rgb, _) in &reporting {
            let c = Color::rgb(rgb.0, rgb.1, rgb.2);
            // A pale bar (sparsity) per hidden layer; a solid one (dead) per layer and the legend's.
            assert_eq!(with(&doc, "rect", "fill", &c.tint(0.35).hex()).len(), 3);
            assert_eq!(with(&doc, "rect", "fill", &c.hex()).len(), 3 + 1);
        }
        std::fs::remove_dir_all(&dir).expect("cleaned up");
    }

    #[test]
    fn an_unwritable_folder_is_an_error() {
        let file = temp_dir("plots-file");
        std::fs::write(&file, "not a folder").expect("written");
        assert!(write_svgs(&file, &[], 0.95).is_err());
        std::fs::remove_file(&file).expect("cleaned up");
    }
}
