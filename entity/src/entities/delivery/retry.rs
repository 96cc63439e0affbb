//! FAILED emails handed back to the outbox to be sent again (`worker retry-deliveries`,
//! support's `supportRetryDelivery`), with a fresh link where theirs was removed, and
//! never against a decision taken since the email failed.

use super::model::{Column, Entity as Delivery, Model};
use crate::mail::Mail;
use crate::password_token::Purpose;
use crate::{ClientStatus, DeliveryStatus, client, user};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{TransactionSession, TransactionTrait};

/// Which FAILED deliveries to send again.
#[derive(Debug, Clone, Copy)]
pub enum Retry {
    One(i64),
    /// Every FAILED delivery (created at or after the instant, when given).
    AllFailed(Option<DateTime<Utc>>),
}

/// What a retry did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Retried {
    /// Put back to PENDING: the outbox sends them again. An email whose link was removed
    /// when it failed (a link must not wait in the outbox) carries a fresh link.
    pub requeued: Vec<i64>,
    /// Not sent again, each with why: a retry never undoes a decision made since the
    /// email failed (the partner revoked, replaced or removed the invite, the client
    /// accepted it, the user was made inactive or set a password), and an email whose
    /// link was removed but is too old to say whom it was for cannot get a new one.
    pub refused: Vec<(i64, String)>,
    /// Asked for by id but not FAILED (or no such delivery).
    pub not_failed: Vec<i64>,
    /// Client rows whose invite got a fresh link, as (partner, client), for the caller to
    /// tell the live lists once its transaction has committed.
    pub changed_clients: Vec<(i64, i64)>,
}

/// Why `d` may not be sent again now, if it may not: every decision taken since it
/// failed stands.
async fn refusal<C: ConnectionTrait>(
    db: &C,
    d: &Model,
    mail: &Mail,
) -> Result<Option<String>, DbErr> {
    use crate::{invite, password_token};
    let why = match mail {
        Mail::Invite {
            client_id: Some(id),
            ..
        } => match client::Entity::find_by_id(*id).one(db).await? {
            None => Some("the partner removed this client from its list".to_owned()),
            Some(c) if c.status != ClientStatus::Invited => {
                Some("the client accepted the invite since: there is nothing to send".into())
            }
            Some(c) if c.invite_revoked_at.is_some() => Some(
                "the partner revoked this invite: only the partner can send it again (Resend invite)"
                    .into(),
            ),
            Some(c) => {
                let newer = invite::Entity::find()
                    .filter(invite::Column::ClientId.eq(c.id))
                    .filter(invite::Column::CreatedAt.gt(d.created_at))
                    .one(db)
                    .await?;
                newer.map(|_| "a newer invite was sent since and replaced this one".to_owned())
            }
        },
        Mail::SetPassword {
            user_id: Some(id), ..
        }
        | Mail::PasswordReset {
            user_id: Some(id), ..
        } => {
            let active = user::Entity::find_by_id(*id)
                .filter(user::Column::Active.eq(true))
                .one(db)
                .await?;
            if active.is_none() {
                Some("the user is inactive".to_owned())
            } else {
                let since = password_token::Entity::find()
                    .filter(password_token::Column::UserId.eq(*id))
                    .filter(
                        sea_orm::Condition::any()
                            .add(password_token::Column::CreatedAt.gt(d.created_at))
                            .add(password_token::Column::UsedAt.gt(d.created_at)),
                    )
                    .one(db)
                    .await?;
                since.map(|_| {
                    "the user set a password or was sent a newer link since this email failed"
                        .to_owned()
                })
            }
        }
        _ if d.payload.contains(crate::mail::REDACTED) => Some(
            "its link was removed when it failed, and the email is too old to say whom a new one would be for: the partner can resend the invite, or the user can reset the password"
                .to_owned(),
        ),
        _ => None,
    };
    Ok(why)
}

/// The payload of a failed email with a fresh link in place of the removed one (and the
/// client row that shows the new link's end, for an invite). Called after [`refusal`]
/// found nothing against it.
async fn relink<C: ConnectionTrait>(
    db: &C,
    public_url: &str,
    d: &Model,
    mut mail: Mail,
) -> Result<(String, Option<(i64, i64)>), DbErr> {
    let now = Utc::now();
    let mut changed = None;
    match &mut mail {
        Mail::Invite {
            link,
            client_id: Some(id),
            ..
        } => {
            if let Some(c) = client::Entity::find_by_id(*id).one(db).await? {
                changed = Some((c.partner_account_id, c.id));
                *link = crate::invite::issue(db, public_url, c.id, now, true).await?;
            }
        }
        Mail::SetPassword {
            link,
            user_id: Some(id),
            ..
        }
        | Mail::PasswordReset {
            link,
            user_id: Some(id),
            ..
        } => {
            let (purpose, ttl) = if d.kind == "password_reset" {
                (Purpose::Reset, crate::password_token::RESET_TTL)
            } else {
                (Purpose::Set, crate::password_token::SET_PASSWORD_TTL)
            };
            *link = crate::password_token::issue(db, public_url, *id, purpose, now + ttl).await?;
        }
        _ => {}
    }
    let payload = serde_json::to_string(&mail).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok((payload, changed))
}

/// Puts FAILED deliveries back to PENDING with a fresh attempt count, once: a second
/// retry of the same delivery finds it no longer FAILED. Each goes back in its own
/// transaction, with its fresh link when it needs one.
pub async fn retry<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    public_url: &str,
    which: Retry,
) -> Result<Retried, DbErr> {
    let mut q = Delivery::find().filter(Column::Status.eq(DeliveryStatus::Failed));
    q = match which {
        Retry::One(id) => q.filter(Column::Id.eq(id)),
        Retry::AllFailed(Some(since)) => q.filter(Column::CreatedAt.gte(since)),
        Retry::AllFailed(None) => q,
    };
    let failed = q.all(db).await?;
    let mut out = Retried::default();
    if let Retry::One(id) = which
        && failed.is_empty()
    {
        out.not_failed.push(id);
    }
    for d in failed {
        let txn = db.begin().await?;
        let mut changed = None;
        let mail = serde_json::from_str::<Mail>(&d.payload).ok();
        let why = match &mail {
            Some(mail) => refusal(&txn, &d, mail).await?,
            None => Some("its payload cannot be read".to_owned()),
        };
        if let Some(why) = why {
            out.refused.push((d.id, why));
            continue;
        }
        let payload = match mail {
            Some(mail) if d.payload.contains(crate::mail::REDACTED) => {
                let (p, client) = relink(&txn, public_url, &d, mail).await?;
                changed = client;
                Some(p)
            }
            _ => None,
        };
        let mut put_back = Delivery::update_many()
            .col_expr(Column::Status, Expr::value(DeliveryStatus::Pending))
            .col_expr(Column::Attempts, Expr::value(0))
            .col_expr(Column::NextAttemptAt, Expr::value(Utc::now()))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(Column::Id.eq(d.id))
            // Guarded: two retries at once put it back once.
            .filter(Column::Status.eq(DeliveryStatus::Failed));
        if let Some(p) = payload {
            put_back = put_back.col_expr(Column::Payload, Expr::value(p));
        }
        if put_back.exec(&txn).await?.rows_affected == 1 {
            txn.commit().await?;
            out.requeued.push(d.id);
            out.changed_clients.extend(changed);
        } else if let Retry::One(id) = which {
            out.not_failed.push(id);
        }
    }
    out.requeued.sort_unstable();
    Ok(out)
}
