//! Single-use links to set or reset a password: `{PUBLIC_URL}/reset-password/{token}`.

use chrono::{DateTime, Utc};
use entity::{SecretToken, account, password_token, user};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// A set-password link for a user created on someone's behalf works for this long.
pub const SET_PASSWORD_TTL: chrono::Duration = chrono::Duration::days(7);

/// Why a link was issued; stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The first password of a user created on someone's behalf.
    Set,
    /// A forgotten or partner-requested reset.
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Set => "set",
            Purpose::Reset => "reset",
        }
    }
}

/// Stores a new link's token hash for `user_id`, valid until `expires_at`, and returns
/// the link to email. Call it inside the transaction that queues the email.
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    public_url: &str,
    user_id: i64,
    purpose: Purpose,
    expires_at: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = SecretToken::generate();
    let row = password_token::new_row(
        user_id,
        &token.hash(),
        purpose.as_str(),
        expires_at,
        Utc::now(),
    );
    password_token::Entity::insert(row).exec(conn).await?;
    Ok(format!(
        "{}/reset-password/{}",
        public_url.trim_end_matches('/'),
        token.expose()
    ))
}

/// A password reset link works for this long.
pub const RESET_TTL: chrono::Duration = chrono::Duration::hours(1);
/// At most this many reset links per user per hour…
pub const RESETS_PER_HOUR: u64 = 3;
/// …and one a minute.
pub const RESET_GAP: chrono::Duration = chrono::Duration::minutes(1);

/// A reset link was not issued: too many were sent lately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    pub reason: &'static str,
    /// When the next link may be issued.
    pub retry_at: DateTime<Utc>,
}

/// Issues a single-use reset link (`RESET_TTL`) for `u` in `acc` and queues the email,
/// inside the caller's transaction, unless a link went out less than `RESET_GAP` ago or
/// `RESETS_PER_HOUR` went out in the last hour.
pub async fn issue_reset<C: ConnectionTrait>(
    conn: &C,
    public_url: &str,
    u: &user::Model,
    acc: &account::Model,
) -> Result<Result<(), Throttled>, DbErr> {
    let now = Utc::now();
    let recent = password_token::Entity::find()
        .filter(password_token::Column::UserId.eq(u.id))
        .filter(password_token::Column::Purpose.eq(Purpose::Reset.as_str()))
        .filter(password_token::Column::CreatedAt.gt(now - chrono::Duration::hours(1)))
        .order_by_desc(password_token::Column::CreatedAt)
        .all(conn)
        .await?;
    if let Some(last) = recent.first()
        && last.created_at + RESET_GAP > now
    {
        return Ok(Err(Throttled {
            reason: "a reset link was sent less than a minute ago",
            retry_at: last.created_at + RESET_GAP,
        }));
    }
    if recent.len() as u64 >= RESETS_PER_HOUR {
        let oldest = recent.last().map_or(now, |t| t.created_at);
        return Ok(Err(Throttled {
            reason: "3 reset links were sent in the last hour",
            retry_at: oldest + chrono::Duration::hours(1),
        }));
    }
    let link = issue(conn, public_url, u.id, Purpose::Reset, now + RESET_TTL).await?;
    crate::queue_mail(
        conn,
        Some(acc.id),
        &crate::Mail::PasswordReset {
            to: u.email.clone(),
            name: u.name.clone(),
            company_name: acc.name.clone(),
            company_id: acc.company_id.clone(),
            link,
            user_id: Some(u.id),
        },
    )
    .await?;
    Ok(Ok(()))
}
