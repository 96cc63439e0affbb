//! Time travel: what a test cannot wait for (an invite sent six minutes ago, a link whose
//! 30 days passed, a trial ending in three days) written into the app's database, one
//! place for each kind. Clients are named by their GraphQL `id`.

use crate::TestApp;
use chrono::{DateTime, Duration, Utc};
use entity::{client, invite, password_token, session};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

/// The database id behind a GraphQL `ID` (`"42"`).
pub fn db_id(id: &Value) -> i64 {
    match id {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("not an id: {id}")),
        other => other.as_i64().unwrap_or_else(|| panic!("not an id: {id}")),
    }
}

impl TestApp {
    /// As if the client's invite was last sent `ago`: its `lastInviteSentAt`, and the
    /// creation of any of its invites newer than that (the resend throttle reads both).
    pub async fn backdate_invite(&self, client_id: &Value, ago: Duration) {
        let at = Utc::now() - ago;
        let id = db_id(client_id);
        client::Entity::update_many()
            .col_expr(client::Column::LastInviteSentAt, Expr::value(at))
            .filter(client::Column::Id.eq(id))
            .exec(self.db())
            .await
            .unwrap();
        invite::Entity::update_many()
            .col_expr(invite::Column::CreatedAt, Expr::value(at))
            .filter(invite::Column::ClientId.eq(id))
            .filter(invite::Column::CreatedAt.gt(at))
            .exec(self.db())
            .await
            .unwrap();
    }

    /// As if the client's open invite link expired `ago` unused: the link (refused, saying
    /// when it expired) and the row (`EXPIRED`, for the expiry sweep). Returns that instant.
    pub async fn expire_invite(&self, client_id: &Value, ago: Duration) -> DateTime<Utc> {
        let at = Utc::now() - ago;
        let id = db_id(client_id);
        invite::Entity::update_many()
            .col_expr(invite::Column::ExpiresAt, Expr::value(at))
            .filter(invite::Column::ClientId.eq(id))
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::EndedBy.is_null())
            .exec(self.db())
            .await
            .unwrap();
        client::Entity::update_many()
            .col_expr(client::Column::InviteExpiresAt, Expr::value(at))
            .filter(client::Column::Id.eq(id))
            .exec(self.db())
            .await
            .unwrap();
        at
    }

    /// Moves the end of the client's trial to `from_now` from now (negative: it ended that
    /// long ago; the trial sweep then expires it). Returns that instant.
    pub async fn end_trial_in(&self, client_id: &Value, from_now: Duration) -> DateTime<Utc> {
        let at = Utc::now() + from_now;
        client::Entity::update_many()
            .col_expr(client::Column::TrialEndsAt, Expr::value(at))
            .filter(client::Column::Id.eq(db_id(client_id)))
            .exec(self.db())
            .await
            .unwrap();
        at
    }

    /// As if every session's time ran out a second ago.
    pub async fn expire_every_session(&self) {
        session::Entity::update_many()
            .col_expr(
                session::Column::ExpiresAt,
                Expr::value(Utc::now() - Duration::seconds(1)),
            )
            .exec(self.db())
            .await
            .unwrap();
    }

    /// As if the hour of every emailed set-password and reset link ran out a second ago.
    pub async fn expire_password_links(&self) {
        password_token::Entity::update_many()
            .col_expr(
                password_token::Column::ExpiresAt,
                Expr::value(Utc::now() - Duration::seconds(1)),
            )
            .exec(self.db())
            .await
            .unwrap();
    }

    /// As if every session's second factor was verified `ago` (step-up's window).
    pub async fn age_second_factors(&self, ago: Duration) {
        session::Entity::update_many()
            .col_expr(
                session::Column::SecondFactorAt,
                Expr::value(Some(Utc::now() - ago)),
            )
            .filter(session::Column::SecondFactorAt.is_not_null())
            .exec(self.db())
            .await
            .unwrap();
    }

    /// As if every access grant ended (or ends) at `at` (SPEC §13).
    pub async fn grants_end_at(&self, at: DateTime<Utc>) {
        entity::access_grant::Entity::update_many()
            .col_expr(entity::access_grant::Column::ExpiresAt, Expr::value(at))
            .exec(self.db())
            .await
            .unwrap();
    }

    /// As if every access request was made `ago`.
    pub async fn requests_made(&self, ago: Duration) {
        entity::access_grant::Entity::update_many()
            .col_expr(
                entity::access_grant::Column::RequestedAt,
                Expr::value(Utc::now() - ago),
            )
            .exec(self.db())
            .await
            .unwrap();
    }

    /// As if every session a partner opened in a client account (`logInToClient`)
    /// expired a second ago, with nobody ending it (the clients' access logs keep it).
    pub async fn expire_partner_sessions_in_clients(&self) {
        let past = Utc::now() - Duration::seconds(1);
        session::Entity::update_many()
            .col_expr(session::Column::ExpiresAt, Expr::value(past))
            .filter(session::Column::OpenedByUserId.is_not_null())
            .exec(self.db())
            .await
            .unwrap();
        entity::access_session::Entity::update_many()
            .col_expr(entity::access_session::Column::ExpiresAt, Expr::value(past))
            .filter(entity::access_session::Column::EndedAt.is_null())
            .exec(self.db())
            .await
            .unwrap();
    }
}
