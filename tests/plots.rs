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

/// Texts of an SVG document, each line with its runs (`<tspan>`s) joined.
fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter_map(|d| d.is_text().then(|| d.text()).flatten())
                .collect()
        })
        .collect()
}

#[test]
fn race_seeds_plots_draws_bands_over_the_seeds() {
    let dir: PathBuf = std::env::temp_dir().join(format!("ar-seed-plots-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let json = dir.join("seeds.json");
    std::fs::create_dir_all(&dir).expect("temp folder");
    let out = Command::new(env!("CARGO_BIN_EXE_race"))
        .args([
            "--hidden",
            "32",
            "--train-size",
            "2000",
            "--epochs",
            "2",
            "--seeds",
            "3",
            "--quiet",
        ])
        .arg("--plots")
        .arg(&dir)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("race runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "race failed: {stderr}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("json");
    let runs = record["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 3);
    // Only the charts with bands: no gradients or units over seeds.
    assert!(!dir.join("gradients.svg").exists() && !dir.join("units.svg").exists());
    let colour = |i: usize| Color::from_rgb(LANE_COLORS[i]);
    for (file, field, format) in [
        ("loss.svg", "train_loss", None),
        ("accuracy.svg", "val_accuracy", Some(100.0)),
    ] {
        let path = dir.join(file);
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let texts = texts(&doc);
        assert!(
            texts
                .iter()
                .any(|t| t.contains("lowest to highest over 3 seeds (42–44)")),
            "{file}: no note on the bands in {texts:?}"
        );
        for (lane, name) in ["Sigmoid", "ReLU"].into_iter().enumerate() {
            let hex = colour(lane).hex();
            // The band: a pale polygon in the lane's colour, its upper edge then its lower
            // edge over 2 epochs × 20 reports.
            let bands: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("polygon") && n.attribute("fill") == Some(&hex))
                .collect();
            assert_eq!(bands.len(), 1, "{file}: {name}'s band");
            assert_eq!(bands[0].attribute("fill-opacity"), Some("0.2"));
            let corners = point_count(&bands[0]);
            assert!(
                corners >= 2 * 40,
                "{file}: {name}'s band has {corners} corners"
            );
            // The mean: a line in the lane's colour.
            let mean = doc
                .descendants()
                .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(&hex))
                .map(|n| point_count(&n))
                .max()
                .unwrap_or(0);
            assert!(mean >= 40, "{file}: {name}'s mean has {mean} points");
            // The legend: the lane's mean and range at its last report, as in the runs.
            let last: Vec<f64> = runs
                .iter()
                .map(|r| {
                    let reports = r["lanes"][lane]["reports"].as_array().expect("reports");
                    reports.last().expect("a report")[field]
                        .as_f64()
                        .expect("a number")
                })
                .collect();
            let (lo, hi) = last
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            let mean = last.iter().sum::<f64>() / last.len() as f64;
            let note = match format {
                Some(k) => format!(
                    "{name} mean {:.1}% ({:.1}%–{:.1}%)",
                    k * mean,
                    k * lo,
                    k * hi
                ),
                None => format!("{name} mean "),
            };
            assert!(
                texts.iter().any(|t| t.starts_with(&note)),
                "{file}: no legend entry '{note}' in {texts:?}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
