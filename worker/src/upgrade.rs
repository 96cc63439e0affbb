//! Upgrading an eligible V1 client to V2 (SPEC §6): creates the client's V2 account with
//! its owner, lists it in the connected V2 partner's client list (keeping name, email and
//! paying status), and marks the V1 client upgraded, in one transaction.

use crate::WorkerError;
use chrono::Utc;
use entity::AuditAction;
use entity::delivery::queue_mail;
use entity::mail::Mail;
use entity::{
    AccountKind, ClientStatus, ConnectStatus, Email, InviteMethod, Platform, Role, account,
    audit_event, client, legacy_connection, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::time::Duration;

/// Runs one upgrade. Returns whether this call did it. The new account is always listed
/// in the V2 partner's client list: on the row the partner already had for the client's
/// email (an invite it sent itself), or on a new one; and the client keeps its standing
/// (PAYING stays PAYING, a trial keeps its end, an expired trial stays expired).
pub async fn run(
    db: &DatabaseConnection,
    events: &crate::ClientEvents,
    public_url: &str,
    trial_length: Duration,
    client_id: i64,
) -> Result<bool, WorkerError> {
    let Some(v1) = client::Entity::find_by_id(client_id).one(db).await? else {
        return Ok(false);
    };
    if v1.upgraded_at.is_some() {
        return Ok(false);
    }
    let connection = legacy_connection::Entity::find()
        .filter(legacy_connection::Column::V1AccountId.eq(v1.partner_account_id))
        .filter(legacy_connection::Column::Status.eq(ConnectStatus::Connected))
        .one(db)
        .await?;
    let Some(v2_partner) = connection.and_then(|c| c.v2_account_id) else {
        return Err(WorkerError::Invalid(
            "the V1 partner is not connected to a V2 partner dashboard".into(),
        ));
    };
    let now = Utc::now();
    let name = v1.name.clone().unwrap_or_else(|| v1.email.clone());
    let txn = entity::db::begin_write(db).await?;
    // Claim it first: a second job for the same client stops here.
    let claimed = client::Entity::update_many()
        .col_expr(client::Column::UpgradedAt, Expr::value(now))
        .filter(client::Column::Id.eq(v1.id))
        .filter(client::Column::UpgradedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(false);
    }
    let listed_before = client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(v2_partner))
        .filter(client::Column::Email.eq(&v1.email))
        .one(&txn)
        .await?;
    if let Some(row) = &listed_before
        && row.client_account_id.is_some()
    {
        // Dropping `txn` undoes the claim.
        return Err(WorkerError::Invalid(entity::client::already_has_account(
            &name,
            row.company_id.as_deref(),
        )));
    }
    let status = match v1.status {
        ClientStatus::Paying => ClientStatus::Paying,
        ClientStatus::TrialExpired => ClientStatus::TrialExpired,
        ClientStatus::Trial | ClientStatus::Invited => ClientStatus::Trial,
    };
    let paying = status == ClientStatus::Paying;
    let trial_ends = (!paying).then(|| {
        v1.trial_ends_at
            .unwrap_or_else(|| client::trial_end(now, trial_length))
    });
    let mut account_row =
        account::new_row(&name, AccountKind::Client, Platform::V2, trial_ends, now);
    account_row.plan = Set(paying.then(|| "monthly".to_owned()));
    account_row.subscribed_at = Set(paying.then_some(now));
    let acc = account::insert_with_new_company_id(&txn, account_row).await?;
    let email =
        Email::parse(&v1.email).map_err(|e| WorkerError::Invalid(format!("stored email: {e}")))?;
    let owner = user::insert(
        &txn,
        user::new_row(acc.id, &email, &name, None, Role::Owner, now),
    )
    .await?
    .ok_or_else(|| WorkerError::Invalid("the new account already has an owner".into()))?
    .id;
    let listed_new = listed_before.is_none();
    let listed = match listed_before {
        // The partner had invited the client itself: that row gets the account.
        Some(row) => {
            let attached = client::set_status(client::Entity::update_many(), status)
                .col_expr(client::Column::ClientAccountId, Expr::value(acc.id))
                .col_expr(
                    client::Column::CompanyId,
                    Expr::value(acc.company_id.clone()),
                )
                .col_expr(client::Column::Name, Expr::value(name.clone()))
                .col_expr(
                    client::Column::SortName,
                    Expr::value(client::sort_name(Some(&name), &v1.email)),
                )
                .col_expr(client::Column::TrialEndsAt, Expr::value(trial_ends))
                .col_expr(
                    client::Column::InvitedVia,
                    Expr::value(InviteMethod::Upgrade),
                )
                .filter(client::Column::Id.eq(row.id))
                .filter(client::Column::Status.eq(ClientStatus::Invited))
                .filter(client::Column::ClientAccountId.is_null())
                .exec(&txn)
                .await?;
            if attached.rows_affected != 1 {
                // The invite was accepted (or the row changed) since it was read: the
                // new account would be listed nowhere. Dropping `txn` undoes it all; the
                // upgrade fails with the reason, as when the row already had an account.
                return Err(WorkerError::Invalid(entity::client::already_has_account(
                    &name,
                    row.company_id.as_deref(),
                )));
            }
            row.id
        }
        None => {
            let mut row = client::new_row(
                v2_partner,
                &v1.email,
                Some(name.clone()),
                status,
                InviteMethod::Upgrade,
                now,
            );
            row.client_account_id = Set(Some(acc.id));
            row.company_id = Set(Some(acc.company_id.clone()));
            row.trial_ends_at = Set(trial_ends);
            client::insert(&txn, row)
                .await?
                .ok_or_else(|| WorkerError::Busy("the V2 client list changed meanwhile".into()))?
                .id
        }
    };
    // Both partners' logs show it: the V1 partner's (its client left) and the V2 one's.
    let detail = format!("{name} upgraded to V2 as {}", acc.company_id);
    let entries = [
        audit_event::Entry::about_client(
            AuditAction::ClientUpgraded,
            acc.id,
            v1.partner_account_id,
            v1.id,
            detail.clone(),
        ),
        audit_event::Entry::about_client(
            AuditAction::ClientUpgraded,
            acc.id,
            v2_partner,
            listed,
            detail,
        ),
    ];
    for entry in entries {
        audit_event::record(&txn, now, audit_event::Origin::default(), entry).await?;
    }
    // The client's owner sets a password for the new account.
    let link = entity::password_token::issue(
        &txn,
        public_url,
        owner,
        entity::password_token::Purpose::Set,
        now + entity::password_token::SET_PASSWORD_TTL,
    )
    .await?;
    let partner_name = account::Entity::find_by_id(v2_partner)
        .one(&txn)
        .await?
        .map(|a| a.name);
    queue_mail(
        &txn,
        Some(acc.id),
        &Mail::SetPassword {
            to: v1.email.clone(),
            name: name.clone(),
            company_name: acc.name.clone(),
            partner_name,
            link,
            user_id: Some(owner),
        },
    )
    .await?;
    txn.commit().await?;
    let on_v2 = if listed_new {
        crate::ClientEvent::added(v2_partner, listed)
    } else {
        crate::ClientEvent::updated(v2_partner, listed)
    };
    events
        .publish(&[
            crate::ClientEvent::updated(v1.partner_account_id, v1.id),
            on_v2,
        ])
        .await;
    tracing::info!(client_id, v2_account = acc.id, "V1 client upgraded");
    Ok(true)
}
