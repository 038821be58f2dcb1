//! Ratings kept per quarter, so that a screen of branch heads refreshing the rating, or
//! one client looping on it, costs a lookup rather than a computation over the quarter's
//! visits. An entry holds while `rating_inputs.version` is unchanged: triggers bump it on
//! every change a rating depends on (an approval given or undone, KPIs, publishing, a
//! methodology, the directory), made by this process or another (the command line).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::Rating;

use crate::error::AppError;
use crate::rating;

/// Quarters kept: the ones people look at are the last few; any older one asked for
/// pushes out the longest-kept.
const KEPT: usize = 16;

#[derive(Default)]
pub struct RatingCache {
    entries: Mutex<VecDeque<(Quarter, i64, Arc<Rating>)>>,
}

impl RatingCache {
    /// The quarter's rating (as published, else computed with the latest methodology),
    /// from the cache unless its inputs changed since. `conn` may be a reader: the version
    /// and the data are read in one transaction, so they belong together.
    pub fn rating(&self, conn: &mut Connection, quarter: Quarter) -> Result<Arc<Rating>, AppError> {
        let tx = conn.transaction()?;
        let version: i64 = tx
            .prepare_cached("SELECT version FROM rating_inputs")?
            .query_row([], |r| r.get(0))?;
        if let Some(hit) = self.find(quarter, version) {
            return Ok(hit);
        }
        let fresh = Arc::new(rating::rating(
            &tx,
            quarter,
            &rating::latest_methodology(&tx)?,
        )?);
        drop(tx);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|(q, v, _)| *q != quarter && *v >= version);
        if entries.len() >= KEPT {
            entries.pop_front();
        }
        entries.push_back((quarter, version, fresh.clone()));
        Ok(fresh)
    }

    fn find(&self, quarter: Quarter, version: i64) -> Option<Arc<Rating>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .find(|(q, v, _)| *q == quarter && *v == version)
            .map(|(_, _, r)| r.clone())
    }
}
