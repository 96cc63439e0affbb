//! Single-use invite links (`{PUBLIC_URL}/invite/{token}`): issued when a partner invites
//! or re-invites a client, and again when a failed invite email is retried (its link was
//! removed from the outbox when it failed). Only the token's hash is stored.

use chrono::{DateTime, Utc};
use entity::{SecretToken, invite};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// An invite link works for this long.
pub const INVITE_TTL: chrono::Duration = chrono::Duration::days(30);

/// Issues a fresh link for `client_id` and returns it; with `replace`, the client's
/// earlier links stop working first (a resend).
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    public_url: &str,
    client_id: i64,
    now: DateTime<Utc>,
    replace: bool,
) -> Result<String, DbErr> {
    if replace {
        invite::Entity::update_many()
            .col_expr(invite::Column::ExpiresAt, Expr::value(now))
            .filter(invite::Column::ClientId.eq(client_id))
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(now))
            .exec(conn)
            .await?;
    }
    let token = SecretToken::generate();
    invite::Entity::insert(invite::new_row(
        client_id,
        &token.hash(),
        now + INVITE_TTL,
        now,
    ))
    .exec(conn)
    .await?;
    Ok(format!(
        "{}/invite/{}",
        public_url.trim_end_matches('/'),
        token.expose()
    ))
}
