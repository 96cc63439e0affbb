use sea_orm::entity::prelude::*;

/// A signed-in session. The bearer token itself is never stored, only its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when a partner user opened this session with `logInToClient`.
    pub opened_by_user_id: Option<i64>,
    /// The right password was given and a second factor must follow: the token does
    /// nothing but `verifySecondFactor` (SPEC §12).
    pub pending: bool,
    /// Wrong second-factor codes given on this pending token.
    pub tries: i32,
    /// When a second factor was last verified in this session (step-up).
    pub second_factor_at: Option<DateTimeUtc>,
    /// The person must enrol a second factor first (firm policy, support staff): the
    /// session can only do that.
    pub enrol_only: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
