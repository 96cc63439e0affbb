//! Recording an email in the transactional outbox: a service calls [`queue_mail`] (or
//! [`fold_mail`]) inside the transaction of the domain change that promises the email,
//! so both commit or neither does. The worker's dispatcher sends what is recorded here.

use super::model::{ActiveModel, Column, Entity as Delivery};
use crate::DeliveryStatus;
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;

/// Records `email` for delivery; it belongs to `account_id` (for an invite, the
/// inviting partner: see `delivery::Model::account_id`). Call it with the transaction of
/// the domain change that promises the email, so both commit or neither does. Returns
/// the delivery id.
pub async fn queue_mail<C: ConnectionTrait>(
    conn: &C,
    account_id: Option<i64>,
    email: &crate::mail::Mail,
) -> Result<i64, DbErr> {
    insert_mail(conn, account_id, None, Utc::now(), email).await
}

async fn insert_mail<C: ConnectionTrait>(
    conn: &C,
    account_id: Option<i64>,
    fold_key: Option<&str>,
    due: DateTimeUtc,
    email: &crate::mail::Mail,
) -> Result<i64, DbErr> {
    let now = Utc::now();
    let payload = serde_json::to_string(email).map_err(|e| DbErr::Custom(e.to_string()))?;
    let row = ActiveModel {
        kind: Set(email.kind().to_owned()),
        recipient: Set(email.recipient().to_owned()),
        payload: Set(payload),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(due),
        queued_at: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        account_id: Set(account_id),
        fold_key: Set(fold_key.map(str::to_owned)),
        ..Default::default()
    };
    let res = Delivery::insert(row).exec(conn).await?;
    Ok(res.last_insert_id)
}

/// Records `email` so that at most one email of `key` leaves per `every`: folded into
/// one of `key` still waiting in the outbox ([`crate::mail::Mail::fold`]), or else due `every` after
/// the last one was sent (at once when there was none). Returns the delivery id.
pub async fn fold_mail<C: ConnectionTrait>(
    conn: &C,
    account_id: Option<i64>,
    key: &str,
    every: chrono::Duration,
    email: &crate::mail::Mail,
) -> Result<i64, DbErr> {
    use sea_orm::QueryOrder;
    let newest = Delivery::find()
        .filter(Column::FoldKey.eq(key))
        .order_by_desc(Column::Id)
        .one(conn)
        .await?;
    if let Some(waiting) = newest
        .as_ref()
        .filter(|d| d.status == DeliveryStatus::Pending)
        && let Ok(mut folded) = serde_json::from_str::<crate::mail::Mail>(&waiting.payload)
        && folded.fold(email)
    {
        let payload = serde_json::to_string(&folded).map_err(|e| DbErr::Custom(e.to_string()))?;
        // Guarded: a dispatcher that took it a moment ago leaves it as it is.
        let updated = Delivery::update_many()
            .col_expr(Column::Payload, Expr::value(payload))
            .filter(Column::Id.eq(waiting.id))
            .filter(Column::Status.eq(DeliveryStatus::Pending))
            .exec(conn)
            .await?;
        if updated.rows_affected == 1 {
            return Ok(waiting.id);
        }
    }
    let now = Utc::now();
    let due = match &newest {
        Some(last) => {
            let left = last.sent_at.unwrap_or(last.next_attempt_at);
            Ord::max(Ord::max(left, last.created_at) + every, now)
        }
        None => now,
    };
    insert_mail(conn, account_id, Some(key), due, email).await
}
