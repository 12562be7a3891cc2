//! The Lessons panel: a link per lesson (a lesson is an address, so following one is an ordinary
//! navigation: the back button and sharing work), the current lesson's question, what to watch
//! and, when its race has ended, the verdict the race view wrote from the reports; and the
//! settings panel's show/hide button (a lesson for a class hides the settings).

use super::dom::{append, by_id, create, set_text, text};
use crate::lessons::Lesson;
use crate::settings::PageOptions;
use crate::view::race::RaceView;
use std::cell::RefCell;
use web_sys::{HtmlButtonElement, HtmlElement};

pub struct LessonsPanel {
    /// The lessons' links, in [`Lesson::ALL`]'s order.
    links: Vec<HtmlElement>,
    current: HtmlElement,
    title: HtmlElement,
    question: HtmlElement,
    watch: HtmlElement,
    verdict: HtmlElement,
    toggle: HtmlButtonElement,
    settings: HtmlElement,
    main: HtmlElement,
    /// What the panel shows now (page options, verdict, whether the race started): it is
    /// rendered with the race view, several times a second, and changes only between races.
    shown: RefCell<Option<(PageOptions, Option<String>, bool)>>,
}

impl LessonsPanel {
    /// Finds the panel's elements and fills the list of lessons.
    pub fn find() -> Result<LessonsPanel, String> {
        let list: HtmlElement = by_id("lesson-list")?;
        let mut links = Vec::new();
        for lesson in Lesson::ALL {
            let item = create("li", "");
            let link = create("a", "lesson-link");
            link.set_attribute("data-testid", &format!("lesson-{}", lesson.id()))
                .ok();
            append(&link, &text("span", "lesson-title", lesson.title()));
            append(&link, &text("span", "lesson-summary", lesson.summary()));
            append(&item, &link);
            append(&list, &item);
            links.push(link);
        }
        Ok(LessonsPanel {
            links,
            current: by_id("lesson-current")?,
            title: by_id("lesson-title")?,
            question: by_id("lesson-question")?,
            watch: by_id("lesson-watch")?,
            verdict: by_id("lesson-verdict")?,
            toggle: by_id("toggle-settings")?,
            settings: by_id("settings-panel")?,
            main: by_id("main")?,
            shown: RefCell::default(),
        })
    }

    pub fn render(&self, view: &RaceView) {
        let state = (view.page, view.verdict.clone(), view.started());
        let mut shown = self.shown.borrow_mut();
        if shown.as_ref() == Some(&state) {
            return;
        }
        *shown = Some(state);
        let page = view.page;
        for (lesson, link) in Lesson::ALL.into_iter().zip(&self.links) {
            // A class keeps its hidden settings from lesson to lesson.
            let href = lesson.url(page.hide_settings);
            if link.get_attribute("href").as_deref() != Some(&href) {
                link.set_attribute("href", &href).ok();
            }
            let current = page.lesson == Some(lesson);
            let marked = link.get_attribute("aria-current").is_some();
            if current && !marked {
                link.set_attribute("aria-current", "page").ok();
            } else if !current && marked {
                link.remove_attribute("aria-current").ok();
            }
        }
        match page.lesson {
            Some(lesson) => {
                self.current.set_hidden(false);
                set_text(&self.title, lesson.title());
                set_text(&self.question, lesson.question());
                set_text(&self.watch, lesson.watch());
                let verdict = match (&view.verdict, view.started()) {
                    (Some(v), _) => v.as_str(),
                    (None, true) => "The verdict appears here when the race ends.",
                    (None, false) => "Guess, then press Start race.",
                };
                set_text(&self.verdict, verdict);
                set_class(&self.verdict, "judged", view.verdict.is_some());
            }
            None => self.current.set_hidden(true),
        }
        let hidden = page.hide_settings;
        self.settings.set_hidden(hidden);
        set_class(&self.main, "settings-hidden", hidden);
        set_text(
            &self.toggle,
            if hidden {
                "Show the settings"
            } else {
                "Hide the settings"
            },
        );
        self.toggle
            .set_attribute("aria-expanded", if hidden { "false" } else { "true" })
            .ok();
        // Outside a lesson the settings are hidden only by the address: the button brings
        // them back, and is not needed otherwise.
        self.toggle.set_hidden(page.lesson.is_none() && !hidden);
    }
}

/// Adds or removes one class (only when it changes: the page renders several times a second).
fn set_class(el: &HtmlElement, class: &str, on: bool) {
    let current = el.class_name();
    let has = current.split_whitespace().any(|c| c == class);
    if has != on {
        let mut classes: Vec<&str> = current.split_whitespace().filter(|c| *c != class).collect();
        if on {
            classes.push(class);
        }
        el.set_class_name(&classes.join(" "));
    }
}
