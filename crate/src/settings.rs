//! Race settings in the page's URL, so that a race can be shared and reloaded.
//!
//! `?hidden=128,64&lanes=sigmoid,relu&lr=0.1&opt=sgd&batch=64&epochs=5&seed=42&train=55000&init=glorot&target=95`
//!
//! Optional: `lane_lr=0.1,0.01` and `lane_init=standard,glorot` (one entry per lane, overriding
//! `lr` and `init`), `slope=…` (Leaky ReLU), `reports=…` (interval reports per epoch).
//!
//! Page options beside the race's settings: `lesson=<id>` (a lesson's settings, which the other
//! parameters then adjust; see [`crate::lessons`]) and `class=1` or `panel=hidden` (the settings
//! panel starts hidden, for a class following a lesson).
//!
//! Reading is forgiving and says what it did: a value that cannot be read is refused (the default
//! stays) and a value out of range is clamped, each with a notice for the page to show.

use crate::activation::Activation;
use crate::init::{InitMode, InitScheme};
use crate::lessons::Lesson;
use crate::mnist::MAX_TRAIN_SIZE;
use crate::optimizer::OptimizerKind;
use crate::race::{RaceConfig, limits};
use std::fmt::Display;
use std::str::FromStr;

/// A configuration read from a URL, with what had to be corrected.
#[derive(Clone, Debug, PartialEq)]
pub struct FromUrl {
    pub config: RaceConfig,
    pub notices: Vec<String>,
    /// The page options the address carried (the form has none: default there).
    pub page: PageOptions,
}

/// What the address says about the page rather than the race.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageOptions {
    /// The lesson the race is (`lesson=<id>`).
    pub lesson: Option<Lesson>,
    /// The settings panel is hidden (`class=1` or `panel=hidden`).
    pub hide_settings: bool,
}

/// The page always races at least one hidden layer (without one, the activation plays no part);
/// the engine and the CLI also accept none.
pub const PAGE_MIN_HIDDEN_LAYERS: usize = 1;

/// Reads a query string (with or without the leading `?`). Only the page's load reads the URL;
/// afterwards the settings flow from the form (and editing methods) into the URL.
pub fn from_query(query: &str) -> FromUrl {
    let mut config = RaceConfig::default();
    let mut notices = Vec::new();
    let mut page = PageOptions::default();
    let query = query.strip_prefix('?').unwrap_or(query);
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(raw_key), decode(raw_value))
        })
        .collect();
    // A lesson gives the starting settings wherever it stands; the other parameters adjust them.
    for (key, value) in pairs.iter().filter(|(k, _)| k == "lesson") {
        if let Some(lesson) = apply_page_option(&mut page, key, value, &mut notices) {
            config = lesson.config();
        }
    }
    for (key, value) in &pairs {
        if key != "lesson" && !is_page_option(key) {
            apply(&mut config, key, value, &mut notices);
        } else if key != "lesson" {
            apply_page_option(&mut page, key, value, &mut notices);
        }
    }
    fix_combinations(&mut config, &mut notices);
    FromUrl {
        config,
        notices: fewer(notices),
        page,
    }
}

fn is_page_option(key: &str) -> bool {
    matches!(key, "lesson" | "class" | "panel")
}

/// Applies one page option, with a notice for a value that cannot be read. Returns the lesson
/// when `lesson=` named one.
fn apply_page_option(
    page: &mut PageOptions,
    key: &str,
    value: &str,
    notices: &mut Vec<String>,
) -> Option<Lesson> {
    let shown = shown(key, value);
    match key {
        "lesson" => match value.parse::<Lesson>() {
            Ok(lesson) => {
                page.lesson = Some(lesson);
                return Some(lesson);
            }
            Err(e) => notices.push(refused(&shown, &e, "the settings without a lesson")),
        },
        "class" => match value.trim() {
            "1" | "true" | "yes" => page.hide_settings = true,
            "0" | "false" | "no" => page.hide_settings = false,
            _ => notices.push(refused(&shown, "class=1 or class=0", "the settings shown")),
        },
        "panel" => match value.trim() {
            "hidden" => page.hide_settings = true,
            "shown" => page.hide_settings = false,
            _ => notices.push(refused(
                &shown,
                "panel=hidden or panel=shown",
                "the settings shown",
            )),
        },
        _ => {}
    }
    None
}

/// The page's address (with `?`): the page options first (`lesson=…&class=1`), then every
/// setting ([`to_query`]).
pub fn page_query(config: &RaceConfig, page: &PageOptions) -> String {
    let mut parts = Vec::new();
    if let Some(lesson) = page.lesson {
        parts.push(format!("lesson={}", lesson.id()));
    }
    if page.hide_settings {
        parts.push("class=1".into());
    }
    parts.push(to_query(config));
    format!("?{}", parts.join("&"))
}

/// Most notices shown for one address: a garbled one may hold thousands of parameters.
pub const MAX_NOTICES: usize = 12;

/// The notices without repeats, at most [`MAX_NOTICES`] of them and a count of the rest.
fn fewer(notices: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for n in notices {
        if !kept.contains(&n) {
            kept.push(n);
        }
    }
    if kept.len() > MAX_NOTICES {
        let more = kept.len() - (MAX_NOTICES - 1);
        kept.truncate(MAX_NOTICES - 1);
        kept.push(format!(
            "… and {more} more settings were refused or ignored"
        ));
    }
    kept
}

/// The settings form's controls, as the text they hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormFields {
    pub hidden: String,
    /// One activation key per lane.
    pub activations: Vec<String>,
    /// The per-lane learning rates when the per-lane box is ticked (possibly fewer than lanes:
    /// the box was just ticked).
    pub lane_learning_rates: Option<Vec<String>>,
    /// The per-lane initialisations when the per-lane box is ticked (possibly fewer than lanes).
    pub lane_inits: Option<Vec<String>>,
    pub learning_rate: String,
    pub optimizer: String,
    pub batch_size: String,
    pub epochs: String,
    pub seed: String,
    pub train_size: String,
    pub init: String,
    /// The finish line in percent.
    pub target: String,
    /// How many seeds to race one after another.
    pub repeat_seeds: String,
}

/// The configuration the form describes: `current` with each control's value in place of its
/// setting (settings without a control, like the Leaky ReLU slope, carry over), clamped and
/// refused the same way as the URL's values, with the same notices.
pub fn from_form(current: &RaceConfig, form: &FormFields) -> FromUrl {
    let mut config = current.clone();
    let mut notices = Vec::new();
    let fields = [
        ("hidden", form.hidden.replace(' ', "")),
        ("lanes", form.activations.join(",")),
        ("lr", form.learning_rate.clone()),
        ("opt", form.optimizer.clone()),
        ("batch", form.batch_size.clone()),
        ("epochs", form.epochs.clone()),
        ("seed", form.seed.clone()),
        ("train", form.train_size.clone()),
        ("init", form.init.clone()),
        ("target", form.target.clone()),
        ("seeds", form.repeat_seeds.clone()),
    ];
    for (key, value) in &fields {
        apply(&mut config, key, value, &mut notices);
    }
    match &form.lane_learning_rates {
        Some(rates) => {
            // The box was just ticked: every new lane starts at the shared rate.
            let mut rates = rates.clone();
            while rates.len() < config.activations.len() {
                rates.push(config.learning_rate.to_string());
            }
            rates.truncate(config.activations.len());
            apply(&mut config, "lane_lr", &rates.join(","), &mut notices);
        }
        None => config.lane_learning_rates = None,
    }
    match &form.lane_inits {
        Some(inits) => {
            // The box was just ticked: every lane starts with the scheme it had.
            let mut inits = inits.clone();
            for lane in inits.len()..config.activations.len() {
                inits.push(config.init_of(lane).key().to_string());
            }
            inits.truncate(config.activations.len());
            apply(&mut config, "lane_init", &inits.join(","), &mut notices);
        }
        None => config.lane_inits = None,
    }
    fix_combinations(&mut config, &mut notices);
    FromUrl {
        config,
        notices,
        page: PageOptions::default(),
    }
}

/// Editing the lanes of a configuration (the page's + and × buttons).
impl RaceConfig {
    /// Adds a lane with the first activation not racing yet (ReLU if all are), at the shared
    /// learning rate. Returns false when the race is full.
    pub fn add_lane(&mut self) -> bool {
        if self.activations.len() >= limits::MAX_LANES {
            return false;
        }
        let next = Activation::ALL
            .into_iter()
            .find(|a| !self.activations.contains(a))
            .unwrap_or(Activation::Relu);
        let init = self.init.scheme_for(next);
        self.activations.push(next);
        if let Some(rates) = &mut self.lane_learning_rates {
            rates.push(self.learning_rate);
        }
        if let Some(inits) = &mut self.lane_inits {
            inits.push(init);
        }
        true
    }

    /// Removes lane `lane` (and its learning rate). The last lane stays: returns false then.
    pub fn remove_lane(&mut self, lane: usize) -> bool {
        if self.activations.len() <= 1 || lane >= self.activations.len() {
            return false;
        }
        self.activations.remove(lane);
        if let Some(rates) = &mut self.lane_learning_rates
            && lane < rates.len()
        {
            rates.remove(lane);
        }
        if let Some(inits) = &mut self.lane_inits
            && lane < inits.len()
        {
            inits.remove(lane);
        }
        true
    }
}

/// Longest value quoted back in a notice: a garbled URL may carry kilobytes.
const SHOWN_MAX_CHARS: usize = 40;

/// `key=value` as a notice quotes it, shortened, with control and bidirectional-formatting
/// characters replaced (an address could otherwise reverse or hide the rest of the notice).
fn shown(key: &str, value: &str) -> String {
    let visible: String = format!("{key}={value}")
        .chars()
        .map(|c| {
            let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect();
    shorten(&visible, SHOWN_MAX_CHARS)
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Applies one setting given as text (a URL parameter or a form control), clamping or refusing
/// a bad value with a notice.
pub fn apply(config: &mut RaceConfig, key: &str, value: &str, notices: &mut Vec<String>) {
    let shown = shown(key, value);
    let mut n = |msg: String| notices.push(msg);
    match key {
        "hidden" => match parse_list::<usize>(value) {
            Ok(mut widths) => {
                if widths.len() < PAGE_MIN_HIDDEN_LAYERS || widths.len() > limits::MAX_HIDDEN_LAYERS
                {
                    n(format!(
                        "'{shown}': the page races 1–{} hidden layers; using {}",
                        limits::MAX_HIDDEN_LAYERS,
                        join(&config.hidden)
                    ));
                    return;
                }
                let mut clamped = false;
                for w in &mut widths {
                    let c = (*w).clamp(1, limits::MAX_WIDTH);
                    clamped |= c != *w;
                    *w = c;
                }
                if clamped {
                    n(format!(
                        "'{shown}': widths must be 1–{}; using {}",
                        limits::MAX_WIDTH,
                        join(&widths)
                    ));
                }
                config.hidden = widths;
            }
            Err(e) => n(refused(&shown, &e, &join(&config.hidden))),
        },
        "lanes" => match parse_list::<Activation>(value) {
            Ok(acts) if (1..=limits::MAX_LANES).contains(&acts.len()) => config.activations = acts,
            Ok(_) => n(format!(
                "'{shown}': a race has 1–{} lanes; using {}",
                limits::MAX_LANES,
                keys(&config.activations)
            )),
            Err(e) => n(refused(&shown, &e, &keys(&config.activations))),
        },
        "lr" => {
            config.learning_rate = number(
                &shown,
                value,
                config.learning_rate,
                limits::MIN_LEARNING_RATE,
                limits::MAX_LEARNING_RATE,
                &mut n,
            )
        }
        "lane_lr" => match parse_list::<f32>(value) {
            Ok(rates) => {
                let clamped: Vec<f32> = rates
                    .iter()
                    .map(|r| {
                        if r.is_finite() {
                            r.clamp(limits::MIN_LEARNING_RATE, limits::MAX_LEARNING_RATE)
                        } else {
                            config.learning_rate
                        }
                    })
                    .collect();
                if clamped != rates {
                    n(format!(
                        "'{shown}': learning rates must be {}–{}; using {}",
                        limits::MIN_LEARNING_RATE,
                        limits::MAX_LEARNING_RATE,
                        join(&clamped)
                    ));
                }
                config.lane_learning_rates = Some(clamped);
            }
            Err(e) => n(refused(&shown, &e, "the shared learning rate")),
        },
        "lane_init" => match parse_list::<InitScheme>(value) {
            Ok(inits) => config.lane_inits = Some(inits),
            Err(e) => n(refused(&shown, &e, config.init.key())),
        },
        "opt" => match value.parse::<OptimizerKind>() {
            Ok(o) => config.optimizer = o,
            Err(e) => n(refused(&shown, &e, config.optimizer.key())),
        },
        "init" => match value.parse::<InitMode>() {
            Ok(i) => config.init = i,
            Err(e) => n(refused(&shown, &e, config.init.key())),
        },
        "batch" => {
            config.batch_size = number(
                &shown,
                value,
                config.batch_size,
                1,
                limits::MAX_BATCH,
                &mut n,
            )
        }
        "epochs" => {
            config.epochs = number(&shown, value, config.epochs, 1, limits::MAX_EPOCHS, &mut n)
        }
        "seed" => config.seed = number(&shown, value, config.seed, 0, u32::MAX, &mut n),
        "train" => {
            config.train_size = number(
                &shown,
                value,
                config.train_size,
                limits::MIN_TRAIN_SIZE,
                MAX_TRAIN_SIZE,
                &mut n,
            )
        }
        "target" => {
            let pct = number(
                &shown,
                value,
                config.target_accuracy * 100.0,
                10.0,
                100.0,
                &mut n,
            );
            config.target_accuracy = pct / 100.0;
        }
        "slope" => config.leaky_slope = number(&shown, value, config.leaky_slope, 0.0, 0.5, &mut n),
        "reports" => {
            config.reports_per_epoch = number(
                &shown,
                value,
                config.reports_per_epoch,
                1,
                limits::MAX_REPORTS_PER_EPOCH,
                &mut n,
            )
        }
        "seeds" => {
            config.repeat_seeds = number(
                &shown,
                value,
                config.repeat_seeds,
                1,
                limits::MAX_REPEAT_SEEDS,
                &mut n,
            )
        }
        _ => n(format!("ignored the unknown setting '{shown}'")),
    }
}

/// Settings that are fine alone but not together.
fn fix_combinations(config: &mut RaceConfig, notices: &mut Vec<String>) {
    if let Some(rates) = &config.lane_learning_rates
        && rates.len() != config.activations.len()
    {
        notices.push(format!(
            "{} per-lane learning rates for {} lanes; using the shared rate {}",
            rates.len(),
            config.activations.len(),
            config.learning_rate
        ));
        config.lane_learning_rates = None;
    }
    if let Some(inits) = &config.lane_inits
        && inits.len() != config.activations.len()
    {
        notices.push(format!(
            "{} per-lane initialisations for {} lanes; using {} for all",
            inits.len(),
            config.activations.len(),
            config.init.key()
        ));
        config.lane_inits = None;
    }
    let last_seed = u32::MAX - (config.repeat_seeds - 1);
    if config.seed > last_seed {
        notices.push(format!(
            "{} seeds from {} would run past {}; starting from {last_seed}",
            config.repeat_seeds,
            config.seed,
            u32::MAX
        ));
        config.seed = last_seed;
    }
    if config.batch_size > config.train_size {
        notices.push(format!(
            "batch size {} exceeds the training set; using {}",
            config.batch_size, config.train_size
        ));
        config.batch_size = config.train_size;
    }
    debug_assert!(config.validate().is_ok(), "{:?}", config.validate());
}

/// Every setting as `(key, value)` text, in a stable order (optional ones only when they differ
/// from the study's default).
pub fn to_pairs(c: &RaceConfig) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("hidden", join(&c.hidden)),
        ("lanes", keys(&c.activations)),
        ("lr", c.learning_rate.to_string()),
    ];
    if let Some(rates) = &c.lane_learning_rates {
        pairs.push(("lane_lr", join(rates)));
    }
    if let Some(inits) = &c.lane_inits {
        pairs.push(("lane_init", join(inits)));
    }
    pairs.extend([
        ("opt", c.optimizer.key().to_string()),
        ("batch", c.batch_size.to_string()),
        ("epochs", c.epochs.to_string()),
        ("seed", c.seed.to_string()),
        ("train", c.train_size.to_string()),
        ("init", c.init.key().to_string()),
        // Percent with at most two decimals, without float noise (95, not 95.00000238).
        (
            "target",
            ((c.target_accuracy as f64 * 10_000.0).round() / 100.0).to_string(),
        ),
    ]);
    let defaults = RaceConfig::default();
    if c.leaky_slope != defaults.leaky_slope {
        pairs.push(("slope", c.leaky_slope.to_string()));
    }
    if c.reports_per_epoch != defaults.reports_per_epoch {
        pairs.push(("reports", c.reports_per_epoch.to_string()));
    }
    if c.repeat_seeds != defaults.repeat_seeds {
        pairs.push(("seeds", c.repeat_seeds.to_string()));
    }
    pairs
}

/// Writes every setting as a query string (without `?`), each value percent-encoded.
pub fn to_query(c: &RaceConfig) -> String {
    to_pairs(c)
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encoding of one query value: unreserved characters (RFC 3986) and the list separator
/// `,` stay as they are, so the address stays readable (`hidden=128,64`); every other byte of the
/// UTF-8 text becomes `%XX`.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn refused(shown: &str, why: &str, kept: &str) -> String {
    // A parser's reason may quote the whole bad value: keep it short too.
    format!(
        "'{shown}' was refused ({}); using {kept}",
        shorten(why, 2 * SHOWN_MAX_CHARS + 40)
    )
}

/// Parses a number and clamps it into [lo, hi], with a notice for either correction.
fn number<T>(
    shown: &str,
    value: &str,
    default: T,
    lo: T,
    hi: T,
    notice: &mut impl FnMut(String),
) -> T
where
    T: FromStr + PartialOrd + Copy + Display,
{
    match value.trim().parse::<T>() {
        Ok(v) if v.partial_cmp(&v).is_none() => {
            notice(refused(shown, "not a number", &default.to_string()));
            default
        }
        Ok(v) if v < lo => {
            notice(format!("'{shown}' is below the minimum; using {lo}"));
            lo
        }
        Ok(v) if v > hi => {
            notice(format!("'{shown}' is above the maximum; using {hi}"));
            hi
        }
        Ok(v) => v,
        Err(_) => {
            notice(refused(shown, "not a valid number", &default.to_string()));
            default
        }
    }
}

fn parse_list<T: FromStr>(value: &str) -> Result<Vec<T>, String>
where
    T::Err: Display,
{
    if value.trim().is_empty() {
        return Err("empty list".into());
    }
    value
        .split(',')
        .map(|item| {
            item.trim()
                .parse::<T>()
                .map_err(|e| format!("'{}': {e}", item.trim()))
        })
        .collect()
}

fn join<T: Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn keys(acts: &[Activation]) -> String {
    acts.iter().map(|a| a.key()).collect::<Vec<_>>().join(",")
}

/// Percent-decoding of one query component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_is_the_study() {
        let r = from_query("");
        assert_eq!(r.config, RaceConfig::default());
        assert!(r.notices.is_empty());
    }

    #[test]
    fn round_trips() {
        let c = RaceConfig {
            hidden: vec![256, 128, 64],
            activations: vec![Activation::Tanh, Activation::LeakyRelu, Activation::Relu],
            learning_rate: 0.05,
            lane_learning_rates: Some(vec![0.1, 0.01, 0.02]),
            optimizer: OptimizerKind::Adam,
            batch_size: 32,
            epochs: 12,
            seed: 7,
            train_size: 20_000,
            init: InitMode::PerActivation,
            lane_inits: Some(vec![
                InitScheme::Standard,
                InitScheme::Glorot,
                InitScheme::He,
            ]),
            target_accuracy: 0.975,
            leaky_slope: 0.05,
            reports_per_epoch: 10,
            ..RaceConfig::default()
        };
        let q = to_query(&c);
        let back = from_query(&format!("?{q}"));
        assert!(back.notices.is_empty(), "{:?}", back.notices);
        assert_eq!(back.config, c);
        assert_eq!(
            to_query(&RaceConfig::default()),
            "hidden=128,64&lanes=sigmoid,relu&lr=0.1&opt=sgd&batch=64&epochs=5&seed=42&train=55000&init=glorot&target=95"
        );
    }

    #[test]
    fn garbage_is_refused_or_clamped_with_notices() {
        let r = from_query(
            "lr=abc&batch=0&epochs=9999&lanes=relu,mish&hidden=128,x&seed=-4&bogus=1&train=1e9&target=250&lr=NaN",
        );
        let c = &r.config;
        assert_eq!(c.learning_rate, 0.1);
        assert_eq!(c.batch_size, 1);
        assert_eq!(c.epochs, limits::MAX_EPOCHS);
        assert_eq!(c.activations, RaceConfig::default().activations);
        assert_eq!(c.hidden, vec![128, 64]);
        assert_eq!(c.seed, 42);
        assert_eq!(c.train_size, 55_000);
        assert_eq!(c.target_accuracy, 1.0);
        assert!(c.validate().is_ok());
        let all = r.notices.join("\n");
        for needle in [
            "'lr=abc' was refused",
            "'batch=0' is below",
            "'epochs=9999' is above",
            "mish",
            "'hidden=128,x' was refused",
            "seed=-4",
            "unknown setting 'bogus=1'",
            "'lr=NaN' was refused",
            "'target=250' is above",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
    }

    #[test]
    fn decodes_percent_escapes_and_fixes_inconsistent_settings() {
        let r = from_query(
            "hidden=64%2C32&lanes=Leaky%20ReLU%2Ctanh&lane_lr=0.1&batch=5000&train=1000",
        );
        assert_eq!(r.config.hidden, vec![64, 32]);
        assert_eq!(
            r.config.activations,
            vec![Activation::LeakyRelu, Activation::Tanh]
        );
        assert_eq!(r.config.lane_learning_rates, None);
        assert_eq!(r.config.batch_size, 1000);
        assert!(r.config.validate().is_ok());
        assert_eq!(r.notices.len(), 3, "{:?}", r.notices);
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn encoding_round_trips_any_text() {
        for text in ["128,64", "a b&c=d", "ünïcödé ✓", "%41", "<script>", "+"] {
            let encoded = encode(text);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~,%".contains(&b)),
                "{encoded}"
            );
            assert_eq!(decode(&encoded), text);
        }
        assert_eq!(encode("0.1"), "0.1");
    }

    #[test]
    fn long_values_are_shortened_in_notices() {
        let long = "x".repeat(10_000);
        let r = from_query(&format!("lanes={long}&{long}=1"));
        assert_eq!(r.notices.len(), 2);
        assert!(
            r.notices.iter().all(|n| n.chars().count() < 200),
            "{:?}",
            r.notices
        );
        assert_eq!(r.config, RaceConfig::default());
    }

    #[test]
    fn the_form_edits_the_current_settings() {
        let current = RaceConfig {
            leaky_slope: 0.05,
            ..RaceConfig::default()
        };
        let mut form = FormFields {
            hidden: "64, 32".into(),
            activations: vec!["tanh".into(), "relu".into(), "sigmoid".into()],
            lane_learning_rates: Some(vec!["0.5".into()]),
            lane_inits: None,
            learning_rate: "0.2".into(),
            optimizer: "adam".into(),
            batch_size: "0".into(),
            epochs: "3".into(),
            seed: "7".into(),
            train_size: "1000".into(),
            init: "he".into(),
            target: "97.5".into(),
            repeat_seeds: "3".into(),
        };
        let r = from_form(&current, &form);
        let c = &r.config;
        assert_eq!(c.hidden, vec![64, 32]);
        assert_eq!(
            c.activations,
            vec![Activation::Tanh, Activation::Relu, Activation::Sigmoid]
        );
        // The just-ticked box fills the new lanes with the shared rate.
        assert_eq!(c.lane_learning_rates, Some(vec![0.5, 0.2, 0.2]));
        assert_eq!(c.optimizer, OptimizerKind::Adam);
        assert_eq!(c.batch_size, 1);
        assert_eq!((c.epochs, c.seed, c.train_size), (3, 7, 1000));
        assert_eq!(c.init, InitMode::He);
        assert_eq!(c.target_accuracy, 0.975);
        assert_eq!(c.repeat_seeds, 3);
        // A setting without a control carries over.
        assert_eq!(c.leaky_slope, 0.05);
        assert_eq!(r.notices.len(), 1, "{:?}", r.notices);
        assert!(r.notices[0].contains("batch=0"));
        // Unticking the box drops the per-lane rates.
        form.lane_learning_rates = None;
        assert_eq!(from_form(&current, &form).config.lane_learning_rates, None);
        // Ticking the per-lane initialisation box starts each lane with its scheme.
        form.lane_inits = Some(vec!["standard".into()]);
        assert_eq!(
            from_form(&current, &form).config.lane_inits,
            Some(vec![InitScheme::Standard, InitScheme::He, InitScheme::He])
        );
        // The form of a configuration gives it back.
        let back = from_form(&r.config, &form_of(&r.config));
        assert_eq!(back.config, r.config);
        assert!(back.notices.is_empty());
    }

    /// The form as the page fills it from a configuration.
    fn form_of(c: &RaceConfig) -> FormFields {
        let pairs: std::collections::HashMap<_, _> = to_pairs(c).into_iter().collect();
        FormFields {
            hidden: pairs["hidden"].clone(),
            activations: c.activations.iter().map(|a| a.key().to_string()).collect(),
            lane_learning_rates: c
                .lane_learning_rates
                .as_ref()
                .map(|r| r.iter().map(|x| x.to_string()).collect()),
            lane_inits: c
                .lane_inits
                .as_ref()
                .map(|i| i.iter().map(|x| x.key().to_string()).collect()),
            learning_rate: pairs["lr"].clone(),
            optimizer: pairs["opt"].clone(),
            batch_size: pairs["batch"].clone(),
            epochs: pairs["epochs"].clone(),
            seed: pairs["seed"].clone(),
            train_size: pairs["train"].clone(),
            init: pairs["init"].clone(),
            target: pairs["target"].clone(),
            repeat_seeds: c.repeat_seeds.to_string(),
        }
    }

    #[test]
    fn seeds_are_read_clamped_and_written_only_when_repeated() {
        let r = from_query("seeds=5&seed=7");
        assert_eq!((r.config.repeat_seeds, r.config.seed), (5, 7));
        assert!(r.notices.is_empty(), "{:?}", r.notices);
        assert!(to_query(&r.config).ends_with("&seeds=5"));
        assert!(!to_query(&RaceConfig::default()).contains("seeds"));
        for (query, want, notice) in [
            ("seeds=0", 1, "'seeds=0' is below the minimum; using 1"),
            ("seeds=50", 10, "'seeds=50' is above the maximum; using 10"),
            ("seeds=two", 1, "seeds=two"),
            ("seeds=-3", 1, "seeds=-3"),
            ("seeds=2.5", 1, "seeds=2.5"),
        ] {
            let r = from_query(query);
            assert_eq!(r.config.repeat_seeds, want, "{query}");
            assert_eq!(r.notices.len(), 1, "{query}: {:?}", r.notices);
            assert!(r.notices[0].contains(notice), "{query}: {:?}", r.notices);
        }
        // Seeds that would run past the largest seed start lower.
        let r = from_query("seeds=3&seed=4294967295");
        assert_eq!((r.config.repeat_seeds, r.config.seed), (3, u32::MAX - 2));
        assert!(r.notices[0].contains("run past"), "{:?}", r.notices);
        assert!(r.config.validate().is_ok());
    }

    #[test]
    fn lanes_are_added_and_removed_with_their_learning_rates() {
        let mut c = RaceConfig {
            lane_learning_rates: Some(vec![0.1, 0.01]),
            learning_rate: 0.05,
            ..RaceConfig::default()
        };
        assert!(c.add_lane());
        assert_eq!(c.activations[2], Activation::LeakyRelu);
        assert_eq!(c.lane_learning_rates, Some(vec![0.1, 0.01, 0.05]));
        assert!(c.add_lane());
        assert!(!c.add_lane(), "at most four lanes");
        assert!(c.remove_lane(0));
        assert_eq!(c.activations[0], Activation::Relu);
        assert_eq!(c.lane_learning_rates, Some(vec![0.01, 0.05, 0.05]));
        assert!(c.validate().is_ok());
        let mut one = RaceConfig {
            activations: vec![Activation::Relu],
            ..RaceConfig::default()
        };
        assert!(!one.remove_lane(0), "the last lane stays");
    }

    #[test]
    fn modern_activations_and_the_standard_init_read_from_the_url() {
        let r = from_query("lanes=gelu,swish,ELU,softplus&init=standard");
        assert!(r.notices.is_empty(), "{:?}", r.notices);
        assert_eq!(
            r.config.activations,
            vec![
                Activation::Gelu,
                Activation::Silu,
                Activation::Elu,
                Activation::Softplus
            ]
        );
        assert_eq!(r.config.init, InitMode::Standard);
        assert!(to_query(&r.config).contains("lanes=gelu,silu,elu,softplus&"));
        assert!(to_query(&r.config).contains("&init=standard&"));
    }

    #[test]
    fn lanes_may_repeat_an_activation_and_vary_the_initialisation() {
        let r = from_query("lanes=relu,relu&lane_init=standard,he&init=standard");
        assert!(r.notices.is_empty(), "{:?}", r.notices);
        assert_eq!(
            r.config.lane_inits,
            Some(vec![InitScheme::Standard, InitScheme::He])
        );
        assert_eq!(r.config.init, InitMode::Standard);
        assert_eq!(from_query(&to_query(&r.config)).config, r.config);
        let bad = from_query("lanes=relu,relu&lane_init=standard,zeros");
        assert_eq!(bad.config.lane_inits, None);
        assert!(bad.notices[0].contains("'lane_init=standard,zeros' was refused"));
        let short = from_query("lanes=relu,tanh,elu&lane_init=he");
        assert_eq!(short.config.lane_inits, None);
        assert!(short.notices[0].contains("1 per-lane initialisations for 3 lanes"));
    }

    #[test]
    fn a_lesson_gives_the_settings_and_the_others_adjust_them() {
        let r = from_query("train=3000&lesson=dead-relu&epochs=1&class=1");
        assert!(r.notices.is_empty(), "{:?}", r.notices);
        assert_eq!(r.page.lesson, Some(Lesson::DeadRelu));
        assert!(r.page.hide_settings);
        assert_eq!(r.config.train_size, 3000);
        assert_eq!(r.config.epochs, 1);
        assert_eq!(
            r.config.learning_rate,
            Lesson::DeadRelu.config().learning_rate
        );
        assert!(Lesson::DeadRelu.fits(&r.config));
        let q = page_query(&r.config, &r.page);
        assert!(q.starts_with("?lesson=dead-relu&class=1&hidden="), "{q}");
        assert_eq!(from_query(&q).config, r.config);
        assert!(from_query("panel=hidden").page.hide_settings);
        assert!(!from_query("panel=shown&class=0").page.hide_settings);
    }

    #[test]
    fn garbled_page_options_give_notices() {
        let r = from_query("lesson=<script>&class=maybe&panel=gone&lr=0.2");
        assert_eq!(r.page, PageOptions::default());
        assert_eq!(r.config.learning_rate, 0.2);
        assert_eq!(r.notices.len(), 3, "{:?}", r.notices);
        assert!(r.notices[0].contains("'lesson=<script>' was refused (the lessons are fair-race"));
        assert!(r.notices[1].contains("'class=maybe' was refused"));
        assert!(r.notices[2].contains("'panel=gone' was refused"));
    }

    #[test]
    fn too_many_layers_or_lanes_are_refused() {
        let r = from_query("hidden=1,2,3,4,5,6,7,8,9&lanes=relu,relu,relu,relu,relu&hidden=5000");
        assert_eq!(r.config.hidden, vec![limits::MAX_WIDTH]);
        assert_eq!(r.config.activations.len(), 2);
        assert_eq!(r.notices.len(), 3);
    }
}
