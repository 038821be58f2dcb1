//! Whose data the store holds. A phone may be shared, but the store holds one user's data
//! at a time: signing in as someone else first forgets the previous user's visits, answers,
//! comments, photos, review notes, assignments and notifications, and is refused while any of their work
//! is not on the server yet. Keeping several users' data side by side and hidden would put
//! a user filter into every query of the app and the sync engine (which pushes the outbox
//! with the signed-in user's token); one missed filter would show or send another user's
//! visits. With one owner, no query needs to know about users.

use rusqlite::{Connection, OptionalExtension, params};

use super::Store;
use super::remote::{CURSOR_KEY, LAST_SYNC_KEY};
use super::settings::put_setting;
use crate::StoreError;

const OWNER_KEY: &str = "store.owner";

/// Visits not on the server yet: drafts (a correction being made included) and submitted
/// visits whose outbox entry waits. A visit the server refused for good is not counted: it
/// can never be sent, and holding it would lock the device for everyone else.
/// A corrective action's step (a plan, a fix, a verification) waiting to be sent counts too.
const UNSENT: &str = "SELECT (SELECT count(*) FROM visits v WHERE v.status = 'draft' OR EXISTS (
    SELECT 1 FROM outbox o WHERE o.visit_id = v.id AND o.sent_at IS NULL AND o.rejected_reason IS NULL))
    + (SELECT count(*) FROM action_ops WHERE sent_at IS NULL AND rejected_code IS NULL)";

/// The user the store's data belongs to and how many of their visits are not sent yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub login: String,
    pub unsent: usize,
}

impl Store {
    /// Whose data this is: the last user to sign in; `None` before anyone has.
    pub fn owner(&self) -> Result<Option<Owner>, StoreError> {
        read_owner(&self.conn)
    }

    /// Refuses at once, before any password is sent, a sign-in that [`Store::hand_over`]
    /// would refuse. Logins are compared without case here, as the server may: the final
    /// word is `hand_over`'s, with the login the server answered.
    pub fn check_hand_over(&self, login: &str) -> Result<(), StoreError> {
        match self.owner()? {
            Some(o) if o.unsent > 0 && o.login.to_lowercase() != login.trim().to_lowercase() => {
                Err(StoreError::UnsentWork {
                    owner: o.login,
                    visits: o.unsent,
                })
            }
            _ => Ok(()),
        }
    }

    /// Makes `login` the owner of the store. If another user owned it, in one commit: refuses
    /// with [`StoreError::UnsentWork`] while any of their visits is not sent (changing
    /// nothing), otherwise forgets their visits with answers and comments, outbox, review
    /// notes, assignments, the sync cursor and the app's settings named in `forget`, then
    /// their photos. Returns whether a previous user's data was forgotten.
    pub fn hand_over(&self, login: &str, forget: &[&str]) -> Result<bool, StoreError> {
        let tx = self.tx()?;
        let previous = read_owner(&tx)?;
        let other = previous.filter(|o| o.login != login);
        if let Some(o) = &other {
            if o.unsent > 0 {
                return Err(StoreError::UnsentWork {
                    owner: o.login.clone(),
                    visits: o.unsent,
                });
            }
            // Children first: outbox and remote rows hold their visits by foreign key. The
            // schema's triggers refuse to delete an unsent visit or outbox entry, so even a
            // wrong count above could not lose one.
            for sql in [
                "DELETE FROM remote",
                "DELETE FROM outbox",
                "DELETE FROM visits",
                "DELETE FROM assignments",
                "DELETE FROM notifications",
                "DELETE FROM photo_uploads",
                "DELETE FROM action_ops",
                "DELETE FROM actions",
            ] {
                tx.execute(sql, [])?;
            }
            let mut delete = tx.prepare("DELETE FROM settings WHERE key = ?1")?;
            for key in [CURSOR_KEY, LAST_SYNC_KEY].iter().chain(forget) {
                delete.execute([key])?;
            }
        }
        put_setting(&tx, OWNER_KEY, login)?;
        tx.commit()?;
        if other.is_some() {
            // Photos are in the attached `media` database, which a crash may leave behind
            // the main one: photos of no visit are also deleted at every open.
            self.conn.execute(
                "DELETE FROM media.photos WHERE visit_id NOT IN (SELECT id FROM main.visits)",
                params![],
            )?;
            self.conn.execute(
                "DELETE FROM media.action_photos WHERE action_id NOT IN (SELECT id FROM main.actions)",
                params![],
            )?;
        }
        Ok(other.is_some())
    }
}

fn read_owner(conn: &Connection) -> Result<Option<Owner>, StoreError> {
    let login: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1 AND value <> ''",
            [OWNER_KEY],
            |r| r.get(0),
        )
        .optional()?;
    let Some(login) = login else {
        return Ok(None);
    };
    let unsent: i64 = conn.query_row(UNSENT, [], |r| r.get(0))?;
    Ok(Some(Owner {
        login,
        unsent: usize::try_from(unsent).unwrap_or(usize::MAX),
    }))
}
