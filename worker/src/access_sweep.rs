//! The access sweep (issue 26, SPEC §13), with the trial and invite sweeps: requests a
//! client left unanswered for 30 days expire; grants that reached their end are marked
//! EXPIRED (their sessions already ended then: a session never outlives its grant);
//! and both sides are emailed 14 and 3 days before a grant ends. Each step claims its
//! rows with one conditional UPDATE … RETURNING in the transaction that writes its
//! emails, so a sweep run twice, or by two workers at once, sends each email once.

use chrono::{DateTime, Duration, Utc};
use entity::audit_event::{self, Entry, Origin};
use entity::mail::Mail;
use entity::{AuditAction, GrantStatus, Role, access_grant, account, client, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AccessReport {
    pub requests_expired: u64,
    pub grants_expired: u64,
    pub warnings: u64,
}

/// Runs one sweep.
pub async fn sweep(
    db: &DatabaseConnection,
    events: &crate::ClientEvents,
) -> Result<AccessReport, DbErr> {
    let now = Utc::now();
    let mut report = AccessReport::default();
    let txn = entity::db::begin_write(db).await?;
    let requests: Vec<access_grant::Model> = access_grant::Entity::update_many()
        .col_expr(
            access_grant::Column::Status,
            Expr::value(GrantStatus::Expired),
        )
        .col_expr(access_grant::Column::DecidedAt, Expr::value(now))
        .filter(access_grant::Column::Status.eq(GrantStatus::Pending))
        .filter(
            access_grant::Column::RequestedAt.lte(now - Duration::days(access_grant::REQUEST_DAYS)),
        )
        .exec_with_returning(&txn)
        .await?;
    let grants: Vec<access_grant::Model> = access_grant::Entity::update_many()
        .col_expr(
            access_grant::Column::Status,
            Expr::value(GrantStatus::Expired),
        )
        .filter(access_grant::Column::Status.eq(GrantStatus::Active))
        .filter(access_grant::Column::ExpiresAt.lte(now))
        .exec_with_returning(&txn)
        .await?;
    let mut changed = Vec::new();
    for g in &requests {
        changed.extend(
            ended(
                &txn,
                g,
                now,
                "Your request for access expired",
                "was not answered in 30 days and expired",
            )
            .await?,
        );
    }
    for g in &grants {
        changed.extend(ended(&txn, g, now, "Your access ended", "reached its end").await?);
    }
    for (days, column, other) in [
        (14, access_grant::Column::Warned14At, 3),
        (3, access_grant::Column::Warned3At, 0),
    ] {
        let warned: Vec<access_grant::Model> = access_grant::Entity::update_many()
            .col_expr(column, Expr::value(now))
            .filter(access_grant::Column::Status.eq(GrantStatus::Active))
            .filter(column.is_null())
            .filter(access_grant::Column::ExpiresAt.lte(now + Duration::days(days)))
            .filter(access_grant::Column::ExpiresAt.gt(now + Duration::days(other)))
            .exec_with_returning(&txn)
            .await?;
        for g in &warned {
            warn(&txn, g, now).await?;
        }
        report.warnings += warned.len() as u64;
    }
    txn.commit().await?;
    events.publish(&changed).await;
    report.requests_expired = requests.len() as u64;
    report.grants_expired = grants.len() as u64;
    if report != AccessReport::default() {
        tracing::info!(?report, "access sweep");
    }
    Ok(report)
}

/// The grant's person, firm and client account, and the client's row in the firm's
/// list; `None` when one of them is gone.
async fn parties<C: ConnectionTrait>(
    conn: &C,
    g: &access_grant::Model,
) -> Result<
    Option<(
        user::Model,
        account::Model,
        account::Model,
        Option<client::Model>,
    )>,
    DbErr,
> {
    let person = user::Entity::find_by_id(g.person_id).one(conn).await?;
    let firm = account::Entity::find_by_id(g.firm_account_id)
        .one(conn)
        .await?;
    let acc = account::Entity::find_by_id(g.client_account_id)
        .one(conn)
        .await?;
    let row = client::Entity::find()
        .filter(client::Column::ClientAccountId.eq(g.client_account_id))
        .one(conn)
        .await?;
    Ok(match (person, firm, acc) {
        (Some(p), Some(f), Some(a)) => Some((p, f, a, row)),
        _ => None,
    })
}

/// A request or grant that just ended: the person is told, the client's log and the
/// firm's list row show it.
async fn ended<C: ConnectionTrait>(
    conn: &C,
    g: &access_grant::Model,
    now: DateTime<Utc>,
    subject: &str,
    what: &str,
) -> Result<Option<crate::ClientEvent>, DbErr> {
    let Some((person, firm, acc, row)) = parties(conn, g).await? else {
        return Ok(None);
    };
    let line = format!(
        "Your access to {} {what}. You can ask for access again from your client list.",
        acc.name
    );
    mail(conn, &firm, &person, subject, vec![line], "/").await?;
    audit_event::record(
        conn,
        now,
        Origin::default(),
        Entry {
            account_id: Some(acc.id),
            partner_account_id: Some(firm.id),
            target_client_id: row.as_ref().map(|c| c.id),
            detail: Some(format!("{}'s access {what}", person.email)),
            ..Entry::of(AuditAction::AccessExpired)
        },
    )
    .await?;
    Ok(row.map(|c| crate::ClientEvent::updated(c.partner_account_id, c.id)))
}

/// The warning before a grant ends, to the person and to the client's owner and admins.
async fn warn<C: ConnectionTrait>(
    conn: &C,
    g: &access_grant::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some((person, firm, acc, _)) = parties(conn, g).await? else {
        return Ok(());
    };
    let Some(end) = g.expires_at else {
        return Ok(());
    };
    let left = (end - now).num_days().max(0) + 1;
    let at = end.format("%Y-%m-%d %H:%M UTC");
    let to_person = format!(
        "Your access to {} ends on {at} (in {left} days or less). Ask the client for more time by requesting access again once it has ended, or before if they agree.",
        acc.name
    );
    mail(
        conn,
        &firm,
        &person,
        "Your access to a client ends soon",
        vec![to_person],
        "/",
    )
    .await?;
    let to_client = format!(
        "{} ({}) of {} can enter your account until {at}. Nothing to do if that is right; revoke it sooner from your account page.",
        person.name, person.email, firm.name
    );
    for admin in user::Entity::find()
        .filter(user::Column::AccountId.eq(acc.id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in([Role::Owner, Role::Admin]))
        .filter(user::Column::Email.ne(person.email.clone()))
        .all(conn)
        .await?
    {
        mail(
            conn,
            &acc,
            &admin,
            "A partner's access to your account ends soon",
            vec![to_client.clone()],
            "/client",
        )
        .await?;
    }
    Ok(())
}

async fn mail<C: ConnectionTrait>(
    conn: &C,
    acc: &account::Model,
    to: &user::Model,
    subject: &str,
    lines: Vec<String>,
    path: &str,
) -> Result<(), DbErr> {
    entity::delivery::queue_mail(
        conn,
        Some(acc.id),
        &Mail::AccessNotice {
            to: to.email.clone(),
            name: to.name.clone(),
            subject: subject.to_owned(),
            lines,
            action: Some((path.to_owned(), "Open your account".to_owned())),
        },
    )
    .await?;
    Ok(())
}
