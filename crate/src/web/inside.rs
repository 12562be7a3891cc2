//! The views inside the networks on the page: receptive fields, the digit on the activation
//! curves, and the confusion matrices. The models and their text alternatives are built in
//! `view::inside`, drawn by `charts::{fields, curve, confusion}`; this glue sizes the canvases
//! to their layouts, redraws only what changed, and turns clicks and the unit buttons into a
//! selected unit.

use super::canvas::CanvasPainter;
use super::dom::{TextAlternative, by_id, on, set_height};
use crate::charts::canvas_pixels;
use crate::charts::confusion::ConfusionView;
use crate::view::inside::{
    confusion_table, confusion_view, curve_table, curve_view, fields_table, fields_view,
    step_selection,
};
use crate::view::race::RaceView;
use crate::view::summaries::ChartTable;
use std::cell::{Cell, RefCell};
use web_sys::{Element, Event, HtmlCanvasElement, HtmlElement, MouseEvent};

/// What the user did in the views.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// A click on the receptive fields at (x, y) CSS pixels of the canvas.
    Click(f64, f64),
    /// The previous (−1) or next (+1) unit.
    Step(isize),
}

/// A canvas, its text alternative, and what it shows now (so that it is redrawn only on change).
struct View {
    canvas: HtmlCanvasElement,
    alternative: TextAlternative,
    shown: RefCell<String>,
    /// The canvas's CSS width when last measured ([`InsideDom::measure`]).
    width: Cell<f64>,
}

impl View {
    fn find(canvas: &str, table: &str) -> Result<View, String> {
        let canvas: HtmlCanvasElement = by_id(canvas)?;
        Ok(View {
            alternative: TextAlternative::new(canvas.clone().into(), by_id(table)?),
            canvas,
            shown: RefCell::new(String::new()),
            width: Cell::new(0.0),
        })
    }

    /// The canvas's CSS width (0 when hidden), as measured last.
    fn width(&self) -> f64 {
        self.width.get()
    }

    fn measure(&self) {
        self.width.set(f64::from(self.canvas.client_width()));
    }

    /// Sizes the canvas to `css_height` and its pixels to the ratio; `false` when the canvas has
    /// no room (hidden) or nothing changed since `key` was drawn.
    fn prepare(&self, key: String, css_height: f64, dpr: f64) -> bool {
        let css_w = self.width();
        if css_w <= 0.0 {
            return false;
        }
        set_height(&self.canvas, css_height);
        let (w, h) = canvas_pixels(css_w, css_height.round(), dpr);
        let resized = self.canvas.width() != w || self.canvas.height() != h;
        if resized {
            self.canvas.set_width(w);
            self.canvas.set_height(h);
        }
        let key = format!("{key}|{w}×{h}");
        let mut shown = self.shown.borrow_mut();
        if !resized && *shown == key {
            return false;
        }
        *shown = key;
        true
    }

    fn text_alternative(&self, t: &ChartTable, racing: bool) {
        self.alternative.show(t, racing);
    }
}

/// The three views' elements.
pub struct InsideDom {
    fields: View,
    curve: View,
    confusion: View,
}

impl InsideDom {
    /// How many canvases: the receptive fields, the curves, the confusion matrices.
    pub const CANVASES: usize = 3;

    /// The canvases, in that order.
    pub fn canvases(&self) -> impl Iterator<Item = Element> + use<> {
        [&self.fields, &self.curve, &self.confusion]
            .map(|v| Element::from(v.canvas.clone()))
            .into_iter()
    }

    pub fn find() -> Result<InsideDom, String> {
        Ok(InsideDom {
            fields: View::find("inside-fields", "table-fields")?,
            curve: View::find("inside-curve", "table-curve")?,
            confusion: View::find("inside-confusion", "table-confusion")?,
        })
    }

    /// Reads the canvases' widths. Reading a width lays the page out first if the DOM changed
    /// since the last layout, so the page measures at the start of a frame, before it writes
    /// anything, and [`InsideDom::draw`] uses these widths.
    pub fn measure(&self) {
        for v in [&self.fields, &self.curve, &self.confusion] {
            v.measure();
        }
    }

    /// Redraws the views that are `due` (in the order of [`InsideDom::canvases`]) and whose
    /// data changed, and their text alternatives, at the widths of the last
    /// [`InsideDom::measure`].
    pub fn draw(&self, view: &RaceView, dpr: f64, due: [bool; Self::CANVASES]) {
        if due[0] {
            self.draw_fields(view, dpr);
        }
        if due[1] {
            self.draw_curve(view, dpr);
        }
        if due[2] {
            self.draw_confusion(view, dpr);
        }
    }

    fn draw_fields(&self, view: &RaceView, dpr: f64) {
        let fields = fields_view(view);
        let width = self.fields.width();
        // The weights change about once a second, the digit's z at each report.
        let key = format!(
            "{:?}|{:?}|{:?}",
            fields
                .lanes
                .iter()
                .map(|l| (l.epochs, l.tiles.len(), l.scale))
                .collect::<Vec<_>>(),
            fields.selected,
            view.lanes
                .iter()
                .map(|l| l.prediction.as_ref().map(|p| p.probabilities))
                .collect::<Vec<_>>()
        );
        if self.fields.prepare(key, fields.layout(width).height, dpr)
            && let Ok(mut p) = CanvasPainter::new(&self.fields.canvas)
        {
            fields.draw(&mut p, dpr);
        }
        self.fields
            .text_alternative(&fields_table(&fields), view.any_running());
    }

    fn draw_curve(&self, view: &RaceView, dpr: f64) {
        let curve = curve_view(view);
        let key = format!(
            "{:?}|{:?}",
            curve.digit,
            view.lanes
                .iter()
                .map(|l| l.prediction.as_ref().map(|p| p.probabilities))
                .collect::<Vec<_>>()
        );
        let (_, height) = curve.layout(self.curve.width());
        if self.curve.prepare(key, height, dpr)
            && let Ok(mut p) = CanvasPainter::new(&self.curve.canvas)
        {
            curve.draw(&mut p, dpr);
        }
        self.curve
            .text_alternative(&curve_table(&curve), view.any_running());
    }

    fn draw_confusion(&self, view: &RaceView, dpr: f64) {
        let confusion = confusion_view(view);
        let key = format!(
            "{:?}|{:?}",
            view.compare,
            confusion.as_ref().map(|c| (c.epoch, c.lanes.len()))
        );
        let (_, height) = ConfusionView::layout(self.confusion.width());
        if self.confusion.prepare(key, height, dpr)
            && let Ok(mut p) = CanvasPainter::new(&self.confusion.canvas)
        {
            match &confusion {
                Some(c) => {
                    c.draw(&mut p, dpr);
                }
                None => waiting(&mut p, dpr),
            }
        }
        self.confusion
            .text_alternative(&confusion_table(confusion.as_ref()), view.any_running());
    }

    /// The unit an action selects, if any.
    pub fn selection(&self, view: &RaceView, action: Action) -> Option<(usize, usize)> {
        // A click comes between frames: the layout it hit is the current one.
        self.fields.measure();
        match action {
            Action::Click(x, y) => fields_view(view).hit(self.fields.width(), (x, y)),
            Action::Step(delta) => step_selection(view, delta),
        }
    }

    /// The receptive fields' tiles at the canvas's width: (lane, unit, left, top, width) in CSS
    /// pixels (for the test hook, which clicks them).
    pub fn tiles(&self, view: &RaceView) -> Vec<(usize, usize, f64, f64, f64)> {
        self.fields.measure();
        fields_view(view)
            .layout(self.fields.width())
            .tiles
            .iter()
            .map(|&(lane, unit, r)| (lane, unit, r.left, r.top, r.width()))
            .collect()
    }
}

/// The confusion canvas before the first epoch end: a centred hint.
fn waiting(p: &mut CanvasPainter, dpr: f64) {
    use crate::charts::{HAlign, VAlign};
    if let Some(mut s) = crate::charts::surface::Surface::open(p, dpr) {
        let at = (s.width / 2.0, s.height / 3.0);
        let hint = "waiting for the end of the first epoch";
        s.text(
            hint,
            at,
            13.0,
            crate::charts::theme::MUTED,
            (HAlign::Center, VAlign::Middle),
        );
    }
}

/// Wires the clicks on the receptive fields and the unit buttons to `act`.
pub fn wire(act: fn(Action)) {
    if let Ok(canvas) = by_id::<HtmlElement>("inside-fields") {
        on::<MouseEvent>(&canvas, "click", move |e| {
            act(Action::Click(
                f64::from(e.offset_x()),
                f64::from(e.offset_y()),
            ));
        });
    }
    for (id, delta) in [("field-prev", -1), ("field-next", 1)] {
        if let Ok(b) = by_id::<HtmlElement>(id) {
            on::<Event>(&b, "click", move |_| act(Action::Step(delta)));
        }
    }
}
