use crate::domain::{AccountKind, Platform};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub company_id: String,
    pub name: String,
    pub kind: AccountKind,
    pub platform: Platform,
    /// End of a client account's free trial; `None` for partner accounts.
    pub trial_ends_at: Option<DateTimeUtc>,
    /// The code of a partner's unique invite link; `None` until first asked for.
    #[sea_orm(unique)]
    pub invite_code: Option<String>,
    /// The paid plan, once subscribed.
    pub plan: Option<String>,
    pub subscribed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// A partner firm's policy (SPEC §12): from this instant every member needs a second
    /// factor. `None`: not required.
    pub second_factor_required_from: Option<DateTimeUtc>,
    /// A partner firm's policy (SPEC §13): `logInToClient` needs a reason.
    pub access_reason_required: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A new account row; `insert_with_new_company_id` gives it its Company ID.
pub fn new_row(
    name: &str,
    kind: AccountKind,
    platform: Platform,
    trial_ends_at: Option<DateTimeUtc>,
    now: DateTimeUtc,
) -> ActiveModel {
    ActiveModel {
        name: sea_orm::ActiveValue::Set(name.to_owned()),
        kind: sea_orm::ActiveValue::Set(kind),
        platform: sea_orm::ActiveValue::Set(platform),
        trial_ends_at: sea_orm::ActiveValue::Set(trial_ends_at),
        created_at: sea_orm::ActiveValue::Set(now),
        ..Default::default()
    }
}

/// Inserts `row` as a new account under a fresh random Company ID, trying again on the
/// rare collision. The unique index decides, so an ID once used is never handed out again.
pub async fn insert_with_new_company_id<C: ConnectionTrait>(
    conn: &C,
    mut row: ActiveModel,
) -> Result<Model, DbErr> {
    for _ in 0..8 {
        row.company_id =
            sea_orm::ActiveValue::Set(crate::domain::CompanyId::random().as_str().to_owned());
        let res = Entity::insert(row.clone())
            .on_conflict_do_nothing_on([Column::CompanyId])
            .exec(conn)
            .await?;
        if let sea_orm::TryInsertResult::Inserted(r) = res {
            return Entity::find_by_id(r.last_insert_id)
                .one(conn)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("account vanished after insert".into()));
        }
    }
    Err(DbErr::Custom(
        "could not find a free Company ID after 8 tries".into(),
    ))
}
