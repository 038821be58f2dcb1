//! How a branch closes the loop from findings to fixes, as rating criteria: the share of
//! its corrective actions closed on time and its repeat-defect rate, per quarter. The
//! server counts them (`actions` on the server); here they are only scored.

/// One branch's quarter of corrective actions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoopFigures {
    /// Actions due in the quarter.
    pub due: u32,
    /// Of those, closed by their due day.
    pub on_time: u32,
    /// Items re-checked by a visit approved in the quarter.
    pub rechecked: u32,
    /// Of those, failed again.
    pub repeats: u32,
}

impl LoopFigures {
    /// (value, score): the percent closed on time, which is also its score; a branch with
    /// nothing due has nothing late (100).
    pub fn on_time_score(&self) -> (f64, f64) {
        let share = if self.due == 0 {
            100.0
        } else {
            f64::from(self.on_time.min(self.due)) / f64::from(self.due) * 100.0
        };
        (share, share)
    }

    /// (value, score): the percent of re-checked items failed again, scored 100 minus it;
    /// a branch with nothing re-checked has no repeat (0%).
    pub fn repeat_score(&self) -> (f64, f64) {
        let rate = if self.rechecked == 0 {
            0.0
        } else {
            f64::from(self.repeats.min(self.rechecked)) / f64::from(self.rechecked) * 100.0
        };
        (rate, 100.0 - rate)
    }
}
