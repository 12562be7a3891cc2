//! Text alternatives of the "inside the networks" charts (activation distributions, backward
//! signal, sparsity vs death): a one-sentence summary and a data table per chart, from each
//! lane's latest report, as [`super::summaries`] does for the first four.

use super::race::RaceView;
use super::summaries::{ChartTable, pct};
use crate::charts::distributions::{flat_share, flat_zones};
use crate::charts::signal::share_pct;
use crate::report::IntervalReport;

fn two(v: f32) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "—".into()
    }
}

/// Each lane's name and latest report, and the most hidden layers any report has in `field`.
fn latest_reports(
    view: &RaceView,
    field: impl Fn(&IntervalReport) -> usize,
) -> (Vec<(String, Option<&IntervalReport>)>, usize) {
    let lanes: Vec<(String, Option<&IntervalReport>)> = view
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| (view.label(i), l.intervals.last()))
        .collect();
    let layers = lanes
        .iter()
        .filter_map(|(_, r)| r.map(&field))
        .max()
        .unwrap_or(0);
    (lanes, layers)
}

/// Activation distributions: per lane and hidden layer the mean ± std of the outputs and the
/// share in the activation's flat zones (ReLU: exactly 0).
pub fn distributions_table(view: &RaceView) -> ChartTable {
    let (lanes, layers) = latest_reports(view, |r| r.activation_mean.len());
    let mut columns = vec!["lane".to_string()];
    for i in 1..=layers {
        columns.push(format!("hidden {i} mean ± std"));
        columns.push(format!("hidden {i} in flat zone"));
    }
    let mut parts = Vec::new();
    let rows = lanes
        .iter()
        .map(|(name, r)| {
            let mut row = vec![name.clone()];
            let mut means = Vec::new();
            for i in 0..layers {
                let stats =
                    r.and_then(|r| Some((*r.activation_mean.get(i)?, *r.activation_std.get(i)?)));
                row.push(stats.map_or("—".into(), |(m, s)| format!("{} ± {}", two(m), two(s))));
                let flat = r.and_then(|r| {
                    if r.activation == crate::Activation::Relu {
                        r.sparsity.get(i).map(|&v| f64::from(v))
                    } else {
                        let zones = flat_zones(r.activation);
                        if zones.is_empty() {
                            return None;
                        }
                        flat_share(r.activation_histogram.get(i)?, &zones)
                    }
                });
                row.push(flat.map_or("—".into(), |v| pct(v as f32)));
                if let Some((m, _)) = stats {
                    means.push(format!("hidden {} {}", i + 1, two(m)));
                }
            }
            if !means.is_empty() {
                parts.push(format!("{name}: mean output {}", means.join(", ")));
            }
            row
        })
        .collect();
    let summary = if parts.is_empty() {
        "Activation distributions: waiting for the first report.".to_string()
    } else {
        format!(
            "Activation distributions per hidden layer: {}.",
            parts.join("; ")
        )
    };
    ChartTable {
        summary,
        columns,
        rows,
    }
}

/// The backward signal: per lane and hidden layer the mean |f′| and the share of the output's
/// signal that reaches it.
pub fn signal_table(view: &RaceView) -> ChartTable {
    let (lanes, layers) = latest_reports(view, |r| r.signal_share.len());
    let mut columns = vec!["lane".to_string()];
    for i in 1..=layers {
        columns.push(format!("hidden {i} mean |f′|"));
        columns.push(format!("hidden {i} signal share"));
    }
    let mut parts = Vec::new();
    let rows = lanes
        .iter()
        .map(|(name, r)| {
            let mut row = vec![name.clone()];
            for i in 0..layers {
                let slope = r.and_then(|r| r.mean_abs_slope.get(i));
                let share = r.and_then(|r| r.signal_share.get(i));
                row.push(slope.map_or("—".into(), |&v| format!("{v:.3}")));
                row.push(share.map_or("—".into(), |&v| share_pct(f64::from(v))));
            }
            if let Some(&first) = r.and_then(|r| r.signal_share.first()) {
                parts.push(format!(
                    "{name}'s hidden layer 1 receives {} of the signal the output layer sends back",
                    share_pct(f64::from(first))
                ));
            }
            row
        })
        .collect();
    let summary = if parts.is_empty() {
        "Backward signal: waiting for the first report.".to_string()
    } else {
        format!("Backward signal: {}.", parts.join("; "))
    };
    ChartTable {
        summary,
        columns,
        rows,
    }
}

/// Sparsity vs death: per lane and hidden layer the per-image share of exactly-zero outputs
/// and the dead units.
pub fn sparsity_table(view: &RaceView) -> ChartTable {
    let (lanes, layers) = latest_reports(view, |r| r.sparsity.len());
    let mut columns = vec!["lane".to_string()];
    for i in 1..=layers {
        columns.push(format!("hidden {i} exactly 0 per image"));
        columns.push(format!("hidden {i} dead (0 on every image)"));
    }
    let mut parts = Vec::new();
    let rows = lanes
        .iter()
        .map(|(name, r)| {
            let mut row = vec![name.clone()];
            for i in 0..layers {
                let sparse = r.and_then(|r| r.sparsity.get(i));
                let dead = r.and_then(|r| r.dead_fraction.get(i));
                row.push(sparse.map_or("—".into(), |&v| pct(v)));
                row.push(dead.map_or("—".into(), |&v| pct(v)));
            }
            if let Some(r) = r.filter(|r| !r.sparsity.is_empty()) {
                let mean = r.sparsity.iter().sum::<f32>() / r.sparsity.len() as f32;
                let dead = r.dead_fraction.iter().copied().fold(0.0, f32::max);
                parts.push(format!(
                    "{name} {} of outputs exactly 0 per image (mean over layers), at most {} dead units in a layer",
                    pct(mean),
                    pct(dead)
                ));
            }
            row
        })
        .collect();
    let summary = if parts.is_empty() {
        "Sparsity vs dead units: waiting for the first report.".to_string()
    } else {
        format!("Sparsity vs dead units: {}.", parts.join("; "))
    };
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
    use crate::protocol::FromWorker;
    use crate::race::RaceConfig;
    use crate::report::{Histogram, LaneEvent};
    use crate::view::race::Msg;

    fn report(lane: usize, activation: Activation) -> IntervalReport {
        let relu = activation == Activation::Relu;
        let (lo, hi) = activation.histogram_range();
        let mut h = Histogram::new(lo, hi, Histogram::BINS);
        // Sigmoid: 1 of 4 outputs below 0.05, 1 above 0.95: half are flat.
        h.add_all(&[0.01, 0.5, 0.6, 0.99]);
        IntervalReport {
            lane,
            activation,
            epoch: 1,
            epochs_done: 0.5,
            samples_seen: 27_500,
            train_loss: 1.0,
            val_loss: 1.0,
            val_accuracy: 0.5,
            samples_per_sec: 30_000.0,
            elapsed_secs: 1.0,
            grad_norms: vec![0.1, 0.1, 0.1],
            dead_fraction: vec![0.0, if relu { 0.0625 } else { 0.0 }],
            saturated_fraction: vec![0.5, 0.25],
            activation_mean: vec![0.5, if relu { 0.8 } else { 0.04 }],
            activation_std: vec![0.25, 0.5],
            activation_histogram: vec![h.clone(), h],
            mean_abs_slope: if relu { vec![0.5, 0.4] } else { vec![0.2, 0.1] },
            // Products from the top: 0.2 · 0.1 = 0.02; 0.5 · 0.4 = 0.2.
            signal_share: if relu {
                vec![0.2, 0.4]
            } else {
                vec![0.02, 0.1]
            },
            sparsity: if relu {
                vec![0.5, 0.75]
            } else {
                vec![0.0, 0.0]
            },
        }
    }

    fn view() -> RaceView {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        for (lane, act) in [Activation::Sigmoid, Activation::Relu]
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
                FromWorker::Event(LaneEvent::Interval(report(lane, act))),
            ] {
                v.update(Msg::FromWorker { lane, message }, 0.0);
            }
        }
        v
    }

    #[test]
    fn the_inside_tables_carry_each_lanes_latest_unit_statistics() {
        let v = view();
        let d = distributions_table(&v);
        assert_eq!(d.columns.len(), 5);
        assert_eq!(
            d.rows[0],
            ["Sigmoid", "0.50 ± 0.25", "50.0%", "0.04 ± 0.50", "50.0%"]
        );
        // ReLU's flat zone is exactly 0: its sparsity.
        assert_eq!(d.rows[1][2], "50.0%");
        assert_eq!(d.rows[1][4], "75.0%");
        assert!(
            d.summary
                .contains("Sigmoid: mean output hidden 1 0.50, hidden 2 0.04")
        );
        let s = signal_table(&v);
        assert_eq!(s.rows[0], ["Sigmoid", "0.200", "2.0%", "0.100", "10%"]);
        assert!(s.summary.contains(
            "Sigmoid's hidden layer 1 receives 2.0% of the signal the output layer sends back"
        ));
        assert!(s.summary.contains("ReLU's hidden layer 1 receives 20%"));
        let z = sparsity_table(&v);
        assert_eq!(z.columns[1], "hidden 1 exactly 0 per image");
        assert_eq!(z.columns[2], "hidden 1 dead (0 on every image)");
        assert_eq!(z.rows[1], ["ReLU", "50.0%", "0.0%", "75.0%", "6.2%"]);
        assert!(z.summary.contains(
            "ReLU 62.5% of outputs exactly 0 per image (mean over layers), at most 6.2% dead"
        ));
    }

    #[test]
    fn before_the_first_report_they_wait() {
        let mut v = RaceView::new(RaceConfig::default());
        v.update(Msg::Boot, 0.0);
        for t in [
            distributions_table(&v),
            signal_table(&v),
            sparsity_table(&v),
        ] {
            assert!(t.summary.contains("waiting"), "{}", t.summary);
            assert_eq!(t.rows.len(), 2);
            assert_eq!(t.columns, ["lane"]);
        }
    }
}
