use sea_orm::ActiveValue::Set;
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

// Writing the log: the gateway records the actions it performs; the worker records those
// it settles later (a password reset request), with the origin the request carried.

/// One event to record.
#[derive(Debug)]
pub struct Entry {
    pub action: crate::AuditAction,
    /// The account acted in.
    pub account_id: Option<i64>,
    /// The partner whose audit log shows the event.
    pub partner_account_id: Option<i64>,
    pub target_client_id: Option<i64>,
    pub detail: Option<String>,
}

impl Entry {
    /// An event of `action` whose places are filled in by the caller.
    pub fn of(action: crate::AuditAction) -> Self {
        Entry {
            action,
            account_id: None,
            partner_account_id: None,
            target_client_id: None,
            detail: None,
        }
    }

    /// An event about one of a partner's clients, done in `account_id` (the partner's own
    /// account or the client's) and shown in that partner's log.
    pub fn about_client(
        action: crate::AuditAction,
        account_id: i64,
        partner_account_id: i64,
        client_id: i64,
        detail: String,
    ) -> Self {
        Entry {
            action,
            account_id: Some(account_id),
            partner_account_id: Some(partner_account_id),
            target_client_id: Some(client_id),
            detail: Some(detail),
        }
    }
}

/// Who acted, and from where.
#[derive(Debug, Default, Clone, Copy)]
pub struct Origin<'a> {
    /// `None` for the system or an anonymous caller.
    pub actor_user_id: Option<i64>,
    /// The partner user behind a session opened with `logInToClient`.
    pub on_behalf_of_user_id: Option<i64>,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Records `entry` as done at `at` from `origin`. Call it inside the transaction of the
/// action, so both commit or neither does.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTimeUtc,
    origin: Origin<'_>,
    entry: Entry,
) -> Result<(), DbErr> {
    Entity::insert(row(at, &origin, entry)).exec(conn).await?;
    Ok(())
}

/// Records `entries`, all done at `at` from `origin`, in one statement per 500.
pub async fn record_all<C: ConnectionTrait>(
    conn: &C,
    at: DateTimeUtc,
    origin: Origin<'_>,
    entries: Vec<Entry>,
) -> Result<(), DbErr> {
    let mut rows: Vec<ActiveModel> = entries.into_iter().map(|e| row(at, &origin, e)).collect();
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(500));
        Entity::insert_many(rows).exec(conn).await?;
        rows = rest;
    }
    Ok(())
}

fn row(at: DateTimeUtc, origin: &Origin<'_>, entry: Entry) -> ActiveModel {
    ActiveModel {
        at: Set(at),
        action: Set(entry.action.as_str().to_owned()),
        actor_user_id: Set(origin.actor_user_id),
        on_behalf_of_user_id: Set(origin.on_behalf_of_user_id),
        account_id: Set(entry.account_id),
        partner_account_id: Set(entry.partner_account_id),
        target_client_id: Set(entry.target_client_id),
        detail: Set(entry.detail),
        ip: Set(origin.ip.map(str::to_owned)),
        request_id: Set(origin.request_id.map(|r| r.chars().take(64).collect())),
        ..Default::default()
    }
}
