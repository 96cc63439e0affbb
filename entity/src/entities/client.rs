use crate::domain::{ClientStatus, InviteMethod};
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
    pub const COLUMNS: [Column; 12] = [
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
        })
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
        }
    }
}

/// The NAME sort key of a client.
pub fn sort_name(name: Option<&str>, email: &str) -> String {
    name.unwrap_or(email).to_lowercase()
}
