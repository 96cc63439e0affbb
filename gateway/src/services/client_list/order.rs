//! The client list's orders (SPEC §4): the four sort keys, and the Relay cursor that
//! marks a position in one of them (keyset paging: stable while rows are added).

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::client;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{Condition, QueryFilter};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderField {
    Name,
    Status,
    InvitedAt,
    TrialEndsAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOrder {
    pub field: OrderField,
    pub ascending: bool,
}

impl Default for ListOrder {
    fn default() -> Self {
        ListOrder {
            field: OrderField::Name,
            ascending: true,
        }
    }
}

/// A position in the list: the sort key of a row and its id, for one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Cursor {
    o: OrderField,
    a: bool,
    k: serde_json::Value,
    pub(super) i: i64,
}

/// Missing trial ends sort after every real one.
fn far_future() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or_default()
}

impl Cursor {
    pub(super) fn of(order: ListOrder, c: &client::ListRow) -> Cursor {
        let k = match order.field {
            OrderField::Name => serde_json::json!(c.sort_name),
            OrderField::Status => serde_json::json!(c.status_rank),
            OrderField::InvitedAt => serde_json::json!(c.invited_at.to_rfc3339()),
            OrderField::TrialEndsAt => {
                serde_json::json!(c.trial_ends_at.unwrap_or_else(far_future).to_rfc3339())
            }
        };
        Cursor {
            o: order.field,
            a: order.ascending,
            k,
            i: c.id,
        }
    }

    pub fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(super) fn decode(
        raw: &str,
        order: ListOrder,
        field: &'static str,
    ) -> ApiResult<(Cursor, sea_orm::Value)> {
        use base64::Engine;
        let bad = || {
            ApiError::bad_input(
                field,
                "this cursor is not valid for this list: start again from the first page",
            )
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.trim())
            .map_err(|_| bad())?;
        let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if c.o != order.field || c.a != order.ascending {
            return Err(bad());
        }
        let v: sea_orm::Value = match order.field {
            OrderField::Name => c.k.as_str().ok_or_else(bad)?.to_owned().into(),
            OrderField::Status => (c.k.as_i64().ok_or_else(bad)? as i16).into(),
            OrderField::InvitedAt | OrderField::TrialEndsAt => {
                let t = DateTime::parse_from_rfc3339(c.k.as_str().ok_or_else(bad)?)
                    .map_err(|_| bad())?;
                t.with_timezone(&Utc).into()
            }
        };
        Ok((c, v))
    }
}

pub(super) fn key_expr(field: OrderField) -> Expr {
    match field {
        OrderField::Name => Expr::col((client::Entity, client::Column::SortName)),
        OrderField::Status => Expr::col((client::Entity, client::Column::StatusRank)),
        OrderField::InvitedAt => Expr::col((client::Entity, client::Column::InvitedAt)),
        OrderField::TrialEndsAt => Func::coalesce([
            Expr::col((client::Entity, client::Column::TrialEndsAt)),
            Expr::value(far_future()),
        ])
        .into(),
    }
}

/// `base` past `after` and before `before` in `order` (keyset paging: stable while rows
/// are added).
pub(super) fn keyset(
    base: sea_orm::Select<client::Entity>,
    order: ListOrder,
    after: Option<&(Cursor, sea_orm::Value)>,
    before: Option<&(Cursor, sea_orm::Value)>,
) -> sea_orm::Select<client::Entity> {
    let key = key_expr(order.field);
    let beyond = |(c, v): &(Cursor, sea_orm::Value), ascending: bool| {
        let (k, id) = (key.clone(), Expr::col((client::Entity, client::Column::Id)));
        if ascending {
            Condition::any()
                .add(k.clone().gt(v.clone()))
                .add(Condition::all().add(k.eq(v.clone())).add(id.gt(c.i)))
        } else {
            Condition::any()
                .add(k.clone().lt(v.clone()))
                .add(Condition::all().add(k.eq(v.clone())).add(id.lt(c.i)))
        }
    };
    let mut q = base;
    if let Some(a) = after {
        q = q.filter(beyond(a, order.ascending));
    }
    if let Some(b) = before {
        q = q.filter(beyond(b, !order.ascending));
    }
    q
}
