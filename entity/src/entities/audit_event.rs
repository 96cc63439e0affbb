use sea_orm::entity::prelude::*;

/// Who did what, on whose behalf, when and from where (SPEC §5).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// e.g. `client.invited`, `client.log_in`, `user.role_changed`.
    pub action: String,
    pub actor_user_id: Option<i64>,
    /// The partner user behind a session opened with `logInToClient`.
    pub on_behalf_of_user_id: Option<i64>,
    /// The account acted in.
    pub account_id: Option<i64>,
    /// The partner whose audit log shows the event.
    pub partner_account_id: Option<i64>,
    pub target_client_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
