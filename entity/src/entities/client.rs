use crate::domain::{ClientStatus, InviteMethod};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

/// A row of a partner's client list: one client business, from invitation on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub partner_account_id: i64,
    /// The client's own account; `None` while INVITED.
    pub client_account_id: Option<i64>,
    /// Company ID of the client's account, copied here so the list needs no join.
    pub company_id: Option<String>,
    pub email: String,
    pub name: Option<String>,
    /// Lower-cased name (or email while there is no name): the NAME sort key.
    pub sort_name: String,
    pub status: ClientStatus,
    /// `status.rank()`: the STATUS sort key.
    pub status_rank: i16,
    pub invited_via: InviteMethod,
    pub invited_at: DateTimeUtc,
    pub last_invite_sent_at: Option<DateTimeUtc>,
    pub trial_ends_at: Option<DateTimeUtc>,
    /// V1 clients: whether the client may be upgraded to V2, and until when.
    pub upgrade_eligible: bool,
    pub upgrade_deadline: Option<DateTimeUtc>,
    pub upgraded_at: Option<DateTimeUtc>,
    pub upgrade_requested_at: Option<DateTimeUtc>,
    /// When the current invite link stops working (INVITED rows with a link).
    pub invite_expires_at: Option<DateTimeUtc>,
    /// Set by `revokeInvite`; cleared when a new invite is sent.
    pub invite_revoked_at: Option<DateTimeUtc>,
    /// When the partner was told that the current invite expired unused.
    pub invite_expiry_notified_at: Option<DateTimeUtc>,
    /// The last `logInToClient` into this client by any of the partner's users.
    pub last_partner_login_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A row of the client list: the columns the list shows and sorts by, fewer than
/// `Model`'s (the upgrade columns and the partner are not read), so each of a page's
/// rows decodes less.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRow {
    pub id: i64,
    pub client_account_id: Option<i64>,
    pub company_id: Option<String>,
    pub email: String,
    pub name: Option<String>,
    pub sort_name: String,
    pub status: ClientStatus,
    pub status_rank: i16,
    pub invited_via: InviteMethod,
    pub invited_at: DateTimeUtc,
    pub last_invite_sent_at: Option<DateTimeUtc>,
    pub trial_ends_at: Option<DateTimeUtc>,
    pub invite_expires_at: Option<DateTimeUtc>,
    pub invite_revoked_at: Option<DateTimeUtc>,
    pub last_partner_login_at: Option<DateTimeUtc>,
}

/// The place of `c` in `ListRow::COLUMNS`; a column missing from it fails the build.
const fn list_place(c: Column) -> usize {
    let mut i = 0;
    while i < ListRow::COLUMNS.len() {
        if ListRow::COLUMNS[i] as usize == c as usize {
            return i;
        }
        i += 1;
    }
    panic!("column not in ListRow::COLUMNS")
}

impl ListRow {
    /// The columns `from_row` reads, in select-list order.
    pub const COLUMNS: [Column; 15] = [
        Column::Id,
        Column::ClientAccountId,
        Column::CompanyId,
        Column::Email,
        Column::Name,
        Column::SortName,
        Column::Status,
        Column::StatusRank,
        Column::InvitedVia,
        Column::InvitedAt,
        Column::LastInviteSentAt,
        Column::TrialEndsAt,
        Column::InviteExpiresAt,
        Column::InviteRevokedAt,
        Column::LastPartnerLoginAt,
    ];

    /// Reads a row whose select list begins with `COLUMNS`, in that order; more may follow.
    pub fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        const ID: usize = list_place(Column::Id);
        const CLIENT_ACCOUNT_ID: usize = list_place(Column::ClientAccountId);
        const COMPANY_ID: usize = list_place(Column::CompanyId);
        const EMAIL: usize = list_place(Column::Email);
        const NAME: usize = list_place(Column::Name);
        const SORT_NAME: usize = list_place(Column::SortName);
        const STATUS: usize = list_place(Column::Status);
        const STATUS_RANK: usize = list_place(Column::StatusRank);
        const INVITED_VIA: usize = list_place(Column::InvitedVia);
        const INVITED_AT: usize = list_place(Column::InvitedAt);
        const LAST_INVITE_SENT_AT: usize = list_place(Column::LastInviteSentAt);
        const TRIAL_ENDS_AT: usize = list_place(Column::TrialEndsAt);
        const INVITE_EXPIRES_AT: usize = list_place(Column::InviteExpiresAt);
        const INVITE_REVOKED_AT: usize = list_place(Column::InviteRevokedAt);
        const LAST_PARTNER_LOGIN_AT: usize = list_place(Column::LastPartnerLoginAt);
        Ok(ListRow {
            id: row.try_get_by_index(ID)?,
            client_account_id: row.try_get_by_index(CLIENT_ACCOUNT_ID)?,
            company_id: row.try_get_by_index(COMPANY_ID)?,
            email: row.try_get_by_index(EMAIL)?,
            name: row.try_get_by_index(NAME)?,
            sort_name: row.try_get_by_index(SORT_NAME)?,
            status: row.try_get_by_index(STATUS)?,
            status_rank: row.try_get_by_index(STATUS_RANK)?,
            invited_via: row.try_get_by_index(INVITED_VIA)?,
            invited_at: row.try_get_by_index(INVITED_AT)?,
            last_invite_sent_at: row.try_get_by_index(LAST_INVITE_SENT_AT)?,
            trial_ends_at: row.try_get_by_index(TRIAL_ENDS_AT)?,
            invite_expires_at: row.try_get_by_index(INVITE_EXPIRES_AT)?,
            invite_revoked_at: row.try_get_by_index(INVITE_REVOKED_AT)?,
            last_partner_login_at: row.try_get_by_index(LAST_PARTNER_LOGIN_AT)?,
        })
    }
}

impl ListRow {
    /// What the person whose seat and grant in this client's account are `seat` can do
    /// there at `now`: the list's `partnerAccess` and the CSV export's column, one rule. A
    /// client with no account yet has no seat, whatever was joined.
    pub fn partner_access(
        &self,
        seat: crate::SeatAccess,
        now: DateTimeUtc,
    ) -> crate::PartnerAccess {
        if self.client_account_id.is_none() {
            return crate::PartnerAccess::Missing;
        }
        seat.access(now)
    }

    /// Where the row's invite stands at `now` (`None` once the client has an account).
    pub fn invite_state(&self, now: DateTimeUtc) -> Option<crate::InviteState> {
        crate::InviteState::of(
            self.status,
            self.invite_expires_at,
            self.invite_revoked_at,
            now,
        )
    }

    /// The actions this row offers now to the person whose seat and grant in the
    /// client's account are `seat`, of a partner on `platform`
    /// (`crate::ClientAction::available`).
    pub fn actions(
        &self,
        seat: crate::SeatAccess,
        platform: crate::Platform,
        now: DateTimeUtc,
    ) -> Vec<crate::ClientAction> {
        crate::ClientAction::available(
            self.status,
            self.invite_state(now),
            self.partner_access(seat, now),
            platform,
        )
    }
}

impl From<&Model> for ListRow {
    fn from(c: &Model) -> Self {
        ListRow {
            id: c.id,
            client_account_id: c.client_account_id,
            company_id: c.company_id.clone(),
            email: c.email.clone(),
            name: c.name.clone(),
            sort_name: c.sort_name.clone(),
            status: c.status,
            status_rank: c.status_rank,
            invited_via: c.invited_via,
            invited_at: c.invited_at,
            last_invite_sent_at: c.last_invite_sent_at,
            trial_ends_at: c.trial_ends_at,
            invite_expires_at: c.invite_expires_at,
            invite_revoked_at: c.invite_revoked_at,
            last_partner_login_at: c.last_partner_login_at,
        }
    }
}

/// The NAME sort key of a client.
pub fn sort_name(name: Option<&str>, email: &str) -> String {
    name.unwrap_or(email).to_lowercase()
}

/// A new client row as it first appears in `partner_account_id`'s list: no account yet,
/// no trial, not a V1 upgrade candidate. Callers set what differs (a V1 import's account
/// and upgrade deadline, an upgrade's trial) on the returned row.
pub fn new_row(
    partner_account_id: i64,
    email: &str,
    name: Option<String>,
    status: ClientStatus,
    via: InviteMethod,
    now: DateTimeUtc,
) -> ActiveModel {
    ActiveModel {
        partner_account_id: Set(partner_account_id),
        client_account_id: Set(None),
        company_id: Set(None),
        email: Set(email.to_owned()),
        sort_name: Set(sort_name(name.as_deref(), email)),
        name: Set(name),
        status: Set(status),
        status_rank: Set(status.rank()),
        invited_via: Set(via),
        invited_at: Set(now),
        last_invite_sent_at: Set(None),
        trial_ends_at: Set(None),
        upgrade_eligible: Set(false),
        upgrade_deadline: Set(None),
        upgraded_at: Set(None),
        upgrade_requested_at: Set(None),
        invite_expires_at: Set(None),
        invite_revoked_at: Set(None),
        invite_expiry_notified_at: Set(None),
        last_partner_login_at: Set(None),
        ..Default::default()
    }
}

/// Inserts `row`; `None` when the partner already lists a client with that email.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    row: ActiveModel,
) -> Result<Option<Model>, DbErr> {
    super::insert_unless_exists(conn, row, [Column::PartnerAccountId, Column::Email]).await
}

/// Sets the status of the rows `update` selects, and its sort rank with it: the two are
/// only ever written together.
pub fn set_status(
    update: sea_orm::UpdateMany<Entity>,
    status: ClientStatus,
) -> sea_orm::UpdateMany<Entity> {
    update
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::StatusRank, Expr::value(status.rank()))
}

/// An INVITED client row gets its new account `acc` and starts its trial, ending at
/// `ends`. Returns `false` (and changes nothing) when the row is not INVITED any more.
pub async fn become_trial<C: ConnectionTrait>(
    conn: &C,
    client_id: i64,
    acc: &super::account::Model,
    ends: DateTimeUtc,
) -> Result<bool, DbErr> {
    let done = set_status(Entity::update_many(), ClientStatus::Trial)
        .col_expr(Column::ClientAccountId, Expr::value(acc.id))
        .col_expr(Column::CompanyId, Expr::value(acc.company_id.clone()))
        .col_expr(Column::Name, Expr::value(acc.name.clone()))
        .col_expr(
            Column::SortName,
            Expr::value(sort_name(Some(&acc.name), "")),
        )
        .col_expr(Column::TrialEndsAt, Expr::value(ends))
        .filter(Column::Id.eq(client_id))
        .filter(Column::Status.eq(ClientStatus::Invited))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// When a trial that starts at `now` ends.
pub fn trial_end(now: DateTimeUtc, length: std::time::Duration) -> DateTimeUtc {
    now + chrono::Duration::from_std(length).unwrap_or(chrono::Duration::days(14))
}

/// The partner whose audit log shows events in `acc`: itself for a partner account, the
/// partner that lists it for a client account.
pub async fn partner_of<C: ConnectionTrait>(
    conn: &C,
    acc: &crate::account::Model,
) -> Result<Option<i64>, DbErr> {
    if acc.kind == crate::AccountKind::Partner {
        return Ok(Some(acc.id));
    }
    Ok(Entity::find()
        .filter(Column::ClientAccountId.eq(acc.id))
        .one(conn)
        .await?
        .map(|c| c.partner_account_id))
}

/// Why an upgrade cannot be done: the connected V2 partner already lists this client
/// with an account of its own. The gateway refuses the request for the same reason.
pub fn already_has_account(name: &str, company_id: Option<&str>) -> String {
    format!(
        "{name} already has a V2 account in the connected dashboard ({}): it cannot be upgraded into a second one",
        company_id.unwrap_or("no Company ID")
    )
}
