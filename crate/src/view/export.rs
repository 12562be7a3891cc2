//! A race's reports as files a person can take away: JSON in the schema of `race --json` (plus
//! the page's settings URL) and CSV for spreadsheets (one row per report per lane).

use super::race::{LanePhase, RaceView};
use crate::race::LaneState;
use crate::record::{LaneRecord, RaceRecord};
use crate::report::{EpochReport, IntervalReport};
use serde::{Deserialize, Serialize};

/// What the page's JSON download holds: the `race --json` record, and the address that
/// reproduces the race on the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageRecord {
    #[serde(flatten)]
    pub record: RaceRecord,
    pub settings_url: String,
    /// A race repeated with several seeds: the runs finished before the one above (which is
    /// the latest, possibly in progress), in the order they raced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seed_runs: Vec<RaceRecord>,
}

/// The race as the page knows it, as the CLI would record it. `page_url` is the page's address
/// without its query.
pub fn page_record(view: &RaceView, page_url: &str) -> PageRecord {
    PageRecord {
        record: RaceRecord::new(
            &view.seed_runs.config_of_run(&view.config),
            lane_records(view),
        ),
        settings_url: format!("{page_url}?{}", crate::settings::to_query(&view.config)),
        // Once every seed has raced, the last finished run is the one above.
        seed_runs: view.seed_runs.finished[..view.seed_runs.current_number() - 1].to_vec(),
    }
}

/// Every lane of the run under way as the CLI would record it.
pub fn lane_records(view: &RaceView) -> Vec<LaneRecord> {
    view.lanes
        .iter()
        .map(|l| LaneRecord {
            lane: l.index,
            activation: l.activation,
            learning_rate: view.config.learning_rate_of(l.index),
            init: view.config.init_of(l.index),
            label: view.label(l.index),
            state: match l.phase {
                LanePhase::Finished => LaneState::Finished,
                LanePhase::Diverged { .. } => LaneState::Diverged,
                _ => LaneState::Training,
            },
            reports: l.intervals.clone(),
            epochs: l.epochs.clone(),
            messages: match &l.phase {
                LanePhase::Diverged { message } => vec![message.clone()],
                _ => Vec::new(),
            },
            test_predictions: l.test_predictions.clone(),
        })
        .collect()
}

/// One lane's reports, as the export sees them.
pub struct LaneReports<'a> {
    pub lane: usize,
    /// The lane's name on the page, e.g. "ReLU (lr 0.01)".
    pub label: &'a str,
    pub learning_rate: f32,
    pub intervals: &'a [IntervalReport],
    pub epochs: &'a [EpochReport],
}

/// Every report of every lane as CSV: one row per interval report and per epoch report (column
/// `kind`), per-layer figures in their own columns (`grad_norm_L1`… input side first,
/// `dead_h1`…, `inactive_h1`… per hidden layer). Empty cells where a kind has no such figure.
pub fn race_csv(lanes: &[LaneReports<'_>]) -> String {
    let layers = lanes
        .iter()
        .flat_map(|l| {
            l.intervals
                .iter()
                .map(|r| r.grad_norms.len())
                .chain(l.epochs.iter().map(|e| e.grad_norms.len()))
        })
        .max()
        .unwrap_or(0);
    let hidden = layers.saturating_sub(1);
    let mut header: Vec<String> = [
        "lane",
        "label",
        "activation",
        "learning_rate",
        "kind",
        "epoch",
        "epochs_done",
        "samples_seen",
        "train_loss",
        "val_loss",
        "val_accuracy",
        "test_loss",
        "test_accuracy",
        "samples_per_sec",
        "elapsed_secs",
        "diverged",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend((1..=layers).map(|i| format!("grad_norm_L{i}")));
    header.extend((1..=hidden).map(|i| format!("dead_h{i}")));
    header.extend((1..=hidden).map(|i| format!("inactive_h{i}")));
    let mut out = header.join(",");
    out.push('\n');
    let per_layer = |values: &[f32], n: usize| -> Vec<String> {
        (0..n)
            .map(|i| values.get(i).map(|v| number32(*v)).unwrap_or_default())
            .collect()
    };
    for l in lanes {
        let mut rows: Vec<(f64, Vec<String>)> = Vec::new();
        for r in l.intervals {
            let mut row = vec![
                l.lane.to_string(),
                quote(l.label),
                r.activation.key().to_string(),
                number32(l.learning_rate),
                "interval".into(),
                r.epoch.to_string(),
                number(r.epochs_done),
                r.samples_seen.to_string(),
                number32(r.train_loss),
                number32(r.val_loss),
                number32(r.val_accuracy),
                String::new(),
                String::new(),
                number32(r.samples_per_sec),
                number(r.elapsed_secs),
                "false".into(),
            ];
            row.extend(per_layer(&r.grad_norms, layers));
            row.extend(per_layer(&r.dead_fraction, hidden));
            row.extend(per_layer(&r.saturated_fraction, hidden));
            rows.push((r.epochs_done, row));
        }
        for e in l.epochs {
            let mut row = vec![
                l.lane.to_string(),
                quote(l.label),
                e.activation.key().to_string(),
                number32(l.learning_rate),
                "epoch".into(),
                e.epoch.to_string(),
                e.epoch.to_string(),
                e.samples_seen.to_string(),
                number32(e.train_loss),
                number32(e.val_loss),
                number32(e.val_accuracy),
                number32(e.test_loss),
                number32(e.test_accuracy),
                number32(e.samples_per_sec),
                number(e.elapsed_secs),
                e.diverged.to_string(),
            ];
            row.extend(per_layer(&e.grad_norms, layers));
            row.extend(per_layer(&e.dead_fraction, hidden));
            row.extend(per_layer(&e.saturated_fraction, hidden));
            // The epoch's row after the interval report at its end.
            rows.push((f64::from(e.epoch) + 1e-9, row));
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (_, row) in rows {
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

/// A number as CSV text: shortest round-trip form, empty for non-finite values (a diverged
/// lane's NaN loss), which spreadsheets read as missing.
fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// An f32 as CSV text, in its own shortest form (0.1, not 0.10000000149011612).
fn number32(v: f32) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// A text cell, quoted when it holds a separator, a quote or a line break.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Report fixtures for the view's tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::activation::Activation;
    use crate::network::CLASSES;
    use crate::report::EpochReport;

    pub fn epoch_report(lane: usize, test_accuracy: f32) -> EpochReport {
        EpochReport {
            lane,
            activation: Activation::Relu,
            epoch: 1,
            samples_seen: 200,
            train_loss: 0.4,
            val_loss: 0.4,
            val_accuracy: 0.91,
            test_loss: 0.41,
            test_accuracy,
            confusion: [[0; CLASSES]; CLASSES],
            grad_norms: vec![0.1, 0.2, 0.3],
            dead_fraction: vec![0.0, 0.25],
            saturated_fraction: vec![0.5, 0.5],
            activation_mean: vec![],
            activation_std: vec![],
            activation_histogram: vec![],
            mean_abs_slope: vec![],
            signal_share: vec![],
            sparsity: vec![],
            samples_per_sec: 1000.0,
            epoch_secs: 2.0,
            elapsed_secs: 2.0,
            diverged: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;

    fn interval(epochs_done: f64, loss: f32) -> IntervalReport {
        IntervalReport {
            lane: 0,
            activation: Activation::Relu,
            epoch: 1,
            epochs_done,
            samples_seen: 100,
            train_loss: loss,
            val_loss: 0.5,
            val_accuracy: 0.9,
            samples_per_sec: 1000.0,
            elapsed_secs: 1.0,
            grad_norms: vec![0.1, 0.2, 0.3],
            dead_fraction: vec![0.0, 0.25],
            saturated_fraction: vec![0.5, 0.5],
            activation_mean: vec![],
            activation_std: vec![],
            activation_histogram: vec![],
            mean_abs_slope: vec![],
            signal_share: vec![],
            sparsity: vec![],
        }
    }

    fn epoch() -> EpochReport {
        super::tests_support::epoch_report(0, 0.905)
    }

    #[test]
    fn one_row_per_report_per_lane_in_order() {
        let intervals = [interval(0.5, 0.7), interval(1.0, f32::NAN)];
        let epochs = [epoch()];
        let csv = race_csv(&[LaneReports {
            lane: 0,
            label: "ReLU, \"fast\"",
            learning_rate: 0.1,
            intervals: &intervals,
            epochs: &epochs,
        }]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(header.len(), 16 + 3 + 2 + 2);
        assert_eq!(header[16], "grad_norm_L1");
        assert_eq!(*header.last().unwrap(), "inactive_h2");
        assert!(lines[1].starts_with("0,\"ReLU, \"\"fast\"\"\",relu,0.1,interval,1,0.5,100,0.7"));
        // A NaN loss is an empty cell; the epoch row follows the last interval.
        assert!(lines[2].contains(",interval,1,1,100,,0.5,"), "{}", lines[2]);
        assert!(lines[3].contains(",epoch,1,1,200,"));
        assert!(
            lines[3].ends_with(",0.1,0.2,0.3,0,0.25,0.5,0.5"),
            "{}",
            lines[3]
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_json_record_is_the_clis_schema_plus_the_settings_url() {
        use crate::protocol::FromWorker;
        use crate::race::RaceConfig;
        use crate::report::LaneEvent;
        use crate::view::race::Msg;
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
                FromWorker::Event(LaneEvent::Interval(interval(0.5, 0.7))),
                FromWorker::Event(LaneEvent::Epoch(epoch())),
            ] {
                v.update(Msg::FromWorker { lane, message }, 0.0);
            }
        }
        v.update(
            Msg::FromWorker {
                lane: 1,
                message: FromWorker::Event(LaneEvent::Finished { lane: 1 }),
            },
            0.0,
        );
        let page = page_record(&v, "http://127.0.0.1:8080/");
        let text = serde_json::to_string(&page).unwrap();
        // The CLI's reader takes it as a race record...
        let record: RaceRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(record.layer_sizes, vec![784, 128, 64, 10]);
        assert_eq!(record.parameters, 109_386);
        assert_eq!(record.lanes[1].state, LaneState::Finished);
        assert_eq!(record.lanes[0].state, LaneState::Training);
        assert_eq!(record.lanes[0].reports.len(), 1);
        // ...with the settings URL beside it.
        let back: PageRecord = serde_json::from_str(&text).unwrap();
        assert!(
            back.settings_url
                .starts_with("http://127.0.0.1:8080/?hidden=128,64&lanes=sigmoid,relu")
        );
    }

    #[test]
    fn no_reports_gives_the_header_only() {
        let csv = race_csv(&[]);
        assert_eq!(csv.lines().count(), 1);
    }
}
