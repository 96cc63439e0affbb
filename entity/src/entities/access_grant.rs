//! Access grants (SPEC §13): the client's permission behind a firm person's seat in its
//! account — who, in which role, since and until when, and where it stands. One row per
//! person and client account: a new request after an answer reuses it (the audit log
//! keeps the history).

use crate::domain::{GrantState, GrantStatus, Role};
use sea_orm::entity::prelude::*;

/// Days an unanswered request waits before it expires.
pub const REQUEST_DAYS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The client account the seat is in.
    pub client_account_id: i64,
    /// The person's partner firm.
    pub firm_account_id: i64,
    /// The firm's person (their user row in the firm).
    pub person_id: i64,
    /// The role asked for, then the role approved.
    pub role: Role,
    pub status: GrantStatus,
    /// Why the person asked.
    pub reason: Option<String>,
    pub requested_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// The client user who approved, declined or revoked.
    pub decided_by: Option<i64>,
    /// `None`: until revoked. For a PENDING request, the end asked for.
    pub expires_at: Option<DateTimeUtc>,
    /// When the 14-day and 3-day warnings before `expires_at` were sent.
    pub warned14_at: Option<DateTimeUtc>,
    pub warned3_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The firm's person.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::PersonId",
        to = "super::user::Column::Id"
    )]
    Person,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn state(&self) -> GrantState {
        GrantState {
            status: self.status,
            expires_at: self.expires_at,
        }
    }
}

/// The grant of `person_id` in `client_account_id`, if any.
pub async fn of<C: ConnectionTrait>(
    conn: &C,
    client_account_id: i64,
    person_id: i64,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::ClientAccountId.eq(client_account_id))
        .filter(Column::PersonId.eq(person_id))
        .one(conn)
        .await
}

/// Makes `person_id`'s grant in `client_account_id` ACTIVE in `role` with no end (the
/// sign-up form; a client admin adding the person), whatever it was before.
pub async fn activate<C: ConnectionTrait>(
    conn: &C,
    client_account_id: i64,
    firm_account_id: i64,
    person_id: i64,
    role: Role,
    decided_by: Option<i64>,
    now: DateTimeUtc,
) -> Result<(), DbErr> {
    use sea_orm::ActiveValue::Set;
    use sea_orm::sea_query::OnConflict;
    Entity::insert(ActiveModel {
        client_account_id: Set(client_account_id),
        firm_account_id: Set(firm_account_id),
        person_id: Set(person_id),
        role: Set(role),
        status: Set(GrantStatus::Active),
        reason: Set(None),
        requested_at: Set(now),
        decided_at: Set(Some(now)),
        decided_by: Set(decided_by),
        expires_at: Set(None),
        warned14_at: Set(None),
        warned3_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::ClientAccountId, Column::PersonId])
            .update_columns([
                Column::Role,
                Column::Status,
                Column::Reason,
                Column::RequestedAt,
                Column::DecidedAt,
                Column::DecidedBy,
                Column::ExpiresAt,
                Column::Warned14At,
                Column::Warned3At,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
