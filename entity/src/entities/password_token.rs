//! Single-use links to set or reset a password (`{PUBLIC_URL}/reset-password/{token}`):
//! issued, throttled and claimed here, for the gateway and the worker alike. Only the
//! token's hash is stored.

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

/// A single-use link to set or reset a user's password. Only the token's SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// `set` (a new user's first password) or `reset`.
    pub purpose: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A new set or reset link for `user_id`, stored by its token's hash.
pub fn new_row(
    user_id: i64,
    token: &crate::TokenHash,
    purpose: &str,
    expires_at: DateTimeUtc,
    now: DateTimeUtc,
) -> ActiveModel {
    ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token.as_str().to_owned()),
        purpose: Set(purpose.to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
}

impl Model {
    /// Whether the link works now (a link is used once, and every other link of its user
    /// ends when one is used).
    pub fn state(&self, now: DateTimeUtc) -> crate::LinkState {
        crate::LinkState::of(self.used_at, self.expires_at, None, now)
    }
}

impl super::SingleUseLink for Entity {
    const COLUMNS: [Column; 3] = [Column::TokenHash, Column::ExpiresAt, Column::UsedAt];
}

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
    expires_at: DateTimeUtc,
) -> Result<String, DbErr> {
    let token = crate::SecretToken::generate();
    let row = new_row(
        user_id,
        &token.hash(),
        purpose.as_str(),
        expires_at,
        Utc::now(),
    );
    Entity::insert(row).exec(conn).await?;
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
    pub retry_at: DateTimeUtc,
}

/// Issues a single-use reset link (`RESET_TTL`) for `u` in `acc` (for a seat, for the
/// person behind it in their firm: `user::whose_password`) and queues the email,
/// inside the caller's transaction, unless a link went out less than `RESET_GAP` ago or
/// `RESETS_PER_HOUR` went out in the last hour.
pub async fn issue_reset<C: ConnectionTrait>(
    conn: &C,
    public_url: &str,
    u: &crate::user::Model,
    acc: &crate::account::Model,
) -> Result<Result<(), Throttled>, DbErr> {
    // A seat has no password of its own: the link sets the person's one password, in
    // their firm (SPEC §12).
    let (u, acc) = &crate::user::whose_password(conn, u, acc).await?;
    let now = Utc::now();
    let recent = Entity::find()
        .filter(Column::UserId.eq(u.id))
        .filter(Column::Purpose.eq(Purpose::Reset.as_str()))
        .filter(Column::CreatedAt.gt(now - chrono::Duration::hours(1)))
        .order_by_desc(Column::CreatedAt)
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
    crate::delivery::queue_mail(
        conn,
        Some(acc.id),
        &crate::mail::Mail::PasswordReset {
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
