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

impl Model {
    /// Reads a client from a row whose select list begins with the client's columns in
    /// `Column::iter()` order (what `Entity::find()` selects); more may follow.
    /// By position: the list page reads 50 rows, and decoding by name costs a lookup and a
    /// formatted name per column (a quarter of the page's CPU when it did).
    pub fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        let at = |c: Column| c as usize;
        Ok(Model {
            id: row.try_get_by_index(at(Column::Id))?,
            partner_account_id: row.try_get_by_index(at(Column::PartnerAccountId))?,
            client_account_id: row.try_get_by_index(at(Column::ClientAccountId))?,
            company_id: row.try_get_by_index(at(Column::CompanyId))?,
            email: row.try_get_by_index(at(Column::Email))?,
            name: row.try_get_by_index(at(Column::Name))?,
            sort_name: row.try_get_by_index(at(Column::SortName))?,
            status: row.try_get_by_index(at(Column::Status))?,
            status_rank: row.try_get_by_index(at(Column::StatusRank))?,
            invited_via: row.try_get_by_index(at(Column::InvitedVia))?,
            invited_at: row.try_get_by_index(at(Column::InvitedAt))?,
            last_invite_sent_at: row.try_get_by_index(at(Column::LastInviteSentAt))?,
            trial_ends_at: row.try_get_by_index(at(Column::TrialEndsAt))?,
            upgrade_eligible: row.try_get_by_index(at(Column::UpgradeEligible))?,
            upgrade_deadline: row.try_get_by_index(at(Column::UpgradeDeadline))?,
            upgraded_at: row.try_get_by_index(at(Column::UpgradedAt))?,
            upgrade_requested_at: row.try_get_by_index(at(Column::UpgradeRequestedAt))?,
        })
    }

    /// How many columns `from_row` reads.
    pub fn column_count() -> usize {
        <Column as sea_orm::Iterable>::iter().count()
    }
}

/// The NAME sort key of a client.
pub fn sort_name(name: Option<&str>, email: &str) -> String {
    name.unwrap_or(email).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::Column;
    use sea_orm::Iterable;

    /// `Model::from_row` reads `Column::X as usize`: that must be X's place in the select
    /// list, which `Entity::find()` builds from `Column::iter()`.
    #[test]
    fn a_columns_number_is_its_place_in_the_select_list() {
        for (place, c) in Column::iter().enumerate() {
            assert_eq!(c as usize, place, "{c:?}");
        }
    }
}
