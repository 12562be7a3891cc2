//! Text alternatives of the charts: for each chart a one-sentence summary (the canvas's
//! accessible name) and a compact data table (under the chart, for screen readers and anyone who
//! wants the numbers), built from the same reports the charts draw.

use super::race::RaceView;
pub use crate::charts::Chart as ChartKind;
use crate::report::IntervalReport;

/// A chart's data as a small table.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartTable {
    /// One sentence: what the chart shows now.
    pub summary: String,
    pub columns: Vec<String>,
    /// One row per lane (first cell: the lane's name).
    pub rows: Vec<Vec<String>>,
}

fn pct(v: f32) -> String {
    if v.is_finite() {
        format!("{:.1}%", 100.0 * v)
    } else {
        "—".into()
    }
}

fn value(v: f32) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v != 0.0 && v.abs() < 0.001 {
        format!("{v:.1e}")
    } else {
        format!("{v:.3}")
    }
}

/// The latest report of a lane with finite values, if any.
fn latest(intervals: &[IntervalReport]) -> Option<&IntervalReport> {
    intervals.last()
}

/// The table of `kind` for the race as `view` knows it.
pub fn chart_table(kind: ChartKind, view: &RaceView) -> ChartTable {
    let lanes = &view.lanes;
    let names: Vec<String> = (0..lanes.len()).map(|i| view.label(i)).collect();
    let waiting = lanes.iter().all(|l| l.intervals.is_empty());
    match kind {
        ChartKind::Loss => {
            let rows: Vec<Vec<String>> = lanes
                .iter()
                .zip(&names)
                .map(|(l, name)| match latest(&l.intervals) {
                    Some(r) => {
                        let lowest = l
                            .intervals
                            .iter()
                            .map(|r| r.train_loss)
                            .filter(|v| v.is_finite())
                            .fold(f32::INFINITY, f32::min);
                        vec![
                            name.clone(),
                            format!("{:.2}", r.epochs_done),
                            value(r.train_loss),
                            value(lowest),
                        ]
                    }
                    None => vec![name.clone(), "—".into(), "—".into(), "—".into()],
                })
                .collect();
            let summary = if waiting {
                "Training loss: waiting for the first report.".to_string()
            } else {
                let parts: Vec<String> = rows
                    .iter()
                    .map(|r| format!("{} {} after {} epochs", r[0], r[2], r[1]))
                    .collect();
                format!("Training loss (lower is better): {}.", parts.join("; "))
            };
            ChartTable {
                summary,
                columns: ["lane", "epochs", "training loss", "lowest so far"]
                    .map(String::from)
                    .to_vec(),
                rows,
            }
        }
        ChartKind::Accuracy => {
            let target = view.config.target_accuracy;
            let rows: Vec<Vec<String>> = lanes
                .iter()
                .zip(&names)
                .map(|(l, name)| {
                    let now = latest(&l.intervals).map_or("—".into(), |r| pct(r.val_accuracy));
                    let best_epoch = l
                        .epochs
                        .iter()
                        .map(|e| e.val_accuracy)
                        .filter(|v| v.is_finite())
                        .fold(None, |m: Option<f32>, v| Some(m.map_or(v, |m| m.max(v))));
                    let reached = l
                        .reached
                        .map_or("not yet".into(), |r| format!("epoch {:.2}", r.epochs));
                    vec![
                        name.clone(),
                        now,
                        best_epoch.map_or("—".into(), pct),
                        reached,
                    ]
                })
                .collect();
            let summary = if waiting {
                "Validation accuracy: waiting for the first report.".to_string()
            } else {
                let parts: Vec<String> = rows
                    .iter()
                    .map(|r| format!("{} {} (reached {}: {})", r[0], r[1], pct(target), r[3]))
                    .collect();
                format!("Validation accuracy: {}.", parts.join("; "))
            };
            ChartTable {
                summary,
                columns: vec![
                    "lane".into(),
                    "latest".into(),
                    "best at an epoch end".into(),
                    format!("reached {}", pct(target)),
                ],
                rows,
            }
        }
        ChartKind::Gradients => {
            let layers = lanes
                .iter()
                .filter_map(|l| latest(&l.intervals))
                .map(|r| r.grad_norms.len())
                .max()
                .unwrap_or(0);
            let mut columns = vec!["lane".to_string()];
            columns.extend((1..=layers).map(|i| format!("L{i}")));
            columns.push("L1 ÷ last".into());
            let mut ratios = Vec::new();
            let rows = lanes
                .iter()
                .zip(&names)
                .map(|(l, name)| {
                    let mut row = vec![name.clone()];
                    let g = latest(&l.intervals).map(|r| r.grad_norms.as_slice());
                    for i in 0..layers {
                        row.push(g.and_then(|g| g.get(i)).map_or("—".into(), |&v| value(v)));
                    }
                    let ratio = g.and_then(|g| {
                        let (a, b) = (*g.first()?, *g.last()?);
                        (g.len() >= 2 && b > 0.0 && a.is_finite()).then(|| a / b)
                    });
                    ratios.push((name.clone(), ratio));
                    row.push(ratio.map_or("—".into(), value));
                    row
                })
                .collect();
            let summary = if waiting {
                "Gradient flow: waiting for the first report.".to_string()
            } else {
                let parts: Vec<String> = ratios
                    .iter()
                    .map(|(name, r)| match r {
                        Some(r) => format!(
                            "{name}'s first layer gets {} the gradient of its last",
                            if *r >= 0.995 {
                                format!("{r:.2}×")
                            } else {
                                format!("{:.2}% of", 100.0 * r)
                            }
                        ),
                        None => format!("{name}: no data yet"),
                    })
                    .collect();
                format!("Gradient flow per layer: {}.", parts.join("; "))
            };
            ChartTable {
                summary,
                columns,
                rows,
            }
        }
        ChartKind::Units => {
            let hidden = lanes
                .iter()
                .filter_map(|l| latest(&l.intervals))
                .map(|r| r.dead_fraction.len())
                .max()
                .unwrap_or(0);
            let mut columns = vec!["lane".to_string()];
            for i in 1..=hidden {
                columns.push(format!("hidden {i} dead"));
                columns.push(format!("hidden {i} inactive per image"));
            }
            let rows: Vec<Vec<String>> = lanes
                .iter()
                .zip(&names)
                .map(|(l, name)| {
                    let mut row = vec![name.clone()];
                    let r = latest(&l.intervals);
                    for i in 0..hidden {
                        for v in [
                            r.and_then(|r| r.dead_fraction.get(i)),
                            r.and_then(|r| r.saturated_fraction.get(i)),
                        ] {
                            row.push(v.map_or("—".into(), |&v| pct(v)));
                        }
                    }
                    row
                })
                .collect();
            let summary = if waiting {
                "Dead and saturated units: waiting for the first report.".to_string()
            } else {
                let parts: Vec<String> = lanes
                    .iter()
                    .zip(&names)
                    .filter_map(|(l, name)| {
                        let r = latest(&l.intervals)?;
                        let dead: f32 = r.dead_fraction.iter().copied().fold(0.0, f32::max);
                        Some(format!(
                            "{name} at most {} dead units in a layer",
                            pct(dead)
                        ))
                    })
                    .collect();
                format!("Dead and saturated units: {}.", parts.join("; "))
            };
            ChartTable {
                summary,
                columns,
                rows,
            }
        }
        ChartKind::Distributions => super::inside::distributions_table(view),
        ChartKind::Signal => super::inside::signal_table(view),
        ChartKind::Sparsity => super::inside::sparsity_table(view),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::protocol::FromWorker;
    use crate::race::RaceConfig;
    use crate::report::LaneEvent;
    use crate::view::race::Msg;

    fn report(lane: usize, loss: f32, acc: f32, grads: Vec<f32>) -> IntervalReport {
        IntervalReport {
            lane,
            activation: Activation::Relu,
            epoch: 1,
            epochs_done: 0.5,
            samples_seen: 27_500,
            train_loss: loss,
            val_loss: loss,
            val_accuracy: acc,
            samples_per_sec: 30_000.0,
            elapsed_secs: 1.0,
            grad_norms: grads,
            dead_fraction: vec![0.0, 0.125],
            saturated_fraction: vec![0.5, 0.25],
            activation_mean: vec![],
            activation_std: vec![],
            activation_histogram: vec![],
            mean_abs_slope: vec![],
            signal_share: vec![],
            sparsity: vec![],
        }
    }

    fn view_with_reports() -> RaceView {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        for (lane, r) in [
            report(0, 1.5, 0.6, vec![0.002, 0.02, 0.4]),
            report(1, 0.3, 0.96, vec![0.5, 0.4, 0.25]),
        ]
        .into_iter()
        .enumerate()
        {
            for message in [
                FromWorker::Ready,
                FromWorker::Configured {
                    lane,
                    parameters: 1,
                    layer_sizes: vec![],
                },
                FromWorker::Event(LaneEvent::Interval(r)),
            ] {
                v.update(Msg::FromWorker { lane, message }, 0.0);
            }
        }
        v
    }

    #[test]
    fn tables_carry_each_lanes_latest_figures() {
        let v = view_with_reports();
        let loss = chart_table(ChartKind::Loss, &v);
        assert_eq!(loss.rows[0], ["Sigmoid", "0.50", "1.500", "1.500"]);
        assert!(loss.summary.contains("ReLU 0.300 after 0.50 epochs"));
        let acc = chart_table(ChartKind::Accuracy, &v);
        assert_eq!(acc.rows[1][1], "96.0%");
        assert_eq!(acc.rows[1][3], "epoch 0.50");
        assert_eq!(acc.rows[0][3], "not yet");
        let g = chart_table(ChartKind::Gradients, &v);
        assert_eq!(g.columns, ["lane", "L1", "L2", "L3", "L1 ÷ last"]);
        assert_eq!(g.rows[0][4], "0.005");
        assert!(
            g.summary
                .contains("Sigmoid's first layer gets 0.50% of the gradient of its last"),
            "{}",
            g.summary
        );
        assert!(g.summary.contains("ReLU's first layer gets 2.00×"));
        let u = chart_table(ChartKind::Units, &v);
        assert_eq!(u.columns.len(), 5);
        assert_eq!(u.rows[1][3], "12.5%");
        assert!(u.summary.contains("ReLU at most 12.5% dead units"));
    }

    #[test]
    fn before_the_first_report_the_tables_say_they_wait() {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        for kind in ChartKind::ALL {
            let t = chart_table(kind, &v);
            assert!(t.summary.contains("waiting"), "{kind:?}");
            assert_eq!(t.rows.len(), 2);
        }
    }
}
