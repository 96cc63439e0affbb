//! `gateway staff add|remove|list`: ops manage the support staff from a terminal, on the
//! gateway's own configuration (DATABASE_URL or the embedded SQLite file, PUBLIC_URL).

use crate::config::{Config, StaffCommand};
use crate::services::support;
use anyhow::Context;
use entity::{Email, PersonName};
use migration::MigratorTrait;

/// Runs one staff command; what it prints is for a person at a terminal.
pub async fn run(config: &Config, action: StaffCommand) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.worker.data_dir)
        .with_context(|| format!("creating DATA_DIR {}", config.worker.data_dir.display()))?;
    let db = entity::db::connect(&config.worker.database_url(), 2)
        .await
        .context("connecting to the database")?;
    // The same migrations the gateway applies at start: staff can be added before the
    // first start.
    migration::Migrator::up(&db, None)
        .await
        .context("applying migrations")?;
    let email = |raw: &str| Email::parse(raw).map_err(|e| anyhow::anyhow!("--email: {}", e.0));
    match action {
        StaffCommand::Add { email: e, name } => {
            let email = email(&e)?;
            let name = PersonName::parse(&name)
                .map_err(|e| anyhow::anyhow!("--name: {}", e.message("name")))?;
            let added = support::add_staff(&db, config.worker.public_url(), &email, &name)
                .await
                .map_err(|e| anyhow::anyhow!(e.for_terminal()))?;
            let how = if added.created {
                "added"
            } else {
                "made active again"
            };
            println!(
                "{} {how} as support staff (user {}); a link to set the password was emailed to them:",
                added.user.email, added.user.id
            );
            println!("{}", added.link);
            println!("The link works for 7 days and once; staff sessions last at most 8 hours.");
        }
        StaffCommand::Remove { email: e } => {
            let email = email(&e)?;
            let u = support::remove_staff(&db, &email)
                .await
                .map_err(|e| anyhow::anyhow!(e.for_terminal()))?;
            println!(
                "{} removed from support staff: deactivated and signed out everywhere",
                u.email
            );
        }
        StaffCommand::List => {
            let staff = support::list_staff(&db)
                .await
                .map_err(|e| anyhow::anyhow!(e.for_terminal()))?;
            println!("{:<40} {:<30} ACTIVE", "EMAIL", "NAME");
            for u in &staff {
                println!(
                    "{:<40} {:<30} {}",
                    u.email,
                    u.name,
                    if u.active { "yes" } else { "no" }
                );
            }
            println!("{} staff users", staff.len());
        }
    }
    Ok(())
}
