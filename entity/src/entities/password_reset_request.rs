use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

/// A recorded `requestPasswordReset`, whoever the email belongs to (or nobody). The worker
/// settles it: a link and an email if the email names an active user, nothing otherwise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_reset_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// As parsed at the edge (trimmed, lower-cased).
    pub email: String,
    /// The Company ID the caller gave to pick one of several accounts, if any.
    pub company_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub requested_at: DateTimeUtc,
    /// When the worker looked at it; null while pending.
    pub settled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records a reset request, to be settled by the worker. Where it came from is kept for the
/// audit log.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    email: &crate::Email,
    company_id: Option<&crate::CompanyId>,
    ip: Option<&str>,
    request_id: &str,
) -> Result<(), DbErr> {
    Entity::insert(ActiveModel {
        email: Set(email.as_str().to_owned()),
        company_id: Set(company_id.map(|c| c.as_str().to_owned())),
        ip: Set(ip.map(|i| i.chars().take(64).collect())),
        request_id: Set(Some(request_id.chars().take(64).collect())),
        requested_at: Set(chrono::Utc::now()),
        settled_at: Set(None),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}
