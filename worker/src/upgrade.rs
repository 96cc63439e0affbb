//! Upgrading an eligible V1 client to V2 (SPEC §6): creates the client's V2 account with
//! its owner, lists it in the connected V2 partner's client list (keeping name, email and
//! paying status), and marks the V1 client upgraded, in one transaction.

use crate::mail::Mail;
use crate::outbox::queue_mail;
use chrono::Utc;
use entity::{
    AccountKind, ClientStatus, ConnectStatus, Email, InviteMethod, Platform, Role, account, client,
    legacy_connection, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::time::Duration;

/// Runs one upgrade. Returns whether this call did it.
pub async fn run(
    db: &DatabaseConnection,
    public_url: &str,
    trial_length: Duration,
    client_id: i64,
) -> Result<bool, DbErr> {
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
        tracing::warn!(
            client_id,
            "upgrade asked for a V1 partner that is not connected; nothing done"
        );
        return Ok(false);
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
    let paying = v1.status == ClientStatus::Paying;
    let trial_ends = (!paying).then(|| client::trial_end(now, trial_length));
    let mut account_row =
        account::new_row(&name, AccountKind::Client, Platform::V2, trial_ends, now);
    account_row.plan = Set(paying.then(|| "monthly".to_owned()));
    account_row.subscribed_at = Set(paying.then_some(now));
    let acc = account::insert_with_new_company_id(&txn, account_row).await?;
    let email = Email::parse(&v1.email).map_err(|e| DbErr::Custom(format!("stored email: {e}")))?;
    let owner = user::insert(
        &txn,
        user::new_row(acc.id, &email, &name, None, Role::Owner, now),
    )
    .await?
    .ok_or_else(|| DbErr::Custom("the new account already has an owner".into()))?
    .id;
    let status = if paying {
        ClientStatus::Paying
    } else {
        ClientStatus::Trial
    };
    let mut row = client::new_row(
        v2_partner,
        &v1.email,
        Some(name.clone()),
        status,
        InviteMethod::Form,
        now,
    );
    row.client_account_id = Set(Some(acc.id));
    row.company_id = Set(Some(acc.company_id.clone()));
    row.trial_ends_at = Set(trial_ends);
    client::insert(&txn, row).await?;
    // The client's owner sets a password for the new account.
    let link = crate::password_link::issue(
        &txn,
        public_url,
        owner,
        crate::password_link::Purpose::Set,
        now + crate::password_link::SET_PASSWORD_TTL,
    )
    .await?;
    let partner_name = account::Entity::find_by_id(v2_partner)
        .one(&txn)
        .await?
        .map(|a| a.name);
    queue_mail(
        &txn,
        &Mail::SetPassword {
            to: v1.email.clone(),
            name: name.clone(),
            company_name: acc.name.clone(),
            partner_name,
            link,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(client_id, v2_account = acc.id, "V1 client upgraded");
    Ok(true)
}
