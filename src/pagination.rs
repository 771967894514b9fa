//! Cursor pagination shared by every list: `?limit=` (default 50, 1..=200) and an opaque
//! `?cursor=`; answers are `{"items": [...], "next_cursor": "..." | null}`.
//!
//! A cursor is the sort key of the last item of a page, serialised and base64url-encoded, so
//! lists keep a stable order even when many rows share a timestamp (the key always ends with the
//! row's unique id). Clients treat it as opaque.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, FieldError};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// A validated page request, with the decoded sort key to continue after.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: u32,
    pub after: Option<K>,
}

impl<K: DeserializeOwned> PageRequest<K> {
    /// Checks `limit` and decodes `cursor`; bad values are 422 `validation_failed` on the field.
    pub fn new(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::validation(vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )]));
        }
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor).ok_or_else(|| {
                AppError::validation(vec![FieldError::new(
                    "cursor",
                    "invalid_cursor",
                    "cursor is not one this list handed out",
                )])
            })?),
        };
        Ok(Self { limit, after })
    }

    /// Cuts up to `fetch_limit()` rows to the page and makes the cursor of the next page, for
    /// lists whose items are built from the rows afterwards.
    pub fn split<R, Key: Serialize>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> Key,
    ) -> (Vec<R>, Option<String>) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().and_then(|row| encode_cursor(&key(row)))
        } else {
            None
        };
        (rows, next)
    }

    /// How many rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Option<K> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn encode_cursor<K: Serialize>(key: &K) -> Option<String> {
    serde_json::to_vec(key)
        .ok()
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `fetch_limit()` rows, `key` giving each row's sort key.
    pub fn from_rows<K: Serialize, R>(
        mut rows: Vec<R>,
        request: &PageRequest<impl DeserializeOwned>,
        key: impl Fn(&R) -> K,
        into_item: impl FnMut(R) -> T,
    ) -> Self {
        let limit = request.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().and_then(|row| encode_cursor(&key(row)))
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(into_item).collect(),
            next_cursor,
        }
    }
}

/// The `limit` and `cursor` query parameters, for lists that need nothing else.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = uuid::Uuid::now_v7();
        let cursor = encode_cursor(&id).unwrap();
        let request = PageRequest::<uuid::Uuid>::new(Some(10), Some(&cursor)).unwrap();
        assert_eq!(request.after, Some(id));
        assert!(PageRequest::<uuid::Uuid>::new(None, Some("not a cursor")).is_err());
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        assert_eq!(
            PageRequest::<uuid::Uuid>::new(None, None).unwrap().limit,
            50
        );
        assert!(PageRequest::<uuid::Uuid>::new(Some(0), None).is_err());
        assert!(PageRequest::<uuid::Uuid>::new(Some(201), None).is_err());
        assert_eq!(
            PageRequest::<uuid::Uuid>::new(Some(200), None)
                .unwrap()
                .limit,
            200
        );
    }

    #[test]
    fn a_page_reports_whether_more_follow() {
        let request = PageRequest::<u32>::new(Some(2), None).unwrap();
        let page = Page::from_rows(vec![1u32, 2, 3], &request, |r| *r, |r| r);
        assert_eq!(page.items, vec![1, 2]);
        let next: u32 = decode_cursor(page.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!(next, 2);
        let last = Page::from_rows(vec![1u32], &request, |r| *r, |r| r);
        assert!(last.next_cursor.is_none());
    }
}
