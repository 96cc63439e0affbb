//! Single-use links to set or reset a password: `{PUBLIC_URL}/reset-password/{token}`.

use chrono::{DateTime, Utc};
use entity::{SecretToken, password_token};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

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
    password_token::Entity::insert(password_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token.hash().into_string()),
        purpose: Set(purpose.as_str().to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(format!(
        "{}/reset-password/{}",
        public_url.trim_end_matches('/'),
        token.expose()
    ))
}
