//! A person's second factors (SPEC §12): TOTP authenticators (the secret encrypted at
//! rest by the gateway) and passkeys. Recovery codes are `recovery_code`.

use sea_orm::entity::prelude::*;

/// `kind` of an authenticator app (RFC 6238).
pub const TOTP: &str = "TOTP";
/// `kind` of a passkey (WebAuthn).
pub const PASSKEY: &str = "PASSKEY";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "second_factors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// [`TOTP`] or [`PASSKEY`].
    pub kind: String,
    /// The person's name for it ("Phone").
    pub label: String,
    /// TOTP: the secret, encrypted (nonce and ciphertext, base64). Passkey: the
    /// credential, as JSON.
    pub secret: Option<String>,
    /// A TOTP secret works once confirmed with a code.
    pub confirmed: bool,
    /// TOTP: the last time step accepted, so a code works once.
    pub last_step: Option<i64>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The confirmed factors of `user_id`, oldest first.
pub async fn of_user<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QueryOrder;
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Confirmed.eq(true))
        .order_by_asc(Column::Id)
        .all(conn)
        .await
}
