//! The views inside the networks as the page builds them from its [`RaceView`]: receptive fields
//! of the first layer, the digit on the pad on each lane's activation curve, and the compared
//! lanes' confusion matrices; their text alternatives (a sentence and a data table each); and
//! the keyboard path through the receptive fields.

use super::race::RaceView;
use super::summaries::{ChartTable, pct};
use crate::charts::confusion::{ConfusionSource, ConfusionView};
use crate::charts::curve::{CurveSource, CurveView};
use crate::charts::fields::{FieldsSource, FieldsView, signed};
use crate::charts::{Color, LANE_COLORS};
use crate::network::CLASSES;
use serde::Serialize;

fn color(lane: usize) -> Color {
    Color::from_rgb(LANE_COLORS[lane % LANE_COLORS.len()])
}

/// The receptive fields of the watched units, with the selected one large.
pub fn fields_view(view: &RaceView) -> FieldsView {
    let sources: Vec<FieldsSource<'_>> = view
        .lanes
        .iter()
        .map(|l| FieldsSource {
            label: view.label(l.index),
            color: color(l.index),
            activation: l.activation,
            fields: l.fields.as_ref().map(|(f, e)| (f, *e)),
            first_layer: l.prediction.as_ref().and_then(|p| p.layers.first()),
        })
        .collect();
    FieldsView::new(&sources, view.selected_unit)
}

/// The digit on the pad on every lane's activation curve.
pub fn curve_view(view: &RaceView) -> CurveView {
    let sources: Vec<CurveSource<'_>> = view
        .lanes
        .iter()
        .map(|l| CurveSource {
            label: view.label(l.index),
            color: color(l.index),
            activation: l.activation,
            leaky_slope: view.config.leaky_slope,
            layers: l.prediction.as_ref().map(|p| p.layers.as_slice()),
        })
        .collect();
    let digit = view.has_input().then(|| "the digit on the pad".to_string());
    CurveView::new(&sources, digit)
}

/// The compared lanes' confusion matrices at the latest epoch both finished.
pub fn confusion_view(view: &RaceView) -> Option<ConfusionView> {
    let sources: Vec<ConfusionSource<'_>> = view
        .lanes
        .iter()
        .map(|l| ConfusionSource {
            label: view.label(l.index),
            color: color(l.index),
            epochs: &l.epochs,
        })
        .collect();
    ConfusionView::new(&sources, view.compare)
}

/// Everything the three views show (the page's `inside_views()` test hook).
#[derive(Serialize)]
pub struct InsideViews {
    pub fields: FieldsView,
    pub curve: CurveView,
    pub confusion: Option<ConfusionView>,
}

pub fn inside_views(view: &RaceView) -> InsideViews {
    InsideViews {
        fields: fields_view(view),
        curve: curve_view(view),
        confusion: confusion_view(view),
    }
}

/// The unit `delta` places after the selected one, through every lane's watched units in turn
/// (wrapping around); the first unit when none is selected. `None` before any fields arrived.
pub fn step_selection(view: &RaceView, delta: isize) -> Option<(usize, usize)> {
    let all: Vec<(usize, usize)> = view
        .lanes
        .iter()
        .filter_map(|l| l.fields.as_ref().map(|(f, _)| (l.index, f)))
        .flat_map(|(lane, f)| f.units.iter().map(move |&u| (lane, u)))
        .collect();
    if all.is_empty() {
        return None;
    }
    let n = all.len() as isize;
    let next = match view
        .selected_unit
        .and_then(|s| all.iter().position(|&x| x == s))
    {
        Some(i) => (i as isize + delta).rem_euclid(n),
        None => 0,
    };
    Some(all[next as usize])
}

/// The receptive fields' text alternative: per lane, the watched units, the dead ones and the
/// weights' range; the sentence names the unit shown large and what it computes on the digit.
pub fn fields_table(v: &FieldsView) -> ChartTable {
    let rows: Vec<Vec<String>> = v
        .lanes
        .iter()
        .map(|l| {
            let dead: Vec<String> = l
                .tiles
                .iter()
                .filter(|t| t.dead)
                .map(|t| t.unit.to_string())
                .collect();
            vec![
                l.label.clone(),
                if l.tiles.is_empty() {
                    "—".into()
                } else {
                    format!("{:.2}", l.epochs)
                },
                l.tiles.len().to_string(),
                if dead.is_empty() {
                    "none".into()
                } else {
                    dead.join(", ")
                },
                if l.tiles.is_empty() {
                    "—".into()
                } else {
                    format!("±{}", signed(l.scale))
                },
            ]
        })
        .collect();
    let summary = if v.lanes.iter().all(|l| l.tiles.is_empty()) {
        "Receptive fields: waiting for the first weights.".to_string()
    } else {
        let parts: Vec<String> = rows
            .iter()
            .map(|r| {
                let dead = if r[3] == "none" {
                    "none dead".to_string()
                } else {
                    format!("dead: {}", r[3])
                };
                format!("{} {} units ({dead})", r[0], r[2])
            })
            .collect();
        let selected = match &v.selected {
            Some(s) => {
                let name = &v.lanes[s.lane].label;
                match s.on_digit {
                    Some((z, f)) => format!(
                        " Shown large: {name} unit {}, z = {} and f(z) = {} on the digit on the pad.",
                        s.unit,
                        signed(z),
                        signed(f)
                    ),
                    None => format!(" Shown large: {name} unit {}.", s.unit),
                }
            }
            None => String::new(),
        };
        format!(
            "Receptive fields of the first layer: {}.{selected}",
            parts.join("; ")
        )
    };
    ChartTable {
        summary,
        columns: [
            "lane",
            "epochs",
            "units shown",
            "dead units",
            "weights up to",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The curves' text alternative: per lane and hidden layer, the units' mean z, their spread of
/// z, and the share inactive (off or saturated) on the digit.
pub fn curve_table(v: &CurveView) -> ChartTable {
    let mut rows = Vec::new();
    for p in &v.panels {
        for (layer, zs) in p.z.iter().enumerate() {
            let n = zs.len().max(1) as f32;
            let mean = zs.iter().sum::<f32>() / n;
            let (lo, hi) = zs
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &z| {
                    (a.min(z), b.max(z))
                });
            let inactive = zs
                .iter()
                .filter(|&&z| {
                    let (f, d) = p.activation.eval(z, p.leaky_slope);
                    p.activation.is_inactive(f, d)
                })
                .count() as f32
                / n;
            rows.push(vec![
                p.label.clone(),
                format!("hidden {}", layer + 1),
                zs.len().to_string(),
                signed(mean),
                format!("{} to {}", signed(lo), signed(hi)),
                pct(inactive),
            ]);
        }
    }
    let summary = if v.digit.is_none() {
        "The digit on the activation curves: draw a digit or press Random test digit.".to_string()
    } else if v.panels.iter().all(|p| p.inactive.is_none()) {
        "The digit on the activation curves: waiting for the lanes' answers.".to_string()
    } else {
        let parts: Vec<String> = v
            .panels
            .iter()
            .map(|p| match p.inactive {
                Some(share) => format!(
                    "{} {} of {} hidden units {}",
                    p.label,
                    pct(share),
                    p.units(),
                    if p.activation.is_relu_family() {
                        "off (z ≤ 0)"
                    } else {
                        "saturated or without gradient"
                    }
                ),
                None => format!("{} waiting", p.label),
            })
            .collect();
        format!(
            "The digit on the pad through the networks: {}.",
            parts.join("; ")
        )
    };
    ChartTable {
        summary,
        columns: [
            "lane",
            "layer",
            "units",
            "mean z",
            "z from … to",
            "inactive",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The mistakes' text alternative: per lane the test accuracy and its accuracy per digit; the
/// sentence names each compared lane's most frequent mistake.
pub fn confusion_table(v: Option<&ConfusionView>) -> ChartTable {
    let mut columns = vec!["lane".to_string(), "test accuracy".to_string()];
    columns.extend((0..CLASSES).map(|d| format!("digit {d}")));
    let Some(v) = v else {
        return ChartTable {
            summary: "Confusion matrices: waiting for the end of the first epoch.".into(),
            columns,
            rows: Vec::new(),
        };
    };
    let rows = v
        .lanes
        .iter()
        .map(|l| {
            let total: u32 = l.matrix.iter().flatten().sum();
            let right: u32 = (0..CLASSES).map(|d| l.matrix[d][d]).sum();
            let mut row = vec![l.label.clone(), pct(right as f32 / total.max(1) as f32)];
            row.extend(l.per_class.iter().map(|a| a.map_or("—".into(), pct)));
            row
        })
        .collect();
    let worst = |l: &crate::charts::confusion::LaneConfusion| {
        let mut best = (0, 0, 0u32);
        for t in 0..CLASSES {
            for p in (0..CLASSES).filter(|&p| p != t) {
                if l.matrix[t][p] > best.2 {
                    best = (t, p, l.matrix[t][p]);
                }
            }
        }
        match best {
            (_, _, 0) => format!("{} made no mistakes", l.label),
            (t, p, n) => format!(
                "{}'s most frequent mistake: {t} read as {p} ({n} times)",
                l.label
            ),
        }
    };
    let changed: i64 = v
        .difference
        .iter()
        .enumerate()
        .flat_map(|(t, row)| row.iter().enumerate().filter(move |(p, _)| *p != t))
        .map(|(_, d)| *d)
        .sum();
    let summary = format!(
        "Test-set confusion at epoch {}: {}; {}. {} makes {} mistakes than {}.",
        v.epoch,
        worst(&v.a),
        worst(&v.b),
        v.a.label,
        if changed > 0 {
            format!("{changed} more")
        } else if changed < 0 {
            format!("{} fewer", -changed)
        } else {
            "as many".into()
        },
        v.b.label
    );
    ChartTable {
        summary,
        columns,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::protocol::{FieldsMessage, FromWorker};
    use crate::race::{RaceConfig, ReceptiveFields, TraceLayer};
    use crate::report::LaneEvent;
    use crate::view::race::Msg;

    fn ready_view() -> RaceView {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        for lane in 0..2 {
            for message in [
                FromWorker::Ready,
                FromWorker::Configured {
                    lane,
                    parameters: 1,
                    layer_sizes: vec![],
                },
            ] {
                v.update(Msg::FromWorker { lane, message }, 0.0);
            }
        }
        v
    }

    fn send_fields(v: &mut RaceView, lane: usize, units: Vec<usize>, dead: Vec<bool>) {
        let n = units.len();
        let fields = ReceptiveFields {
            units,
            inputs: 784,
            weights: (0..n * 784).map(|i| (i % 7) as f32 * 0.1 - 0.3).collect(),
            dead,
        };
        let message = FromWorker::ReceptiveFields(FieldsMessage::encode(lane, &fields, 0.5));
        v.update(Msg::FromWorker { lane, message }, 0.0);
    }

    #[test]
    fn arrows_walk_through_every_lanes_units_and_wrap() {
        let mut v = ready_view();
        assert_eq!(step_selection(&v, 1), None);
        send_fields(&mut v, 0, vec![0, 1], vec![false, true]);
        send_fields(&mut v, 1, vec![0, 1, 2], vec![false; 3]);
        assert_eq!(step_selection(&v, 1), Some((0, 0)), "starts at the first");
        v.update(Msg::SelectUnit { lane: 0, unit: 1 }, 0.0);
        assert_eq!(step_selection(&v, 1), Some((1, 0)));
        assert_eq!(step_selection(&v, -1), Some((0, 0)));
        v.update(Msg::SelectUnit { lane: 1, unit: 2 }, 0.0);
        assert_eq!(step_selection(&v, 1), Some((0, 0)), "wraps");
        let t = fields_table(&fields_view(&v));
        assert_eq!(t.rows[0], ["Sigmoid", "0.50", "2", "1", "±0.300"]);
        assert_eq!(t.rows[1][3], "none");
        assert!(
            t.summary
                .contains("Sigmoid 2 units (dead: 1); ReLU 3 units (none dead)"),
            "{}",
            t.summary
        );
        assert!(
            t.summary.contains("Shown large: ReLU unit 2."),
            "{}",
            t.summary
        );
    }

    #[test]
    fn the_digit_through_each_lane_on_its_curve_and_in_words() {
        let mut v = ready_view();
        let t = curve_table(&curve_view(&v));
        assert!(t.summary.contains("draw a digit"), "{}", t.summary);
        v.update(
            Msg::Input {
                pixels: Some(Box::new([0; 784])),
                started_ms: 0.0,
            },
            0.0,
        );
        let trace = |z: Vec<f32>, a: Activation| TraceLayer {
            outputs: z.iter().map(|&z| a.eval(z, 0.01).0).collect(),
            pre_activations: z,
        };
        for (lane, layers) in [
            (
                0,
                vec![trace(vec![-7.0, 0.5, 9.0, 1.0], Activation::Sigmoid)],
            ),
            (1, vec![trace(vec![-1.0, 2.0], Activation::Relu)]),
        ] {
            let message = FromWorker::Prediction {
                request: 1,
                lane,
                probabilities: [0.1; 10],
                samples_seen: 0,
                layers,
            };
            v.update(Msg::FromWorker { lane, message }, 5.0);
        }
        let c = curve_view(&v);
        assert_eq!(c.panels[0].inactive, Some(0.5));
        let t = curve_table(&c);
        assert_eq!(
            t.rows[0],
            [
                "Sigmoid",
                "hidden 1",
                "4",
                "0.875",
                "−7.000 to 9.000",
                "50.0%"
            ]
        );
        assert_eq!(t.rows[1][5], "50.0%");
        assert!(
            t.summary
                .contains("Sigmoid 50.0% of 4 hidden units saturated")
                && t.summary.contains("ReLU 50.0% of 2 hidden units off"),
            "{}",
            t.summary
        );
        // The selected unit's z and f(z) on the digit come from the same trace.
        send_fields(&mut v, 0, vec![0, 1, 2], vec![false; 3]);
        v.update(Msg::SelectUnit { lane: 0, unit: 2 }, 0.0);
        let f = fields_view(&v);
        let (z, fz) = f.selected.unwrap().on_digit.unwrap();
        assert_eq!(z, 9.0);
        assert!((fz - 0.999_877).abs() < 1e-5, "{fz}");
    }

    #[test]
    fn the_confusion_table_reads_accuracy_off_the_diagonal() {
        let mut v = ready_view();
        assert!(
            confusion_table(confusion_view(&v).as_ref())
                .summary
                .contains("waiting")
        );
        for (lane, wrong) in [(0, 30u32), (1, 10u32)] {
            let mut r = crate::charts::fixtures::epoch(lane, Activation::Relu, 1);
            r.confusion = [[0; CLASSES]; CLASSES];
            for d in 0..CLASSES {
                r.confusion[d][d] = 100;
            }
            r.confusion[4][9] = wrong;
            r.confusion[4][4] = 100 - wrong;
            let message = FromWorker::Event(LaneEvent::Epoch(r));
            v.update(Msg::FromWorker { lane, message }, 0.0);
        }
        let c = confusion_view(&v).expect("both finished epoch 1");
        let t = confusion_table(Some(&c));
        // 970 of 1,000 right; digit 4: 70 of 100.
        assert_eq!(t.rows[0][1], "97.0%");
        assert_eq!(t.rows[0][2 + 4], "70.0%");
        assert_eq!(t.rows[1][2 + 4], "90.0%");
        assert!(
            t.summary
                .contains("Sigmoid's most frequent mistake: 4 read as 9 (30 times)")
                && t.summary
                    .contains("Sigmoid makes 20 more mistakes than ReLU"),
            "{}",
            t.summary
        );
    }
}
