//! Single-use invite links (`{PUBLIC_URL}/invite/{token}`): issued when a partner invites
//! or re-invites a client, and again when a failed invite email is retried (its link was
//! removed from the outbox when it failed). Only the token's hash is stored.

use chrono::{DateTime, Utc};
use entity::{SecretToken, client, invite};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// An invite link works for this long.
pub const INVITE_TTL: chrono::Duration = chrono::Duration::days(30);

/// The client's links that still work stop working now; `why` ([`invite::REVOKED`] or
/// [`invite::REPLACED`]) is what their openers are told. Returns how many there were.
pub async fn end_links<C: ConnectionTrait>(
    conn: &C,
    client_id: i64,
    now: DateTime<Utc>,
    why: &str,
) -> Result<u64, DbErr> {
    let ended = invite::Entity::update_many()
        .col_expr(invite::Column::ExpiresAt, Expr::value(now))
        .col_expr(invite::Column::EndedBy, Expr::value(why))
        .filter(invite::Column::ClientId.eq(client_id))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?;
    Ok(ended.rows_affected)
}

/// Issues a fresh link for `client_id` and returns it; with `replace`, the client's
/// earlier links stop working first (a resend). The client row shows the new link's
/// end, and its invite is no longer revoked or reported expired.
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    public_url: &str,
    client_id: i64,
    now: DateTime<Utc>,
    replace: bool,
) -> Result<String, DbErr> {
    if replace {
        end_links(conn, client_id, now, invite::REPLACED).await?;
    }
    client::Entity::update_many()
        .col_expr(
            client::Column::InviteExpiresAt,
            Expr::value(now + INVITE_TTL),
        )
        .col_expr(
            client::Column::InviteRevokedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            client::Column::InviteExpiryNotifiedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(client::Column::Id.eq(client_id))
        .exec(conn)
        .await?;
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
