//! Lessons: one-click experiments, each a claim of the study turned into a race a learner can run.
//!
//! A lesson is a title, a question to guess before pressing Start, what to watch while it runs,
//! its settings (a [`RaceConfig`], so a lesson is a URL: `?lesson=dead-relu&…`) and a verdict
//! written from the race's own reports when it ends ([`Lesson::verdict`]) — every figure in it
//! is read from the lanes' [`IntervalReport`]s and [`EpochReport`]s, none is canned.
//!
//! A lesson's *defining* settings (the network, the lanes, the learning rates, the
//! initialisation, the optimizer and batch size) make the lesson; the training set's size, the
//! epochs, the seed, the finish line and the report rate may change (shorter runs for a class or a
//! test) and it is still the lesson ([`Lesson::fits`]).

use crate::activation::Activation;
use crate::init::{InitMode, InitScheme};
use crate::optimizer::OptimizerKind;
use crate::race::RaceConfig;
use crate::report::{EpochReport, IntervalReport};
use crate::settings;
use std::str::FromStr;

/// The guided experiments, in the order the page lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lesson {
    /// (a) The study's defaults: Sigmoid vs ReLU, everything else shared.
    FairRace,
    /// (b) Five hidden layers: Sigmoid's gradient vanishes on its way down.
    VanishingGradients,
    /// (c) Glorot & Bengio (2010): a deep Sigmoid net with the standard initialisation
    /// saturates; Glorot's scaling keeps it learning.
    Initialisation,
    /// (d) A learning rate that kills ReLU units, with Leaky ReLU beside it.
    DeadRelu,
    /// (e) One activation at four learning rates.
    LearningRates,
    /// (e') Sigmoid and ReLU, each at its own best learning rate.
    BestRates,
    /// (f) ReLU, GELU, SiLU and ELU on 8 × 128 with Adam (Hendrycks & Gimpel's MNIST setup).
    ModernActivations,
}

/// One lane's reports, as a verdict reads them.
#[derive(Clone, Copy, Debug)]
pub struct LaneRun<'a> {
    pub intervals: &'a [IntervalReport],
    pub epochs: &'a [EpochReport],
}

impl Lesson {
    pub const ALL: [Lesson; 7] = [
        Lesson::FairRace,
        Lesson::VanishingGradients,
        Lesson::Initialisation,
        Lesson::DeadRelu,
        Lesson::LearningRates,
        Lesson::BestRates,
        Lesson::ModernActivations,
    ];

    /// The lesson's name in URLs (`lesson=…`).
    pub fn id(self) -> &'static str {
        match self {
            Lesson::FairRace => "fair-race",
            Lesson::VanishingGradients => "vanishing-gradients",
            Lesson::Initialisation => "initialisation",
            Lesson::DeadRelu => "dead-relu",
            Lesson::LearningRates => "learning-rates",
            Lesson::BestRates => "best-rates",
            Lesson::ModernActivations => "modern-activations",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Lesson::FairRace => "The fair race",
            Lesson::VanishingGradients => "Deep nets and vanishing gradients",
            Lesson::Initialisation => "Saturation and initialisation",
            Lesson::DeadRelu => "Dead ReLUs",
            Lesson::LearningRates => "Learning rates",
            Lesson::BestRates => "Each at its best learning rate",
            Lesson::ModernActivations => "Modern activations",
        }
    }

    /// What the settings are, in a few words (for the lesson's button).
    pub fn summary(self) -> &'static str {
        match self {
            Lesson::FairRace => "Sigmoid vs ReLU, the study's defaults",
            Lesson::VanishingGradients => "5 × 128, Sigmoid vs ReLU",
            Lesson::Initialisation => "4 × 128 Sigmoid, standard vs Glorot init, batch 10",
            Lesson::DeadRelu => "ReLU vs Leaky ReLU at learning rate 1",
            Lesson::LearningRates => "ReLU at 0.01, 0.1, 0.3 and 1",
            Lesson::BestRates => "Sigmoid at 2 vs ReLU at 0.1",
            Lesson::ModernActivations => "ReLU, GELU, SiLU, ELU on 8 × 128 with Adam",
        }
    }

    /// The question to guess before pressing Start.
    pub fn question(self) -> &'static str {
        match self {
            Lesson::FairRace => {
                "Two identical networks, but one uses Sigmoid and the other ReLU. Which one crosses the 95% finish line first — and how many epochs ahead?"
            }
            Lesson::VanishingGradients => {
                "With five hidden layers instead of two, does Sigmoid still learn? How much of the gradient signal reaches its first layer?"
            }
            Lesson::Initialisation => {
                "Two Sigmoid networks of four layers differ only in how their first weights are drawn. Can that alone decide whether a network learns?"
            }
            Lesson::DeadRelu => {
                "At a learning rate of 1, what share of ReLU's units will stop answering for good? Does Leaky ReLU's small negative slope save them?"
            }
            Lesson::LearningRates => {
                "The same ReLU network at four learning rates. Is the largest rate the fastest? Which rate ends best?"
            }
            Lesson::BestRates => {
                "Give Sigmoid and ReLU each the learning rate that suits it. Is ReLU still ahead?"
            }
            Lesson::ModernActivations => {
                "GELU, SiLU and ELU are smooth cousins of ReLU used in today's large models. On a deep (8 × 128) net trained with Adam, does any of them beat plain ReLU?"
            }
        }
    }

    /// What to watch while the lesson runs.
    pub fn watch(self) -> &'static str {
        match self {
            Lesson::FairRace => {
                "The validation accuracy chart: who reaches the dashed finish line, and when. The loss chart shows the gap from the first reports."
            }
            Lesson::VanishingGradients => {
                "The gradient flow chart: Sigmoid's bars shrink towards the input layer; ReLU's stay level. Its accuracy stays near chance (10%)."
            }
            Lesson::Initialisation => {
                "The units chart: how many of each lane's units are saturated, and the accuracy chart: one lane stalls while the other climbs."
            }
            Lesson::DeadRelu => {
                "The dead units chart: ReLU's first layer loses units early and they never come back. Leaky ReLU's units can be off too, but they still receive a small gradient."
            }
            Lesson::LearningRates => {
                "The loss chart: too small a rate crawls, too large a rate jumps around or kills units (the dead units chart)."
            }
            Lesson::BestRates => {
                "The accuracy chart. The lanes now differ in two things (the page says so): this is a tuned comparison, not a controlled one."
            }
            Lesson::ModernActivations => {
                "The accuracy and loss charts: the four curves stay close. The gradient flow chart shows how each passes the signal through eight layers."
            }
        }
    }

    /// The lesson's settings.
    pub fn config(self) -> RaceConfig {
        use Activation::*;
        let base = RaceConfig::default();
        match self {
            Lesson::FairRace => base,
            Lesson::VanishingGradients => RaceConfig {
                hidden: vec![128; 5],
                epochs: 3,
                ..base
            },
            Lesson::Initialisation => RaceConfig {
                hidden: vec![128; 4],
                activations: vec![Sigmoid, Sigmoid],
                init: InitMode::Standard,
                lane_inits: Some(vec![InitScheme::Standard, InitScheme::Glorot]),
                batch_size: 10,
                learning_rate: 0.1,
                epochs: 2,
                target_accuracy: 0.9,
                ..base
            },
            Lesson::DeadRelu => RaceConfig {
                activations: vec![Relu, LeakyRelu],
                learning_rate: 1.0,
                epochs: 2,
                ..base
            },
            Lesson::LearningRates => RaceConfig {
                activations: vec![Relu; 4],
                lane_learning_rates: Some(vec![0.01, 0.1, 0.3, 1.0]),
                epochs: 3,
                ..base
            },
            Lesson::BestRates => RaceConfig {
                activations: vec![Sigmoid, Relu],
                // The best of 0.1, 0.3, 0.6, 1, 2, 3 for Sigmoid and of 0.01, 0.03, 0.05, 0.1,
                // 0.3, 1 for ReLU by validation accuracy after 3 epochs (README).
                lane_learning_rates: Some(vec![2.0, 0.1]),
                epochs: 3,
                ..base
            },
            Lesson::ModernActivations => RaceConfig {
                hidden: vec![128; 8],
                activations: vec![Relu, Gelu, Silu, Elu],
                optimizer: OptimizerKind::Adam,
                learning_rate: 0.001,
                batch_size: 128,
                epochs: 2,
                target_accuracy: 0.96,
                ..base
            },
        }
    }

    /// Whether `config` is still this lesson: its defining settings are the lesson's (the
    /// training set's size, the epochs, the seed, the finish line and the reports may differ).
    pub fn fits(self, config: &RaceConfig) -> bool {
        let free = RaceConfig {
            train_size: config.train_size,
            epochs: config.epochs,
            seed: config.seed,
            target_accuracy: config.target_accuracy,
            reports_per_epoch: config.reports_per_epoch,
            interval_val_size: config.interval_val_size,
            ..self.config()
        };
        free == *config
    }

    /// The lesson's address (a query string with `?`): its id, `class=1` when the settings
    /// panel is to be hidden, then every setting.
    pub fn url(self, class: bool) -> String {
        settings::page_query(
            &self.config(),
            &settings::PageOptions {
                lesson: Some(self),
                hide_settings: class,
            },
        )
    }

    /// What the race showed, in words, from its reports (`lanes[i]` is lane `i` of `config`).
    pub fn verdict(self, config: &RaceConfig, lanes: &[LaneRun<'_>]) -> String {
        if lanes.iter().all(|l| l.intervals.is_empty()) {
            return "No lane reported anything: there is nothing to judge yet.".into();
        }
        let name = |i: usize| config.lane_label(i);
        let mut text = match self {
            Lesson::FairRace | Lesson::BestRates => {
                let mut t = crossings(config, lanes);
                if self == Lesson::BestRates {
                    t += " Each lane ran at its own learning rate, so two settings differed: a comparison of tuned networks rather than a controlled one.";
                }
                t
            }
            Lesson::VanishingGradients => {
                let mut parts = Vec::new();
                let mut ratios = Vec::new();
                for (i, l) in lanes.iter().enumerate() {
                    let Some(last) = l.intervals.last() else {
                        continue;
                    };
                    if let Some(&share) = last.signal_share.first() {
                        parts.push(format!("{}'s {}", name(i), percent_sig(share)));
                    }
                    if let (Some(&first), Some(&top)) =
                        (last.grad_norms.first(), last.grad_norms.last())
                        && top > 0.0
                    {
                        ratios.push(format!("{} {}×", name(i), sig(first / top)));
                    }
                }
                format!(
                    "At the last report, the first hidden layer received this share of the gradient signal the output layer sends back (the product of the mean slopes on the way down): {}. First-layer weight gradient relative to the output layer's: {}.",
                    parts.join(", "),
                    ratios.join(", ")
                )
            }
            Lesson::Initialisation => {
                let mut parts = Vec::new();
                for (i, l) in lanes.iter().enumerate() {
                    let top = |r: &IntervalReport| r.activation_mean.last().copied();
                    let lowest = l
                        .intervals
                        .iter()
                        .filter_map(|r| top(r).map(|m| (m, r.epochs_done)))
                        .min_by(|a, b| a.0.total_cmp(&b.0));
                    let saturated = l
                        .intervals
                        .iter()
                        .filter_map(|r| r.saturated_fraction.last().copied())
                        .fold(0.0f32, f32::max);
                    if let Some((mean, at)) = lowest {
                        parts.push(format!(
                            "{}: the top hidden layer's mean output fell to {mean:.2} (at {at:.2} epochs), with up to {} of its outputs saturated",
                            name(i),
                            percent(saturated)
                        ));
                    }
                }
                format!("{}. {}", parts.join("; "), crossings(config, lanes))
            }
            Lesson::DeadRelu => {
                let mut parts = Vec::new();
                for (i, l) in lanes.iter().enumerate() {
                    let Some(last) = l.intervals.last() else {
                        continue;
                    };
                    let peak = l
                        .intervals
                        .iter()
                        .filter_map(|r| r.dead_fraction.first().copied())
                        .fold(0.0f32, f32::max);
                    let now = last.dead_fraction.first().copied().unwrap_or(0.0);
                    let what = if config.activations[i] == Activation::LeakyRelu {
                        "off on every probe image (still passing a small gradient)"
                    } else {
                        "dead"
                    };
                    parts.push(format!(
                        "{}: {} of the first layer's units {what} at the end (at most {} during the race)",
                        name(i),
                        percent(now),
                        percent(peak)
                    ));
                }
                format!(
                    "At learning rate {}, {}.",
                    config.learning_rate,
                    parts.join("; ")
                )
            }
            Lesson::LearningRates | Lesson::ModernActivations => {
                let mut finals: Vec<(usize, f32)> = lanes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| l.intervals.last().map(|r| (i, r.val_accuracy)))
                    .collect();
                finals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let ranked: Vec<String> = finals
                    .iter()
                    .map(|&(i, acc)| format!("{} {}", name(i), percent(acc)))
                    .collect();
                format!(
                    "Final validation accuracy, best first: {}. {}",
                    ranked.join(", "),
                    crossings(config, lanes)
                )
            }
        };
        for (i, l) in lanes.iter().enumerate() {
            if let Some(e) = l.epochs.iter().find(|e| e.diverged) {
                text += &format!(
                    " {} diverged in epoch {} (its loss became infinite).",
                    name(i),
                    e.epoch
                );
            }
        }
        text.push(' ');
        text += &test_accuracies(config, lanes);
        text
    }
}

impl FromStr for Lesson {
    type Err = String;

    fn from_str(s: &str) -> Result<Lesson, String> {
        let s = s.trim().to_ascii_lowercase();
        Lesson::ALL
            .into_iter()
            .find(|l| l.id() == s)
            .ok_or_else(|| {
                let ids: Vec<&str> = Lesson::ALL.iter().map(|l| l.id()).collect();
                format!("the lessons are {}", ids.join(", "))
            })
    }
}

/// Progress in epochs at which a lane's validation accuracy first reached `target`.
pub fn crossing(intervals: &[IntervalReport], target: f32) -> Option<f64> {
    intervals
        .iter()
        .find(|r| r.val_accuracy >= target)
        .map(|r| r.epochs_done)
}

/// "ReLU crossed 95% after 0.70 epochs, Sigmoid never did (best 93.8%)." — the lanes that
/// crossed the finish line in order, then the others with their best validation accuracy.
fn crossings(config: &RaceConfig, lanes: &[LaneRun<'_>]) -> String {
    let target = config.target_accuracy;
    let mut crossed: Vec<(usize, f64)> = Vec::new();
    let mut never: Vec<(usize, f32)> = Vec::new();
    for (i, l) in lanes.iter().enumerate() {
        if l.intervals.is_empty() {
            continue;
        }
        match crossing(l.intervals, target) {
            Some(at) => crossed.push((i, at)),
            None => never.push((
                i,
                l.intervals
                    .iter()
                    .map(|r| r.val_accuracy)
                    .fold(0.0, f32::max),
            )),
        }
    }
    crossed.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut parts: Vec<String> = crossed
        .iter()
        .enumerate()
        .map(|(k, &(i, at))| {
            let line = if k == 0 {
                format!(" crossed {}", percent(target))
            } else {
                String::new()
            };
            format!("{}{line} after {at:.2} epochs", config.lane_label(i))
        })
        .collect();
    parts.extend(never.iter().map(|&(i, best)| {
        let verb = if crossed.is_empty() {
            format!("never reached {}", percent(target))
        } else {
            "never did".into()
        };
        format!("{} {verb} (best {})", config.lane_label(i), percent(best))
    }));
    format!("{}.", parts.join(", "))
}

/// "Test accuracy after 5 epochs: Sigmoid 92.3%, ReLU 97.4%." — each lane's last epoch report.
fn test_accuracies(config: &RaceConfig, lanes: &[LaneRun<'_>]) -> String {
    let parts: Vec<String> = lanes
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let e = l.epochs.last()?;
            Some(format!(
                "{} {} (epoch {})",
                config.lane_label(i),
                percent(e.test_accuracy),
                e.epoch
            ))
        })
        .collect();
    if parts.is_empty() {
        "No lane finished an epoch, so there is no test accuracy yet.".into()
    } else {
        format!("Test accuracy: {}.", parts.join(", "))
    }
}

/// A fraction as a percentage with one decimal, computed in f64 (so that a test recomputing it
/// in JavaScript from the same f32 gets the same digits).
pub fn percent(fraction: f32) -> String {
    format!("{:.1}%", 100.0 * f64::from(fraction))
}

/// A fraction as a percentage with two significant digits: 61%, 4.2%, 0.0031%.
fn percent_sig(fraction: f32) -> String {
    format!("{}%", sig(100.0 * fraction))
}

/// Two significant digits, without exponent: 61, 4.2, 0.0031.
fn sig(x: f32) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (1 - magnitude).max(0) as usize;
    format!("{x:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::CLASSES;

    fn interval(epochs_done: f64, acc: f32) -> IntervalReport {
        IntervalReport {
            lane: 0,
            activation: Activation::Relu,
            epoch: epochs_done.ceil().max(1.0) as u32,
            epochs_done,
            samples_seen: 0,
            train_loss: 1.0,
            val_loss: 1.0,
            val_accuracy: acc,
            samples_per_sec: 0.0,
            elapsed_secs: 0.0,
            grad_norms: vec![0.1, 0.2, 0.4],
            dead_fraction: vec![0.0, 0.0],
            saturated_fraction: vec![0.0, 0.0],
            activation_mean: vec![0.5, 0.5],
            activation_std: vec![0.1, 0.1],
            activation_histogram: vec![],
            mean_abs_slope: vec![0.2, 0.2],
            signal_share: vec![0.04, 0.2],
            sparsity: vec![0.0, 0.0],
        }
    }

    fn epoch(n: u32, test: f32) -> EpochReport {
        EpochReport {
            lane: 0,
            activation: Activation::Relu,
            epoch: n,
            samples_seen: 0,
            train_loss: 1.0,
            val_loss: 1.0,
            val_accuracy: test,
            test_loss: 1.0,
            test_accuracy: test,
            confusion: [[0; CLASSES]; CLASSES],
            grad_norms: vec![],
            dead_fraction: vec![],
            saturated_fraction: vec![],
            activation_mean: vec![],
            activation_std: vec![],
            activation_histogram: vec![],
            mean_abs_slope: vec![],
            signal_share: vec![],
            sparsity: vec![],
            samples_per_sec: 0.0,
            epoch_secs: 0.0,
            elapsed_secs: 0.0,
            diverged: false,
        }
    }

    fn runs<'a>(lanes: &'a [(Vec<IntervalReport>, Vec<EpochReport>)]) -> Vec<LaneRun<'a>> {
        lanes
            .iter()
            .map(|(i, e)| LaneRun {
                intervals: i,
                epochs: e,
            })
            .collect()
    }

    #[test]
    fn ids_round_trip_and_every_lesson_is_a_valid_race_that_fits_itself() {
        for l in Lesson::ALL {
            assert_eq!(l.id().parse::<Lesson>(), Ok(l));
            let c = l.config();
            assert!(c.validate().is_ok(), "{l:?}: {:?}", c.validate());
            assert!(l.fits(&c));
            for text in [l.title(), l.question(), l.watch(), l.summary()] {
                assert!(!text.is_empty());
            }
            // A shortened run is still the lesson; a changed activation or rate is not.
            let short = RaceConfig {
                train_size: 3_000,
                epochs: 1,
                ..c.clone()
            };
            assert!(l.fits(&short));
            let mut other = c.clone();
            other.learning_rate *= 2.0;
            other.lane_learning_rates = None;
            assert!(!l.fits(&other), "{l:?}");
        }
        assert!("DEAD-relu".parse::<Lesson>().is_ok());
        let err = "nope".parse::<Lesson>().unwrap_err();
        assert!(err.contains("fair-race") && err.contains("modern-activations"));
    }

    #[test]
    fn lessons_vary_one_thing_except_the_tuned_comparison() {
        use crate::race::Variable;
        let v = |l: Lesson| l.config().varying();
        assert_eq!(v(Lesson::FairRace), vec![Variable::Activation]);
        assert_eq!(v(Lesson::VanishingGradients), vec![Variable::Activation]);
        assert_eq!(v(Lesson::Initialisation), vec![Variable::Init]);
        assert_eq!(v(Lesson::DeadRelu), vec![Variable::Activation]);
        assert_eq!(v(Lesson::LearningRates), vec![Variable::LearningRate]);
        assert_eq!(
            v(Lesson::BestRates),
            vec![Variable::Activation, Variable::LearningRate]
        );
        assert_eq!(v(Lesson::ModernActivations), vec![Variable::Activation]);
        let init = Lesson::Initialisation.config();
        assert_eq!(init.lane_label(0), "Sigmoid · standard init");
        assert_eq!(init.batch_size, 10);
    }

    #[test]
    fn urls_carry_the_lesson_and_read_back_to_its_settings() {
        for l in Lesson::ALL {
            for class in [false, true] {
                let url = l.url(class);
                assert!(url.starts_with(&format!("?lesson={}", l.id())), "{url}");
                assert_eq!(url.contains("class=1"), class);
                let back = settings::from_query(&url);
                assert!(back.notices.is_empty(), "{:?}", back.notices);
                assert_eq!(back.config, l.config());
                assert_eq!(back.page.lesson, Some(l));
                assert_eq!(back.page.hide_settings, class);
            }
        }
    }

    #[test]
    fn fair_race_verdict_says_who_crossed_when_from_the_reports() {
        let c = Lesson::FairRace.config();
        let lanes = [
            (
                vec![interval(1.0, 0.9), interval(3.2, 0.95), interval(5.0, 0.96)],
                vec![epoch(5, 0.9231)],
            ),
            (
                vec![interval(0.25, 0.93), interval(0.7, 0.951)],
                vec![epoch(5, 0.9735)],
            ),
        ];
        let v = Lesson::FairRace.verdict(&c, &runs(&lanes));
        assert_eq!(
            v,
            "ReLU crossed 95.0% after 0.70 epochs, Sigmoid after 3.20 epochs. Test accuracy: Sigmoid 92.3% (epoch 5), ReLU 97.4% (epoch 5)."
        );
        let slow = [
            (vec![interval(5.0, 0.938)], vec![epoch(5, 0.92)]),
            (vec![interval(0.7, 0.96)], vec![epoch(5, 0.97)]),
        ];
        let v = Lesson::FairRace.verdict(&c, &runs(&slow));
        assert!(
            v.starts_with("ReLU crossed 95.0% after 0.70 epochs, Sigmoid never did (best 93.8%)."),
            "{v}"
        );
        let none = [(vec![interval(1.0, 0.5)], vec![]), (vec![], vec![])];
        let v = Lesson::FairRace.verdict(&c, &runs(&none));
        assert!(
            v.starts_with("Sigmoid never reached 95.0% (best 50.0%)."),
            "{v}"
        );
        assert!(v.ends_with("there is no test accuracy yet."), "{v}");
        let empty = [(vec![], vec![]), (vec![], vec![])];
        assert!(
            Lesson::FairRace
                .verdict(&c, &runs(&empty))
                .contains("nothing to judge")
        );
    }

    #[test]
    fn vanishing_verdict_quotes_the_signal_share_and_gradient_ratio() {
        let c = Lesson::VanishingGradients.config();
        let mut sigmoid = interval(3.0, 0.11);
        sigmoid.signal_share = vec![0.000031, 0.0001, 0.001, 0.01, 0.2];
        sigmoid.grad_norms = vec![0.0015, 0.0027, 0.01, 0.04, 0.18, 0.39];
        let mut relu = interval(3.0, 0.97);
        relu.signal_share = vec![0.61, 0.7, 0.8, 0.9, 0.95];
        relu.grad_norms = vec![0.85, 0.5, 0.34, 0.25, 0.21, 0.19];
        let lanes = [
            (vec![sigmoid], vec![epoch(3, 0.1135)]),
            (vec![relu], vec![epoch(3, 0.9698)]),
        ];
        let v = Lesson::VanishingGradients.verdict(&c, &runs(&lanes));
        assert!(v.contains(": Sigmoid's 0.0031%, ReLU's 61%."), "{v}");
        assert!(v.contains("Sigmoid 0.0038×, ReLU 4.5×"), "{v}");
        assert!(
            v.ends_with("Sigmoid 11.3% (epoch 3), ReLU 97.0% (epoch 3)."),
            "{v}"
        );
    }

    #[test]
    fn initialisation_verdict_finds_the_lowest_top_layer_mean() {
        let c = Lesson::Initialisation.config();
        let at = |e: f64, mean: f32, sat: f32, acc: f32| {
            let mut r = interval(e, acc);
            r.activation_mean = vec![0.5, 0.5, 0.3, mean];
            r.saturated_fraction = vec![0.0, 0.0, 0.0, sat];
            r
        };
        let lanes = [
            (
                vec![
                    at(0.05, 0.2, 0.3, 0.2),
                    at(0.1, 0.04, 0.62, 0.11),
                    at(2.0, 0.3, 0.1, 0.85),
                ],
                vec![epoch(2, 0.85)],
            ),
            (
                vec![at(0.05, 0.45, 0.01, 0.8), at(0.5, 0.41, 0.03, 0.91)],
                vec![epoch(2, 0.93)],
            ),
        ];
        let v = Lesson::Initialisation.verdict(&c, &runs(&lanes));
        assert!(
            v.starts_with("Sigmoid · standard init: the top hidden layer's mean output fell to 0.04 (at 0.10 epochs), with up to 62.0% of its outputs saturated; Sigmoid · Glorot init: the top hidden layer's mean output fell to 0.41 (at 0.50 epochs), with up to 3.0% of its outputs saturated."),
            "{v}"
        );
        assert!(
            v.contains("Sigmoid · Glorot init crossed 90.0% after 0.50 epochs, Sigmoid · standard init never did (best 85.0%)."),
            "{v}"
        );
    }

    #[test]
    fn dead_relu_verdict_counts_dead_units_and_divergence() {
        let c = Lesson::DeadRelu.config();
        let dead = |e: f64, d: f32| {
            let mut r = interval(e, 0.9);
            r.dead_fraction = vec![d, 0.0];
            r
        };
        let mut diverged = epoch(1, 0.098);
        diverged.diverged = true;
        let lanes = [
            (
                vec![dead(0.05, 0.2), dead(1.0, 0.63), dead(2.0, 0.55)],
                vec![epoch(2, 0.93)],
            ),
            (vec![dead(0.05, 0.1), dead(1.0, 0.0)], vec![diverged]),
        ];
        let v = Lesson::DeadRelu.verdict(&c, &runs(&lanes));
        assert!(
            v.starts_with("At learning rate 1, ReLU: 55.0% of the first layer's units dead at the end (at most 63.0% during the race); Leaky ReLU: 0.0% of the first layer's units off on every probe image"),
            "{v}"
        );
        assert!(v.contains("Leaky ReLU diverged in epoch 1"), "{v}");
    }

    #[test]
    fn learning_rate_verdict_ranks_the_lanes() {
        let c = Lesson::LearningRates.config();
        let lanes = [
            (vec![interval(3.0, 0.93)], vec![epoch(3, 0.92)]),
            (
                vec![interval(0.4, 0.96), interval(3.0, 0.975)],
                vec![epoch(3, 0.97)],
            ),
            (vec![interval(3.0, 0.97)], vec![epoch(3, 0.96)]),
            (vec![interval(3.0, 0.5)], vec![epoch(3, 0.5)]),
        ];
        let v = Lesson::LearningRates.verdict(&c, &runs(&lanes));
        assert!(
            v.starts_with("Final validation accuracy, best first: ReLU · lr 0.1 97.5%, ReLU · lr 0.3 97.0%, ReLU · lr 0.01 93.0%, ReLU · lr 1 50.0%. ReLU · lr 0.1 crossed 95.0% after 0.40 epochs, ReLU · lr 0.3 after 3.00 epochs"),
            "{v}"
        );
        let best = Lesson::BestRates.verdict(&Lesson::BestRates.config(), &runs(&lanes[..2]));
        assert!(
            best.contains("tuned networks rather than a controlled one"),
            "{best}"
        );
    }

    #[test]
    fn significant_digits() {
        assert_eq!(sig(61.0), "61");
        assert_eq!(sig(4.26), "4.3");
        assert_eq!(sig(0.0031), "0.0031");
        assert_eq!(sig(0.0), "0");
        assert_eq!(percent(0.9735), "97.4%");
    }
}
