//! Schema migrations. The same migrations serve SQLite (embedded default) and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m0001_accounts_users_sessions;
mod m0002_deliveries;
mod m0003_clients_invites;
mod m0004_actions_audit;
mod m0005_legacy;
mod m0006_partner_connect;
mod m0007_upgrades;
mod m0008_delivery_claims;
mod m0009_password_reset_requests;
mod m0010_users_partner_probe_index;
mod m0011_tasks;
mod m0012_partner_suspensions;
mod m0013_invite_lifecycle;
mod m0014_clients_partner_id_index;
mod m0015_delivery_owners;
mod m0016_one_identity;
mod m0017_second_factors;
mod m0018_passkey_challenges;
mod m0019_client_access;
mod m0020_client_status_counts;
mod m0021_statement_counters;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_accounts_users_sessions::Migration),
            Box::new(m0002_deliveries::Migration),
            Box::new(m0003_clients_invites::Migration),
            Box::new(m0004_actions_audit::Migration),
            Box::new(m0005_legacy::Migration),
            Box::new(m0006_partner_connect::Migration),
            Box::new(m0007_upgrades::Migration),
            Box::new(m0008_delivery_claims::Migration),
            Box::new(m0009_password_reset_requests::Migration),
            Box::new(m0010_users_partner_probe_index::Migration),
            Box::new(m0011_tasks::Migration),
            Box::new(m0012_partner_suspensions::Migration),
            Box::new(m0013_invite_lifecycle::Migration),
            Box::new(m0014_clients_partner_id_index::Migration),
            Box::new(m0015_delivery_owners::Migration),
            Box::new(m0016_one_identity::Migration),
            Box::new(m0017_second_factors::Migration),
            Box::new(m0018_passkey_challenges::Migration),
            Box::new(m0019_client_access::Migration),
            Box::new(m0020_client_status_counts::Migration),
            Box::new(m0021_statement_counters::Migration),
        ]
    }
}
