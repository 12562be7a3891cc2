//! `race --plots DIR` on a short real race (real MNIST): the page's four charts as SVG files,
//! with the lanes, the axes and the data in them.
#![cfg(not(target_arch = "wasm32"))]

use activation_race::charts::{Color, LANE_COLORS};
use std::path::PathBuf;
use std::process::Command;

/// Points in a polyline's `points` attribute.
fn point_count(node: &roxmltree::Node<'_, '_>) -> usize {
    node.attribute("points")
        .map_or(0, |p| p.split_whitespace().count())
}

#[test]
fn race_plots_writes_the_pages_charts_as_svg() {
    let dir: PathBuf = std::env::temp_dir().join(format!("ar-race-plots-{}", std::process::id()));
    // Left over from an earlier run, or (usually) not there at all.
    std::fs::remove_dir_all(&dir).ok();
    let out = Command::new(env!("CARGO_BIN_EXE_race"))
        .args([
            "--hidden",
            "32",
            "--train-size",
            "2000",
            "--epochs",
            "2",
            "--quiet",
        ])
        .arg("--plots")
        .arg(&dir)
        .output()
        .expect("race runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "race failed: {stderr}");
    // Sigmoid and ReLU get the page's first two lane colours.
    let colour = |i: usize| Color::from_rgb(LANE_COLORS[i]);
    let lanes = [("Sigmoid", colour(0)), ("ReLU", colour(1))];
    let charts = [
        ("loss.svg", "training loss"),
        ("accuracy.svg", "validation accuracy"),
        ("gradients.svg", "gradient norm"),
        ("units.svg", "share inactive"),
    ];
    for (file, axis) in charts {
        let path = dir.join(file);
        assert!(
            stderr.contains(&path.display().to_string()),
            "not announced: {stderr}"
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
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
        assert!(
            texts.iter().any(|t| t.contains(axis)),
            "{file}: no axis {axis} in {texts:?}"
        );
        assert!(
            !texts.iter().any(|t| t.contains("waiting")),
            "{file}: {texts:?}"
        );
        for (lane, colour) in lanes {
            assert!(entry(lane), "{file}: no legend entry {lane}");
            let drawn_in = |tag: &str, c: Color| {
                let hex = c.hex();
                doc.descendants()
                    .filter(|n| n.has_tag_name(tag))
                    .filter(|n| {
                        n.attribute("stroke") == Some(&hex) || n.attribute("fill") == Some(&hex)
                    })
                    .collect::<Vec<_>>()
            };
            let drawn = |tag: &str| drawn_in(tag, colour);
            match file {
                // 2 epochs × 20 reports: a line of 40 points per lane.
                "loss.svg" | "accuracy.svg" => {
                    let most = drawn("polyline").iter().map(point_count).max().unwrap_or(0);
                    assert!(most >= 40, "{file}: {lane}'s line has {most} points");
                }
                // One point per weight layer (784-32-10: 2 layers), with a dot on each.
                "gradients.svg" => {
                    let most = drawn("polyline").iter().map(point_count).max().unwrap_or(0);
                    assert_eq!(most, 2, "{file}: {lane}");
                    assert!(drawn("circle").len() >= 2, "{file}: {lane}'s dots");
                }
                // A pale bar for the one hidden layer, besides the legend's.
                _ => {
                    let pale = drawn_in("rect", colour.tint(0.3)).len();
                    assert!(pale >= 2, "{file}: {lane}'s bars");
                }
            }
        }
    }
    // The views inside the networks: receptive fields (16 tiles of 28×28 cells per lane, the
    // first unit large), the first test image on the curves, the confusion matrices.
    let read = |file: &str| {
        std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
    };
    for file in ["fields.svg", "curve.svg", "confusion.svg"] {
        assert!(stderr.contains(file), "{file} not announced: {stderr}");
    }
    let fields = read("fields.svg");
    let doc = roxmltree::Document::parse(&fields).expect("valid fields.svg");
    let cells = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
    // 2 lanes × 16 tiles + the large one, 784 cells each.
    assert!(cells >= 33 * 784, "{cells} cells");
    assert!(fields.contains("Sigmoid, unit 0") && fields.contains("on the digit on the pad: z = "));
    let curve = read("curve.svg");
    let doc = roxmltree::Document::parse(&curve).expect("valid curve.svg");
    let dots = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    // 32 hidden units per lane, and the legend's dot.
    assert_eq!(dots, 2 * 32 + 1, "dots on the curves");
    let confusion = read("confusion.svg");
    roxmltree::Document::parse(&confusion).expect("valid confusion.svg");
    assert!(
        confusion.contains("Sigmoid (A)")
            && confusion.contains("ReLU (B)")
            && confusion.contains("A − B")
    );
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
