//! How often the race view (cards, bars, charts) is redrawn.
//!
//! While racing, reports arrive ~15 times a second; redrawing the cards and charts for each would
//! take CPU from the workers (two lanes need both cores of a small machine). So reports are shown
//! at most every [`RACE_VIEW_INTERVAL_MS`] while a lane runs; what the user did is shown at the
//! next frame.

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

#[cfg(test)]
mod tests {
    use super::*;

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
