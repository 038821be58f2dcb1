//! The home screen's lists: the visits that still need the auditor or the sync (drafts,
//! and submitted visits not yet on the server), and the sent ones a page at a time, newest
//! first. Each reads only the rows it lists, through the indexes `visits_listed` and `outbox_unsent`, so opening
//! the app costs the same with a thousand visits kept as with ten.

use rusqlite::params;

use super::remote::{STATE_COLUMNS, STATE_JOINS, sync_state};
use super::rows::visit_summary;
use super::{Store, SyncState, VisitSummary};
use crate::StoreError;

/// One line of the home screen: the visit and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedVisit {
    pub summary: VisitSummary,
    pub sync: SyncState,
}

/// Where the next page of sent visits starts: after this visit, in the list's order.
#[derive(Debug, Clone, PartialEq)]
pub struct PageAfter {
    /// As stored: the page goes on from exactly this text, in SQL's order.
    started_at: String,
    id: String,
}

/// A page of sent visits, and where the next one starts if there are more.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitPage {
    pub visits: Vec<ListedVisit>,
    pub next: Option<PageAfter>,
}

/// The summary's columns (as `visit_summary` reads them), then where the visit stands.
fn listed(filter: &str) -> String {
    format!(
        "SELECT v.id, v.office_id, v.scenario, v.status, v.started_at, v.updated_at,
                (SELECT count(*) FROM answers a WHERE a.visit_id = v.id AND a.value IS NOT NULL),
                v.case_id, {STATE_COLUMNS}
         FROM visits v {STATE_JOINS}
         WHERE {filter}
         ORDER BY v.started_at DESC, v.id DESC"
    )
}

fn listed_visit(r: &rusqlite::Row) -> rusqlite::Result<ListedVisit> {
    Ok(ListedVisit {
        summary: visit_summary(r)?,
        sync: sync_state(r, 8)?,
    })
}

/// A listed visit with its place in the list's order.
fn with_key(r: &rusqlite::Row) -> rusqlite::Result<(ListedVisit, PageAfter)> {
    let key = PageAfter {
        started_at: r.get(4)?,
        id: r.get(0)?,
    };
    Ok((listed_visit(r)?, key))
}

/// Submitted, and the server has not taken its newest revision: waiting, or refused.
const UNSENT: &str =
    "EXISTS (SELECT 1 FROM outbox u WHERE u.visit_id = v.id AND u.sent_at IS NULL)";

impl Store {
    /// Drafts and submitted visits the server does not have yet, newest first: the ones
    /// the auditor may still have to act on, always listed whole. Found from the index of
    /// visits by status and the index of unsent outbox entries, not by reading every visit.
    pub fn open_visits(&self) -> Result<Vec<ListedVisit>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&listed(
            "v.id IN (SELECT id FROM visits WHERE status = 'draft'
                      UNION SELECT visit_id FROM outbox WHERE sent_at IS NULL)",
        ))?;
        let rows = stmt.query_map([], listed_visit)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Up to `limit` submitted visits the server has, newest first, starting after `after`
    /// (from the start if `None`): keyset paging on (started_at, id), so a later page costs
    /// what the first does.
    pub fn sent_visits(
        &self,
        after: Option<&PageAfter>,
        limit: usize,
    ) -> Result<VisitPage, StoreError> {
        let sent = format!("v.status = 'submitted' AND NOT {UNSENT}");
        // One row more than asked says whether there is a next page.
        let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
        let mut visits = match after {
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("{} LIMIT ?1", listed(&sent)))?;
                stmt.query_map([fetch], with_key)?
                    .collect::<Result<Vec<_>, _>>()?
            }
            Some(after) => {
                let filter = format!("{sent} AND (v.started_at, v.id) < (?2, ?3)");
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("{} LIMIT ?1", listed(&filter)))?;
                stmt.query_map(params![fetch, after.started_at, after.id], with_key)?
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        let more = visits.len() > limit;
        visits.truncate(limit);
        let next = more
            .then(|| visits.last())
            .flatten()
            .map(|(_, key)| key.clone());
        Ok(VisitPage {
            visits: visits.into_iter().map(|(v, _)| v).collect(),
            next,
        })
    }

    /// The first `pages` pages of [`Store::sent_visits`], each read from where the one
    /// before ended, and whether more are kept.
    pub fn sent_pages(
        &self,
        pages: usize,
        per_page: usize,
    ) -> Result<(Vec<ListedVisit>, bool), StoreError> {
        let (mut out, mut after) = (Vec::new(), None);
        for _ in 0..pages {
            let page = self.sent_visits(after.as_ref(), per_page)?;
            out.extend(page.visits);
            after = page.next;
            if after.is_none() {
                break;
            }
        }
        Ok((out, after.is_some()))
    }
}
