//! The DOM of one lane: its card in the race strip and its prediction card under the pad, built
//! once and filled from the view's [`LaneCard`] and [`PredictionCard`] texts.

use super::dom::{append, create, set_style, set_text, text};
pub use crate::charts::LANE_COLORS;
use crate::charts::theme::LANE_INKS;
use crate::network::CLASSES;
use crate::view::race::{LaneCard, PredictionCard};
use std::cell::RefCell;
use web_sys::HtmlElement;

pub fn css_color((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// `--lane` (lines, bars, borders) and `--lane-ink` (text in the lane's colour, and the
/// background of white text: readable at 4.5:1).
fn set_lane_colors(el: &HtmlElement, index: usize) {
    set_style(el, "--lane", &css_color(LANE_COLORS[index]));
    set_style(el, "--lane-ink", &css_color(LANE_INKS[index]));
}

pub struct LaneDom {
    card: CardDom,
    bars: BarsDom,
    /// What the cards show now. The page renders several times a second while racing; a card
    /// that did not change costs no DOM call (each one crosses from wasm to JS, and the text
    /// checks read the DOM back).
    shown_card: RefCell<Option<LaneCard>>,
    shown_prediction: RefCell<Option<PredictionCard>>,
}

struct CardDom {
    root: HtmlElement,
    name: HtmlElement,
    formula: HtmlElement,
    status: HtmlElement,
    epoch: HtmlElement,
    epochs_total: HtmlElement,
    accuracy: HtmlElement,
    speed: HtmlElement,
    prediction: HtmlElement,
    progress: HtmlElement,
    progress_label: HtmlElement,
    trophy: HtmlElement,
}

struct BarsDom {
    root: HtmlElement,
    title: HtmlElement,
    top: HtmlElement,
    note: HtmlElement,
    fills: Vec<HtmlElement>,
    rows: Vec<HtmlElement>,
    pcts: Vec<HtmlElement>,
}

impl LaneDom {
    /// Builds lane `index`'s cards and appends them to the race strip and the predictions.
    pub fn new(index: usize, lanes: &HtmlElement, predictions: &HtmlElement) -> LaneDom {
        let card = build_card(index);
        let bars = build_bars(index);
        append(lanes, &card.root);
        append(predictions, &bars.root);
        LaneDom {
            card,
            bars,
            shown_card: RefCell::default(),
            shown_prediction: RefCell::default(),
        }
    }

    pub fn remove(&self) {
        self.card.root.remove();
        self.bars.root.remove();
    }

    pub fn render_card(&self, v: &LaneCard) {
        let mut shown = self.shown_card.borrow_mut();
        if shown.as_ref() == Some(v) {
            return;
        }
        *shown = Some(v.clone());
        let c = &self.card;
        set_text(&c.name, &v.name);
        set_text(&c.formula, &v.formula);
        set_text(&c.status, &v.status);
        let class = format!(
            "lane{}{}{}",
            if v.winner { " winner" } else { "" },
            if v.diverged { " diverged" } else { "" },
            if v.crashed { " crashed" } else { "" }
        );
        if c.root.class_name() != class {
            c.root.set_class_name(&class);
        }
        if c.root.title() != v.title {
            c.root.set_title(&v.title);
        }
        set_text(&c.epoch, &v.epochs_done);
        set_text(&c.epochs_total, &v.epochs_total);
        set_text(&c.accuracy, &v.accuracy);
        set_text(&c.speed, &v.speed);
        set_text(&c.prediction, &v.prediction);
        set_style(
            &c.progress,
            "transform",
            &format!("scaleX({:.4})", v.progress),
        );
        set_text(&c.progress_label, &v.progress_label);
        c.trophy.set_hidden(!v.winner);
    }

    pub fn render_prediction(&self, v: &PredictionCard) {
        let mut shown = self.shown_prediction.borrow_mut();
        if shown.as_ref() == Some(v) {
            return;
        }
        *shown = Some(v.clone());
        let b = &self.bars;
        set_text(&b.title, &v.title);
        set_text(&b.top, &v.top);
        set_text(&b.note, &v.note);
        for (k, bar) in v.bars.iter().enumerate().take(CLASSES) {
            set_style(
                &b.fills[k],
                "transform",
                &format!("scaleX({:.4})", bar.fraction),
            );
            set_text(&b.pcts[k], &bar.text);
            let class = if bar.top { "bar top" } else { "bar" };
            if b.rows[k].class_name() != class {
                b.rows[k].set_class_name(class);
            }
        }
    }
}

fn build_card(index: usize) -> CardDom {
    let root = create("div", "lane");
    root.set_attribute("data-testid", &format!("lane-{index}"))
        .ok();
    set_lane_colors(&root, index);
    let name = create("div", "name");
    let status = create("div", "status");
    let formula = create("div", "formula");
    let stats = create("div", "stats");
    // A big value with a small label after it; returns both.
    let stat = |label: &str, testid: &str| -> (HtmlElement, HtmlElement) {
        let wrap = create("span", "");
        let value = text("b", "", "—");
        if !testid.is_empty() {
            value.set_attribute("data-testid", testid).ok();
        }
        let label = text("span", "", &format!(" {label}"));
        append(&wrap, &value);
        append(&wrap, &label);
        append(&stats, &wrap);
        (value, label)
    };
    let (epoch, epochs_total) = stat("epochs", "epoch");
    let (accuracy, _) = stat("val. accuracy", "accuracy");
    let (speed, _) = stat("images/s", "");
    let (prediction, _) = stat("reads your digit", "prediction");
    let progress = create("div", "progress");
    let fill = create("div", "");
    append(&progress, &fill);
    let progress_label = create("div", "progress-label");
    let trophy = text("span", "trophy", "winner");
    trophy
        .set_attribute("title", "first to the finish line")
        .ok();
    trophy.set_hidden(true);
    for child in [
        &name,
        &status,
        &formula,
        &stats,
        &progress,
        &progress_label,
        &trophy,
    ] {
        append(&root, child);
    }
    CardDom {
        root,
        name,
        formula,
        status,
        epoch,
        epochs_total,
        accuracy,
        speed,
        prediction,
        progress: fill,
        progress_label,
        trophy,
    }
}

fn build_bars(index: usize) -> BarsDom {
    let root = create("div", "prediction-card");
    set_lane_colors(&root, index);
    let head = create("h3", "");
    let title = create("span", "");
    let top = text("span", "top", "—");
    append(&head, &title);
    append(&head, &top);
    append(&root, &head);
    let note = text("p", "muted", "draw a digit on the pad");
    append(&root, &note);
    let bars = create("div", "bars");
    let (mut fills, mut rows, mut pcts) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..CLASSES {
        append(&bars, &text("span", "", &k.to_string()));
        let row = create("div", "bar");
        let fill = create("div", "");
        append(&row, &fill);
        append(&bars, &row);
        let pct = text("span", "pct", "");
        append(&bars, &pct);
        fills.push(fill);
        rows.push(row);
        pcts.push(pct);
    }
    append(&root, &bars);
    BarsDom {
        root,
        title,
        top,
        note,
        fills,
        rows,
        pcts,
    }
}
