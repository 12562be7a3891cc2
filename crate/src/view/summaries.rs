//! Text alternatives of the charts: for each chart a one-sentence summary (the canvas's
//! accessible name) and a compact data table (under the chart, for screen readers and anyone who
//! wants the numbers), built from the same reports the charts draw.

use super::race::RaceView;
pub use crate::charts::Chart as ChartKind;
use crate::charts::bands::LaneBands;
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

impl ChartTable {
    /// The table's `<thead>` and `<tbody>` as HTML (text escaped; the first cell of each row a
    /// row header).
    pub fn html(&self) -> String {
        let mut html = String::from("<thead><tr>");
        for c in &self.columns {
            html += &format!("<th scope=\"col\">{}</th>", escape_html(c));
        }
        html += "</tr></thead><tbody>";
        for row in &self.rows {
            html += "<tr>";
            for (i, cell) in row.iter().enumerate() {
                let tag = if i == 0 { "th scope=\"row\"" } else { "td" };
                html += &format!("<{tag}>{}</{}>", escape_html(cell), &tag[..2]);
            }
            html += "</tr>";
        }
        html += "</tbody>";
        html
    }
}

/// Text for HTML: `&`, `<`, `>` and `"` escaped.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn pct(v: f32) -> String {
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

/// The table of `kind` for the race as `view` knows it: the run under way, and for a race
/// repeated with several seeds the bands over the finished ones (the loss and accuracy charts).
pub fn chart_table(kind: ChartKind, view: &RaceView) -> ChartTable {
    let mut table = run_table(kind, view);
    add_bands(&mut table, kind, view);
    table
}

/// For the loss and accuracy charts of a repeated race: a column with each lane's mean and
/// range over the finished seeds at their last report, and the same in the summary.
fn add_bands(table: &mut ChartTable, kind: ChartKind, view: &RaceView) {
    use crate::charts::bands::BandPoint;
    let runs = &view.seed_runs;
    type Pick = fn(&LaneBands) -> &[BandPoint];
    let (pick, format): (Pick, fn(f32) -> String) = match kind {
        ChartKind::Loss => (|b| &b.loss, value),
        ChartKind::Accuracy => (|b| &b.accuracy, pct),
        _ => return,
    };
    let Some(n) = runs.bands.first().map(LaneBands::runs).filter(|&n| n > 0) else {
        return;
    };
    let seeds = runs.finished_phrase();
    let plural = if n == 1 { "" } else { "s" };
    table.columns.push(format!(
        "finished seed{plural} {seeds}: mean (lowest–highest) at the end"
    ));
    let mut parts = Vec::new();
    for (lane, row) in table.rows.iter_mut().enumerate() {
        let last = runs.bands_of(lane).and_then(|b| pick(b).last());
        let cell = last.map_or("—".into(), |p| {
            format!(
                "{} ({}–{}) at epoch {:.2}",
                format(p.spread.mean),
                format(p.spread.min),
                format(p.spread.max),
                p.x
            )
        });
        parts.push(format!("{} {cell}", row[0]));
        row.push(cell);
    }
    table.summary += &format!(
        " Over the {n} finished seed{plural} ({seeds}), mean (lowest–highest): {}.",
        parts.join("; ")
    );
}

fn run_table(kind: ChartKind, view: &RaceView) -> ChartTable {
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
        ChartKind::Distributions => super::layer_tables::distributions_table(view),
        ChartKind::Signal => super::layer_tables::signal_table(view),
        ChartKind::Sparsity => super::layer_tables::sparsity_table(view),
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
    fn tables_become_escaped_html_with_row_headers() {
        let t = ChartTable {
            summary: String::new(),
            columns: vec!["lane".into(), "a<b".into()],
            rows: vec![vec!["R&D".into(), "\"1\"".into()]],
        };
        assert_eq!(
            t.html(),
            "<thead><tr><th scope=\"col\">lane</th><th scope=\"col\">a&lt;b</th></tr></thead><tbody><tr><th scope=\"row\">R&amp;D</th><td>&quot;1&quot;</td></tr></tbody>"
        );
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

    #[test]
    fn a_repeated_race_adds_the_bands_of_the_finished_seeds() {
        let mut v = view_with_reports();
        let mut runs = crate::view::seeds::SeedRuns::new(&RaceConfig {
            repeat_seeds: 3,
            ..RaceConfig::default()
        });
        for (seed, accuracies) in [(42, [0.5, 0.9]), (43, [0.7, 0.94])] {
            let mut run = crate::view::export::page_record(&v, "").record;
            run.config.seed = seed;
            for (lane, acc) in accuracies.into_iter().enumerate() {
                run.lanes[lane].reports[0].val_accuracy = acc;
            }
            runs.finish_run(run);
        }
        v.seed_runs = runs;
        let t = chart_table(ChartKind::Accuracy, &v);
        assert_eq!(
            t.columns.last().unwrap(),
            "finished seeds 42–43: mean (lowest–highest) at the end"
        );
        assert_eq!(
            t.rows[1].last().unwrap(),
            "92.0% (90.0%–94.0%) at epoch 0.50"
        );
        assert!(
            t.summary.ends_with(
                "Over the 2 finished seeds (42–43), mean (lowest–highest): Sigmoid 60.0% (50.0%–70.0%) at epoch 0.50; ReLU 92.0% (90.0%–94.0%) at epoch 0.50."
            ),
            "{}",
            t.summary
        );
        let loss = chart_table(ChartKind::Loss, &v);
        assert_eq!(
            loss.rows[0].last().unwrap(),
            "1.500 (1.500–1.500) at epoch 0.50"
        );
        // The other charts have no bands.
        let g = chart_table(ChartKind::Gradients, &v);
        assert!(!g.summary.contains("seeds"));
    }
}
