//! Single-use invite links (`{PUBLIC_URL}/invite/{token}`): issued when a partner
//! invites or re-invites a client, and again when a failed invite email is retried (its
//! link was removed from the outbox when it failed). Only the token's hash is stored.

use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;

/// A single-use email invite. Only the token's SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub client_id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// Why it stopped working before its time: [`REVOKED`], [`REPLACED`] or
    /// [`ACCOUNT_OPENED`].
    pub ended_by: Option<String>,
}

pub use crate::domain::link_state::{ACCOUNT_OPENED, REPLACED, REVOKED};

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A new invite link for `client_id`, stored by its token's hash.
pub fn new_row(
    client_id: i64,
    token: &crate::TokenHash,
    expires_at: DateTimeUtc,
    now: DateTimeUtc,
) -> ActiveModel {
    ActiveModel {
        client_id: Set(client_id),
        token_hash: Set(token.as_str().to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ended_by: Set(None),
        ..Default::default()
    }
}

impl Model {
    /// Whether the link works now, and if not, why.
    pub fn state(&self, now: DateTimeUtc) -> crate::LinkState {
        crate::LinkState::of(self.used_at, self.expires_at, self.ended_by.as_deref(), now)
    }
}

impl super::SingleUseLink for Entity {
    const COLUMNS: [Column; 3] = [Column::TokenHash, Column::ExpiresAt, Column::UsedAt];
}

/// An invite link works for this long.
pub const INVITE_TTL: chrono::Duration = chrono::Duration::days(30);

/// When the first link of a client invited `now` ends: a new client's row is inserted
/// with it, so [`issue`] need not write the row again.
pub fn first_link_ends(now: DateTimeUtc) -> DateTimeUtc {
    now + INVITE_TTL
}

/// The client's links that still work stop working now; `why` ([`invite::REVOKED`] or
/// [`REPLACED`]) is what their openers are told. Returns how many there were.
pub async fn end_links<C: ConnectionTrait>(
    conn: &C,
    client_id: i64,
    now: DateTimeUtc,
    why: &str,
) -> Result<u64, DbErr> {
    let ended = Entity::update_many()
        .col_expr(Column::ExpiresAt, Expr::value(now))
        .col_expr(Column::EndedBy, Expr::value(why))
        .filter(Column::ClientId.eq(client_id))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?;
    Ok(ended.rows_affected)
}

/// Issues a fresh link for `client_id` and returns it; with `replace`, the client's
/// earlier links stop working first (a resend). The client row shows the new link's
/// end, and its invite is no longer revoked or reported expired. Without `replace` the
/// client is new: its row was inserted showing the link's end (`now + INVITE_TTL`, see
/// [`first_link_ends`]) with nothing revoked or reported, so it is not written again.
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    public_url: &str,
    client_id: i64,
    now: DateTimeUtc,
    replace: bool,
) -> Result<String, DbErr> {
    if replace {
        end_links(conn, client_id, now, REPLACED).await?;
        crate::client::Entity::update_many()
            .col_expr(
                crate::client::Column::InviteExpiresAt,
                Expr::value(now + INVITE_TTL),
            )
            .col_expr(
                crate::client::Column::InviteRevokedAt,
                Expr::value(Option::<DateTimeUtc>::None),
            )
            .col_expr(
                crate::client::Column::InviteExpiryNotifiedAt,
                Expr::value(Option::<DateTimeUtc>::None),
            )
            .filter(crate::client::Column::Id.eq(client_id))
            .exec(conn)
            .await?;
    }
    let token = crate::SecretToken::generate();
    Entity::insert(new_row(client_id, &token.hash(), now + INVITE_TTL, now))
        .exec(conn)
        .await?;
    Ok(format!(
        "{}/invite/{}",
        public_url.trim_end_matches('/'),
        token.expose()
    ))
}
