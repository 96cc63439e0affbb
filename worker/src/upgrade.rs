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
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
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
    let v2_partner = connected_partner(db, &v1).await?;
    let now = Utc::now();
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
    let upgrade = Upgrade::of(&v1, v2_partner, now, trial_length);
    let listed_before = client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(v2_partner))
        .filter(client::Column::Email.eq(&v1.email))
        .one(&txn)
        .await?;
    if let Some(row) = listed_before
        .as_ref()
        .filter(|r| r.client_account_id.is_some())
    {
        // Dropping `txn` undoes the claim.
        return Err(upgrade.refused(row));
    }
    let (acc, owner) = upgrade.open_account(&txn).await?;
    let (listed, added) = match &listed_before {
        Some(row) => (upgrade.attach(&txn, &acc, row).await?, false),
        None => (upgrade.list(&txn, &acc).await?, true),
    };
    upgrade.record(&txn, &acc, listed).await?;
    upgrade
        .send_set_password(&txn, public_url, &acc, owner)
        .await?;
    txn.commit().await?;
    let on_v2 = if added {
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

/// The V2 partner account the V1 client's partner is connected to.
async fn connected_partner(
    db: &DatabaseConnection,
    v1: &client::Model,
) -> Result<i64, WorkerError> {
    let connection = legacy_connection::Entity::find()
        .filter(legacy_connection::Column::V1AccountId.eq(v1.partner_account_id))
        .filter(legacy_connection::Column::Status.eq(ConnectStatus::Connected))
        .one(db)
        .await?;
    connection.and_then(|c| c.v2_account_id).ok_or_else(|| {
        WorkerError::Invalid("the V1 partner is not connected to a V2 partner dashboard".into())
    })
}

/// One V1 client's move to V2: who it is and the standing it keeps.
struct Upgrade<'a> {
    v1: &'a client::Model,
    v2_partner: i64,
    name: String,
    status: ClientStatus,
    trial_ends: Option<chrono::DateTime<Utc>>,
    now: chrono::DateTime<Utc>,
}

impl<'a> Upgrade<'a> {
    fn of(
        v1: &'a client::Model,
        v2_partner: i64,
        now: chrono::DateTime<Utc>,
        trial_length: Duration,
    ) -> Self {
        let status = match v1.status {
            ClientStatus::Paying => ClientStatus::Paying,
            ClientStatus::TrialExpired => ClientStatus::TrialExpired,
            ClientStatus::Trial | ClientStatus::Invited => ClientStatus::Trial,
        };
        let trial_ends = (status != ClientStatus::Paying).then(|| {
            v1.trial_ends_at
                .unwrap_or_else(|| client::trial_end(now, trial_length))
        });
        Upgrade {
            v1,
            v2_partner,
            name: v1.name.clone().unwrap_or_else(|| v1.email.clone()),
            status,
            trial_ends,
            now,
        }
    }

    /// The V2 partner lists the client with an account already.
    fn refused(&self, row: &client::Model) -> WorkerError {
        WorkerError::Invalid(entity::client::already_has_account(
            &self.name,
            row.company_id.as_deref(),
        ))
    }

    /// The client's V2 account, with its standing, and its owner.
    async fn open_account<C: ConnectionTrait>(
        &self,
        txn: &C,
    ) -> Result<(account::Model, i64), WorkerError> {
        let paying = self.status == ClientStatus::Paying;
        let mut row = account::new_row(
            &self.name,
            AccountKind::Client,
            Platform::V2,
            self.trial_ends,
            self.now,
        );
        row.plan = Set(paying.then(|| "monthly".to_owned()));
        row.subscribed_at = Set(paying.then_some(self.now));
        let acc = account::insert_with_new_company_id(txn, row).await?;
        let email = Email::parse(&self.v1.email)
            .map_err(|e| WorkerError::Invalid(format!("stored email: {e}")))?;
        let owner = user::insert(
            txn,
            user::new_row(acc.id, &email, &self.name, None, Role::Owner, self.now),
        )
        .await?
        .ok_or_else(|| WorkerError::Invalid("the new account already has an owner".into()))?
        .id;
        Ok((acc, owner))
    }

    /// The partner had invited the client itself: that row gets the account.
    async fn attach<C: ConnectionTrait>(
        &self,
        txn: &C,
        acc: &account::Model,
        row: &client::Model,
    ) -> Result<i64, WorkerError> {
        let attached = client::set_status(client::Entity::update_many(), self.status)
            .col_expr(client::Column::ClientAccountId, Expr::value(acc.id))
            .col_expr(
                client::Column::CompanyId,
                Expr::value(acc.company_id.clone()),
            )
            .col_expr(client::Column::Name, Expr::value(self.name.clone()))
            .col_expr(
                client::Column::SortName,
                Expr::value(client::sort_name(Some(&self.name), &self.v1.email)),
            )
            .col_expr(client::Column::TrialEndsAt, Expr::value(self.trial_ends))
            .col_expr(
                client::Column::InvitedVia,
                Expr::value(InviteMethod::Upgrade),
            )
            .filter(client::Column::Id.eq(row.id))
            .filter(client::Column::Status.eq(ClientStatus::Invited))
            .filter(client::Column::ClientAccountId.is_null())
            .exec(txn)
            .await?;
        if attached.rows_affected != 1 {
            // The invite was accepted (or the row changed) since it was read: the new
            // account would be listed nowhere. Dropping the transaction undoes it all;
            // the upgrade fails with the reason, as when the row already had an account.
            return Err(self.refused(row));
        }
        Ok(row.id)
    }

    /// A new row in the V2 partner's list for the client's new account.
    async fn list<C: ConnectionTrait>(
        &self,
        txn: &C,
        acc: &account::Model,
    ) -> Result<i64, WorkerError> {
        let mut row = client::new_row(
            self.v2_partner,
            &self.v1.email,
            Some(self.name.clone()),
            self.status,
            InviteMethod::Upgrade,
            self.now,
        );
        row.client_account_id = Set(Some(acc.id));
        row.company_id = Set(Some(acc.company_id.clone()));
        row.trial_ends_at = Set(self.trial_ends);
        Ok(client::insert(txn, row)
            .await?
            .ok_or_else(|| WorkerError::Busy("the V2 client list changed meanwhile".into()))?
            .id)
    }

    /// Both partners' logs show it: the V1 partner's (its client left) and the V2 one's.
    async fn record<C: ConnectionTrait>(
        &self,
        txn: &C,
        acc: &account::Model,
        listed: i64,
    ) -> Result<(), WorkerError> {
        let detail = format!("{} upgraded to V2 as {}", self.name, acc.company_id);
        let v1 = self.v1;
        for (partner, row) in [(v1.partner_account_id, v1.id), (self.v2_partner, listed)] {
            let entry = audit_event::Entry::about_client(
                AuditAction::ClientUpgraded,
                acc.id,
                partner,
                row,
                detail.clone(),
            );
            audit_event::record(txn, self.now, audit_event::Origin::default(), entry).await?;
        }
        Ok(())
    }

    /// The client's owner sets a password for the new account.
    async fn send_set_password<C: ConnectionTrait>(
        &self,
        txn: &C,
        public_url: &str,
        acc: &account::Model,
        owner: i64,
    ) -> Result<(), WorkerError> {
        let link = entity::password_token::issue(
            txn,
            public_url,
            owner,
            entity::password_token::Purpose::Set,
            self.now + entity::password_token::SET_PASSWORD_TTL,
        )
        .await?;
        let partner_name = account::Entity::find_by_id(self.v2_partner)
            .one(txn)
            .await?
            .map(|a| a.name);
        let mail = Mail::SetPassword {
            to: self.v1.email.clone(),
            name: self.name.clone(),
            company_name: acc.name.clone(),
            partner_name,
            link,
            user_id: Some(owner),
        };
        queue_mail(txn, Some(acc.id), &mail).await?;
        Ok(())
    }
}
