//! The settings form: filled from a [`RaceConfig`], read back as [`FormFields`] (the text of each
//! control) for `settings::from_form`, which clamps and refuses exactly as for the URL.

use super::dom::{append, by_id, create, document, set_style, text};
use super::lane_dom::{LANE_COLORS, css_color};
use crate::activation::Activation;
use crate::init::InitScheme;
use crate::race::{RaceConfig, limits};
use crate::settings::FormFields;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlSelectElement};

pub struct SettingsForm {
    lane_settings: HtmlElement,
    add_lane: HtmlButtonElement,
    per_lane_lr: HtmlInputElement,
    per_lane_init: HtmlInputElement,
    hidden: HtmlInputElement,
    lr: HtmlInputElement,
    optimizer: HtmlSelectElement,
    batch: HtmlInputElement,
    epochs: HtmlInputElement,
    seed: HtmlInputElement,
    train: HtmlInputElement,
    init: HtmlSelectElement,
    target: HtmlInputElement,
    repeat_seeds: HtmlInputElement,
}

impl SettingsForm {
    pub fn find() -> Result<SettingsForm, String> {
        Ok(SettingsForm {
            lane_settings: by_id("lane-settings")?,
            add_lane: by_id("add-lane")?,
            per_lane_lr: by_id("per-lane-lr")?,
            per_lane_init: by_id("per-lane-init")?,
            hidden: by_id("hidden")?,
            lr: by_id("lr")?,
            optimizer: by_id("optimizer")?,
            batch: by_id("batch")?,
            epochs: by_id("epochs")?,
            seed: by_id("seed")?,
            train: by_id("train")?,
            init: by_id("init")?,
            target: by_id("target")?,
            repeat_seeds: by_id("seeds")?,
        })
    }

    /// Shows `c` in the controls.
    pub fn render(&self, c: &RaceConfig) {
        self.lane_settings.set_inner_html("");
        let per_lane = c.lane_learning_rates.is_some();
        self.per_lane_lr.set_checked(per_lane);
        let per_lane_init = c.lane_inits.is_some();
        self.per_lane_init.set_checked(per_lane_init);
        for (i, act) in c.activations.iter().enumerate() {
            let row = create("div", "lane-setting");
            let swatch = create("span", "swatch");
            set_style(&swatch, "background", &css_color(LANE_COLORS[i]));
            append(&row, &swatch);
            let select: HtmlSelectElement = create("select", "lane-activation").unchecked_into();
            select
                .set_attribute("aria-label", &format!("Lane {} activation", i + 1))
                .ok();
            for a in Activation::ALL {
                let opt = text("option", "", a.label());
                opt.set_attribute("value", a.key()).ok();
                append(&select, &opt);
            }
            select.set_value(act.key());
            append(&row, &select);
            if per_lane {
                let lr: HtmlInputElement = create("input", "lane-lr").unchecked_into();
                lr.set_type("number");
                lr.set_step("any");
                lr.set_attribute("aria-label", &format!("Lane {} learning rate", i + 1))
                    .ok();
                lr.set_value(&c.learning_rate_of(i).to_string());
                append(&row, &lr);
            }
            if per_lane_init {
                let init: HtmlSelectElement = create("select", "lane-init").unchecked_into();
                init.set_attribute("aria-label", &format!("Lane {} initialisation", i + 1))
                    .ok();
                for scheme in InitScheme::ALL {
                    let opt = text("option", "", scheme.label());
                    opt.set_attribute("value", scheme.key()).ok();
                    append(&init, &opt);
                }
                init.set_value(c.init_of(i).key());
                append(&row, &init);
            }
            if c.activations.len() > 1 {
                let remove = text("button", "small remove", "×");
                remove.set_attribute("type", "button").ok();
                remove.set_attribute("data-remove", &i.to_string()).ok();
                remove
                    .set_attribute("aria-label", &format!("Remove lane {}", i + 1))
                    .ok();
                append(&row, &remove);
            }
            append(&self.lane_settings, &row);
        }
        self.add_lane
            .set_disabled(c.activations.len() >= limits::MAX_LANES);
        self.hidden.set_value(
            &c.hidden
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(","),
        );
        self.lr.set_value(&c.learning_rate.to_string());
        self.lr.set_disabled(per_lane);
        self.optimizer.set_value(c.optimizer.key());
        self.batch.set_value(&c.batch_size.to_string());
        self.epochs.set_value(&c.epochs.to_string());
        self.seed.set_value(&c.seed.to_string());
        self.train.set_value(&c.train_size.to_string());
        self.init.set_value(c.init.key());
        self.target.set_value(&format!(
            "{}",
            (c.target_accuracy as f64 * 1000.0).round() / 10.0
        ));
        self.repeat_seeds.set_value(&c.repeat_seeds.to_string());
    }

    /// What the controls hold now.
    pub fn read(&self) -> FormFields {
        let values = |selector: &str| -> Vec<String> {
            query_all(&format!("#lane-settings {selector}"))
                .iter()
                .map(|e| {
                    if let Some(s) = e.dyn_ref::<HtmlSelectElement>() {
                        s.value()
                    } else if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
                        i.value()
                    } else {
                        String::new()
                    }
                })
                .collect()
        };
        FormFields {
            hidden: self.hidden.value(),
            activations: values(".lane-activation"),
            lane_learning_rates: self.per_lane_lr.checked().then(|| values(".lane-lr")),
            lane_inits: self.per_lane_init.checked().then(|| values(".lane-init")),
            learning_rate: self.lr.value(),
            optimizer: self.optimizer.value(),
            batch_size: self.batch.value(),
            epochs: self.epochs.value(),
            seed: self.seed.value(),
            train_size: self.train.value(),
            init: self.init.value(),
            target: self.target.value(),
            repeat_seeds: self.repeat_seeds.value(),
        }
    }

    /// Puts a preset's hidden widths in the form (then read as usual).
    pub fn set_hidden(&self, widths: &str) {
        self.hidden.set_value(widths);
    }
}

fn query_all(selector: &str) -> Vec<Element> {
    let mut out = Vec::new();
    if let Ok(list) = document().query_selector_all(selector) {
        for i in 0..list.length() {
            if let Some(n) = list.item(i) {
                out.push(n.unchecked_into());
            }
        }
    }
    out
}
