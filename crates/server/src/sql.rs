//! Reading typed values from TEXT columns. Timestamps and dates come through rusqlite's
//! `chrono` feature; these two wrappers cover the rest. rusqlite's `uuid` feature is not
//! used: it reads and writes 16-byte BLOBs, and these tables hold UUIDs as text (with it,
//! a `Uuid` passed to SQL would silently match nothing). Its `serde_json` feature reads only
//! untyped `serde_json::Value`.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use serde::de::{DeserializeOwned, IntoDeserializer};

/// A value stored as the text of its serde form: a UUID, a review state, a role, a quarter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Text<T>(pub T);

impl<T: DeserializeOwned> FromSql for Text<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        T::deserialize(text.into_deserializer())
            .map(Text)
            .map_err(|e: serde::de::value::Error| FromSqlError::Other(Box::new(e)))
    }
}

/// A value stored as JSON text: a visit's payload, comments by item, time flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromSql for Json<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_slice(value.as_bytes()?)
            .map(Json)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zakupka_core::wire::ReviewState;

    #[test]
    fn text_reads_enums_and_ids_as_the_wire_spells_them() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let get = |sql: &str| -> rusqlite::Result<Text<ReviewState>> {
            conn.query_row(sql, [], |r| r.get(0))
        };
        assert_eq!(get("SELECT 'returned'").unwrap().0, ReviewState::Returned);
        assert!(get("SELECT 'lost'").is_err());
        let id = uuid::Uuid::now_v7();
        let back: Text<uuid::Uuid> = conn
            .query_row("SELECT ?1", [id.to_string()], |r| r.get(0))
            .unwrap();
        assert_eq!(back.0, id);
        let q: Text<zakupka_core::rating::Quarter> = conn
            .query_row("SELECT '2026-Q2'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(q.0.to_string(), "2026-Q2");
    }
}
