//! Who looks at the client list (SPEC §4, §13): the firm and the person, whose seat and
//! access grant in each client account come along with the rows, and whose scope (all
//! of the firm's clients, or only those assigned to them) narrows every read of clients:
//! pages, counts, one client, the export.

use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use entity::{
    ClientScope, GrantState, PartnerSeat, Role, SeatAccess, access_grant, client, client_assignee,
    user,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
};

/// Whose list it is and who looks at it: the firm, and the person, whose seat and grant
/// in each client account come along and whose scope narrows the rows (SPEC §13).
#[derive(Debug, Clone, Default)]
pub struct Lens {
    pub firm_id: i64,
    /// The person's user id in the firm (0: nobody's, e.g. support staff reading).
    pub person_id: i64,
    pub email: String,
    /// Only the clients the person is assigned to.
    pub assigned_only: bool,
}

impl Lens {
    /// The signed-in firm member `v`.
    pub fn of(v: &crate::auth::ViewerUser) -> Lens {
        Lens {
            firm_id: v.account.id,
            person_id: v.user.id,
            email: v.user.email.clone(),
            assigned_only: v.user.role != Role::Owner
                && v.user.client_scope == ClientScope::AssignedClients,
        }
    }

    /// Everything of firm `firm_id`, as nobody in particular (support staff).
    pub fn whole_firm(firm_id: i64) -> Lens {
        Lens {
            firm_id,
            ..Lens::default()
        }
    }
}

impl Lens {
    /// Whether `lens` sees a client of the firm whose account is `client_account_id`.
    pub async fn sees_account<C: ConnectionTrait>(
        conn: &C,
        lens: &Lens,
        client_account_id: i64,
    ) -> ApiResult<bool> {
        Ok(seen_by(lens)
            .filter(client::Column::ClientAccountId.eq(client_account_id))
            .one(conn)
            .await?
            .is_some())
    }
}

/// The clients `lens` sees: the firm's, and for a member limited to assigned clients,
/// those assigned to them.
pub(super) fn seen_by(lens: &Lens) -> sea_orm::Select<client::Entity> {
    let mut q = client::Entity::find().filter(client::Column::PartnerAccountId.eq(lens.firm_id));
    if lens.assigned_only {
        q = q.filter(
            client::Column::Id.in_subquery(
                client_assignee::Entity::find()
                    .select_only()
                    .column(client_assignee::Column::ClientId)
                    .filter(client_assignee::Column::UserId.eq(lens.person_id))
                    .into_query(),
            ),
        );
    }
    q
}

/// The list's select list on `q`: the clients (`ListRow::COLUMNS`), then the role and
/// state of the person's own user row in each client account and the status and end of
/// the grant behind it (what decides "Log in", "Reset password" and "Request access",
/// read from covering indexes). [`read_row`] reads it back.
pub(super) fn with_seat(
    q: sea_orm::Select<client::Entity>,
    lens: &Lens,
) -> sea_orm::Select<client::Entity> {
    let email = lens.email.clone();
    let person = lens.person_id;
    let grant: sea_orm::RelationDef = client::Entity::belongs_to(access_grant::Entity)
        .from(client::Column::ClientAccountId)
        .to(access_grant::Column::ClientAccountId)
        .on_condition(move |_, right| {
            Condition::all().add(Expr::col((right, access_grant::Column::PersonId)).eq(person))
        })
        .into();
    let partner_user: sea_orm::RelationDef = client::Entity::belongs_to(user::Entity)
        .from(client::Column::ClientAccountId)
        .to(user::Column::AccountId)
        .on_condition(move |_, right| {
            Condition::all().add(Expr::col((right, user::Column::Email)).eq(email.clone()))
        })
        .into();
    q.select_only()
        .columns(client::ListRow::COLUMNS)
        .join(sea_orm::JoinType::LeftJoin, partner_user)
        .expr(Expr::col((user::Entity, user::Column::Role)))
        .expr(Expr::col((user::Entity, user::Column::Active)))
        .join(sea_orm::JoinType::LeftJoin, grant)
        .expr(Expr::col((
            access_grant::Entity,
            access_grant::Column::Status,
        )))
        .expr(Expr::col((
            access_grant::Entity,
            access_grant::Column::ExpiresAt,
        )))
}

/// The columns after [`with_seat`]'s, by position.
pub(super) const AFTER_SEAT: usize = client::ListRow::COLUMNS.len() + 4;

/// A row of [`with_seat`]: the client and the person's seat and grant in its account.
pub(super) fn read_row(r: &sea_orm::QueryResult) -> ApiResult<(client::ListRow, SeatAccess)> {
    let n = client::ListRow::COLUMNS.len();
    let c = client::ListRow::from_row(r)?;
    let role: Option<entity::Role> = r.try_get_by_index(n)?;
    let active: Option<bool> = r.try_get_by_index(n + 1)?;
    let status: Option<entity::GrantStatus> = r.try_get_by_index(n + 2)?;
    let expires_at: Option<DateTime<Utc>> = r.try_get_by_index(n + 3)?;
    Ok((
        c,
        SeatAccess {
            seat: role
                .zip(active)
                .map(|(role, active)| PartnerSeat { role, active }),
            grant: status.map(|status| GrantState { status, expires_at }),
        },
    ))
}

/// One client `lens` sees, or `None` (also for another partner's client, and for a
/// client a member limited to assigned clients is not assigned to).
pub async fn get<C: ConnectionTrait>(
    db: &C,
    lens: &Lens,
    id: i64,
) -> ApiResult<Option<client::Model>> {
    Ok(seen_by(lens)
        .filter(client::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// One client `lens` sees with the person's seat and grant in its account (what decides
/// "Log in", "Reset password" and "Request access"), as a list row has them.
pub async fn get_with_seat<C: ConnectionTrait>(
    db: &C,
    lens: &Lens,
    id: i64,
) -> ApiResult<Option<(client::ListRow, SeatAccess)>> {
    let q = with_seat(seen_by(lens).filter(client::Column::Id.eq(id)), lens).into_query();
    db.query_one(&q).await?.as_ref().map(read_row).transpose()
}
