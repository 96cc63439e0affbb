//! Partner Connect (SPEC §6): checks a V1 owner's request to connect to a V2 partner
//! dashboard. It moves no data: it only builds the bridge.

use chrono::Utc;
use entity::delivery::queue_mail;
use entity::legacy_connection::{Column, Entity as Connection};
use entity::mail::Mail;
use entity::{
    AccountKind, ConnectStatus, Platform, Role, account, audit_event, legacy_connection, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

/// What the V1 partner reads when the check fails. One message whatever the reason, so a
/// V1 account cannot probe which Company IDs or owner emails exist; support gets the reason.
pub const FAILED_MESSAGE: &str = "We could not connect: the Company ID and owner email do not match a V2 partner account. Check both with the V2 account's owner and try again; our support team has been told.";

/// Settles one PENDING request. Runs as the `CheckPartnerConnect` job.
pub async fn check(
    db: &DatabaseConnection,
    support_email: &str,
    connection_id: i64,
) -> Result<(), DbErr> {
    let Some(c) = Connection::find_by_id(connection_id).one(db).await? else {
        return Ok(());
    };
    if c.status != ConnectStatus::Pending {
        return Ok(());
    }
    let verdict = verdict(db, &c).await?;
    let now = Utc::now();
    let txn = entity::db::begin_write(db).await?;
    if settle(&txn, &c, &verdict, now).await? {
        record(&txn, &c, &verdict, now).await?;
        if let Err(why) = &verdict {
            tell_support(&txn, support_email, &c, why).await?;
        }
    }
    txn.commit().await?;
    tracing::info!(
        connection_id,
        connected = verdict.is_ok(),
        "partner connect settled"
    );
    Ok(())
}

/// The V2 partner account the request names, or why it names none: the Company ID must
/// be a V2 partner account whose owner has the email given (any case).
async fn verdict(
    db: &DatabaseConnection,
    c: &legacy_connection::Model,
) -> Result<Result<account::Model, String>, DbErr> {
    let target = account::Entity::find()
        .filter(account::Column::CompanyId.eq(&c.company_id))
        .one(db)
        .await?;
    let a = match target {
        None => return Ok(Err(format!("no account has Company ID {}", c.company_id))),
        Some(a) if a.kind != AccountKind::Partner || a.platform != Platform::V2 => {
            return Ok(Err(format!(
                "{} ({}) is not a V2 partner account",
                a.company_id, a.name
            )));
        }
        Some(a) => a,
    };
    let owner = user::Entity::find()
        .filter(user::Column::AccountId.eq(a.id))
        .filter(user::Column::Role.eq(Role::Owner))
        .one(db)
        .await?;
    Ok(match owner {
        Some(o) if o.email.eq_ignore_ascii_case(&c.owner_email) => Ok(a),
        _ => Err(format!(
            "{} is not the owner of {} ({})",
            c.owner_email, a.company_id, a.name
        )),
    })
}

/// Marks the request CONNECTED or FAILED, if it is still PENDING: whether this call did.
async fn settle<C: ConnectionTrait>(
    txn: &C,
    c: &legacy_connection::Model,
    verdict: &Result<account::Model, String>,
    now: chrono::DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = Connection::update_many()
        .col_expr(Column::CompletedAt, Expr::value(now))
        .filter(Column::Id.eq(c.id))
        .filter(Column::Status.eq(ConnectStatus::Pending));
    update = match verdict {
        Ok(v2) => update
            .col_expr(Column::Status, Expr::value(ConnectStatus::Connected))
            .col_expr(Column::V2AccountId, Expr::value(v2.id))
            .col_expr(
                Column::Message,
                Expr::value(format!("Connected to {} ({}).", v2.name, v2.company_id)),
            ),
        Err(why) => update
            .col_expr(Column::Status, Expr::value(ConnectStatus::Failed))
            .col_expr(Column::Message, Expr::value(FAILED_MESSAGE))
            .col_expr(Column::FailureReason, Expr::value(why.clone())),
    };
    Ok(update.exec(txn).await?.rows_affected == 1)
}

/// The V1 partner's log says how the request ended.
async fn record<C: ConnectionTrait>(
    txn: &C,
    c: &legacy_connection::Model,
    verdict: &Result<account::Model, String>,
    now: chrono::DateTime<Utc>,
) -> Result<(), DbErr> {
    let (action, detail) = match verdict {
        Ok(v2) => (
            entity::AuditAction::PartnerConnectSucceeded,
            format!("connected to {} ({})", v2.name, v2.company_id),
        ),
        Err(_) => (
            entity::AuditAction::PartnerConnectFailed,
            format!(
                "could not connect to {}: the Company ID and owner email do not match a V2 partner account",
                c.company_id
            ),
        ),
    };
    let entry = audit_event::Entry {
        account_id: Some(c.v1_account_id),
        partner_account_id: Some(c.v1_account_id),
        detail: Some(detail),
        ..audit_event::Entry::of(action)
    };
    audit_event::record(txn, now, audit_event::Origin::default(), entry).await
}

/// Support is emailed the real reason a request failed.
async fn tell_support<C: ConnectionTrait>(
    txn: &C,
    support_email: &str,
    c: &legacy_connection::Model,
    why: &str,
) -> Result<(), DbErr> {
    let v1 = account::Entity::find_by_id(c.v1_account_id)
        .one(txn)
        .await?;
    let mail = Mail::ConnectFailed {
        to: support_email.to_owned(),
        v1_name: v1.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
        v1_company_id: v1.map(|a| a.company_id).unwrap_or_default(),
        requested_company_id: c.company_id.clone(),
        owner_email: c.owner_email.clone(),
        reason: why.to_owned(),
    };
    queue_mail(txn, Some(c.v1_account_id), &mail).await?;
    Ok(())
}
