//! How often the race view (cards, bars, charts) is redrawn.
//!
//! While racing, reports arrive ~15 times a second; redrawing the cards and charts for each would
//! take CPU from the workers (two lanes need both cores of a small machine). So reports are shown
//! at most every [`RACE_VIEW_INTERVAL_MS`] while a lane runs; what the user did is shown at the
//! next frame.
//!
//! The page is several screens long and a window shows two or three of its ten canvases, so
//! while racing a canvas off screen is redrawn only every [`OFFSCREEN_INTERVAL_MS`]
//! ([`CanvasSchedule`]); one scrolled into view is redrawn at once, and when no lane runs every
//! canvas shows the latest reports.

use super::race::Redraw;

/// Shortest time between two redraws of the race view while a race runs (4 per second).
pub const RACE_VIEW_INTERVAL_MS: f64 = 250.0;

/// What to do at an animation frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    /// Draw the race view now.
    Draw,
    /// Not yet: ask for a frame again after this many milliseconds.
    WaitMs(f64),
    /// Nothing to draw.
    Idle,
}

/// Remembers what is waiting to be shown and when the race view was last drawn.
#[derive(Clone, Debug)]
pub struct Pacer {
    drawn_at_ms: f64,
    dirty: Option<Redraw>,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer {
            drawn_at_ms: f64::NEG_INFINITY,
            dirty: None,
        }
    }
}

impl Pacer {
    /// Something changed that the race view does not show yet.
    pub fn note(&mut self, redraw: Redraw) {
        self.dirty = match (self.dirty, redraw) {
            (Some(Redraw::Now), _) | (_, Redraw::Now) => Some(Redraw::Now),
            _ => Some(Redraw::Paced),
        };
    }

    /// At a frame at `now_ms`: draw, wait or rest. `racing` is whether any lane trains (paced
    /// redraws wait only then). After `Draw`, call [`Pacer::drawn`].
    pub fn plan(&self, now_ms: f64, racing: bool) -> Plan {
        match self.dirty {
            None => Plan::Idle,
            Some(Redraw::Now) => Plan::Draw,
            Some(Redraw::Paced) => {
                let wait = self.drawn_at_ms + RACE_VIEW_INTERVAL_MS - now_ms;
                if wait <= 0.0 || !racing {
                    Plan::Draw
                } else {
                    Plan::WaitMs(wait)
                }
            }
        }
    }

    pub fn drawn(&mut self, now_ms: f64) {
        self.dirty = None;
        self.drawn_at_ms = now_ms;
    }
}

/// Shortest time between two redraws of a canvas off screen while a race runs. Off-screen
/// canvases are still kept roughly current: a full-page screenshot, or a test that reads one,
/// sees the race, not its start.
pub const OFFSCREEN_INTERVAL_MS: f64 = 2000.0;

/// Which canvases to redraw at a drawing frame, by whether they are on screen.
#[derive(Clone, Debug)]
pub struct CanvasSchedule {
    /// Per canvas: on screen (or close to it), as the browser last said.
    visible: Vec<bool>,
    /// Per canvas: when it was last drawn.
    drawn_at_ms: Vec<f64>,
    /// Per canvas: a frame skipped it, so it shows older data than the others.
    behind: Vec<bool>,
}

impl CanvasSchedule {
    /// `n` canvases, taken as visible until told otherwise (so nothing waits for the browser's
    /// first answer).
    pub fn new(n: usize) -> CanvasSchedule {
        CanvasSchedule {
            visible: vec![true; n],
            drawn_at_ms: vec![f64::NEG_INFINITY; n],
            behind: vec![false; n],
        }
    }

    /// Canvas `i` came on screen or left it. Returns whether it should be redrawn now (it came
    /// into view showing older data than the rest).
    pub fn set_visible(&mut self, i: usize, visible: bool) -> bool {
        let Some(v) = self.visible.get_mut(i) else {
            return false;
        };
        *v = visible;
        visible && self.behind[i]
    }

    /// Whether canvas `i` is to be drawn at a drawing frame at `now_ms`; `racing` as for
    /// [`Pacer::plan`]. A canvas that is not is marked as behind.
    pub fn due(&mut self, i: usize, now_ms: f64, racing: bool) -> bool {
        let Some(&visible) = self.visible.get(i) else {
            return true;
        };
        let due = !racing || visible || now_ms - self.drawn_at_ms[i] >= OFFSCREEN_INTERVAL_MS;
        if due {
            self.drawn_at_ms[i] = now_ms;
            self.behind[i] = false;
        } else {
            self.behind[i] = true;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canvases_off_screen_are_redrawn_every_two_seconds_while_racing() {
        let mut s = CanvasSchedule::new(2);
        // Until the browser says otherwise, both are drawn.
        assert!(s.due(0, 0.0, true) && s.due(1, 0.0, true));
        assert!(!s.set_visible(1, false), "not behind: nothing to redraw");
        assert!(s.due(0, 250.0, true));
        assert!(!s.due(1, 250.0, true));
        assert!(!s.due(1, 1750.0, true));
        assert!(s.due(1, 2000.0, true));
        assert!(!s.due(1, 2250.0, true));
        // Scrolled into view while behind: redrawn at once, then at every frame.
        assert!(s.set_visible(1, true));
        assert!(s.due(1, 2300.0, true) && s.due(1, 2550.0, true));
        assert!(
            !s.set_visible(1, true),
            "drawn at the last frame: not behind"
        );
        // When no lane runs, every canvas shows the latest data.
        s.set_visible(0, false);
        assert!(s.due(0, 2600.0, false));
        // An unknown canvas is always drawn, and knowing nothing of it is not an error.
        assert!(s.due(7, 0.0, true));
        assert!(!s.set_visible(7, true));
    }

    #[test]
    fn reports_are_shown_at_most_four_times_a_second_while_racing() {
        let mut p = Pacer::default();
        assert_eq!(p.plan(0.0, true), Plan::Idle);
        p.note(Redraw::Paced);
        assert_eq!(p.plan(0.0, true), Plan::Draw, "the first report at once");
        p.drawn(0.0);
        p.note(Redraw::Paced);
        assert_eq!(p.plan(100.0, true), Plan::WaitMs(150.0));
        assert_eq!(p.plan(100.0, false), Plan::Draw, "no pacing when idle");
        assert_eq!(p.plan(250.0, true), Plan::Draw);
        // What the user did is shown at once, and absorbs pending reports.
        p.note(Redraw::Now);
        p.note(Redraw::Paced);
        assert_eq!(p.plan(120.0, true), Plan::Draw);
        p.drawn(120.0);
        assert_eq!(p.plan(130.0, true), Plan::Idle);
    }
}
