//! Importing a legacy V1 export (`partner-legacy-export/1`): V1 partner accounts, their
//! users (argon2id PHC hashes kept as they are, so V1 users log in with their V1
//! passwords) and their clients with status, upgrade eligibility and deadline.
//!
//! The whole file is checked first and every bad record is reported with its path in the
//! file; nothing is written unless every record is good. Importing the same file again
//! changes nothing: partners whose Company ID is already imported are skipped.

use chrono::{DateTime, Utc};
use entity::{
    AccountKind, ClientStatus, CompanyId, Email, InviteMethod, Platform, Role, account, client,
    user,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;

pub const FORMAT: &str = "partner-legacy-export/1";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LegacyUser {
    email: String,
    name: String,
    role: String,
    password_hash: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LegacyClient {
    company_id: String,
    name: String,
    email: String,
    status: String,
    upgrade_eligible: bool,
    upgrade_deadline: Option<DateTime<Utc>>,
}

/// A checked partner, ready to write.
#[derive(Debug)]
pub struct Partner {
    pub company_id: CompanyId,
    pub name: String,
    pub users: Vec<(Email, String, Role, String)>,
    pub clients: Vec<Client>,
}

#[derive(Debug)]
pub struct Client {
    pub company_id: CompanyId,
    pub name: String,
    pub email: Email,
    pub status: ClientStatus,
    pub upgrade_eligible: bool,
    pub upgrade_deadline: Option<DateTime<Utc>>,
}

/// Every problem found in a file, each with its path (`partners[0].users[1].role`).
#[derive(Debug, thiserror::Error)]
#[error("the export has {} bad record(s):\n{}", .0.len(), .0.join("\n"))]
pub struct Invalid(pub Vec<String>);

fn role(raw: &str) -> Option<Role> {
    match raw {
        "OWNER" => Some(Role::Owner),
        "ADMIN" => Some(Role::Admin),
        "MANAGER" => Some(Role::Manager),
        "EMPLOYEE" => Some(Role::Employee),
        _ => None,
    }
}

fn status(raw: &str) -> Option<ClientStatus> {
    match raw {
        "INVITED" => Some(ClientStatus::Invited),
        "TRIAL" => Some(ClientStatus::Trial),
        "TRIAL_EXPIRED" => Some(ClientStatus::TrialExpired),
        "PAYING" => Some(ClientStatus::Paying),
        _ => None,
    }
}

fn text(errors: &mut Vec<String>, path: &str, raw: &str) -> String {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
        errors.push(format!(
            "{path}: must be 1 to 200 characters with no control characters"
        ));
    }
    t.to_owned()
}

/// Parses and checks a whole export. Returns every problem, not just the first.
pub fn parse(json: &str) -> Result<Vec<Partner>, Invalid> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| Invalid(vec![format!("not JSON: {e}")]))?;
    let mut errors = Vec::new();
    match doc.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        other => errors.push(format!(
            "format: expected \"{FORMAT}\", found {}",
            other.map_or("nothing".into(), |f| format!("\"{f}\""))
        )),
    }
    let Some(partners) = doc.get("partners").and_then(Value::as_array) else {
        errors.push("partners: missing or not a list".into());
        return Err(Invalid(errors));
    };
    let mut seen_ids = HashSet::new();
    let mut out = Vec::with_capacity(partners.len());
    for (pi, p) in partners.iter().enumerate() {
        let pp = format!("partners[{pi}]");
        let company_id = match p
            .get("companyId")
            .and_then(Value::as_str)
            .map(CompanyId::parse)
        {
            Some(Ok(id)) => {
                if !seen_ids.insert(id.clone()) {
                    errors.push(format!(
                        "{pp}.companyId: {id} appears more than once in the file"
                    ));
                }
                Some(id)
            }
            Some(Err(e)) => {
                errors.push(format!("{pp}.companyId: {e}"));
                None
            }
            None => {
                errors.push(format!("{pp}.companyId: missing"));
                None
            }
        };
        let name = match p.get("name").and_then(Value::as_str) {
            Some(n) => text(&mut errors, &format!("{pp}.name"), n),
            None => {
                errors.push(format!("{pp}.name: missing"));
                String::new()
            }
        };
        let mut users = Vec::new();
        let mut emails = HashSet::new();
        let raw_users = p
            .get("users")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_else(|| {
                errors.push(format!("{pp}.users: missing or not a list"));
                Vec::new()
            });
        for (ui, u) in raw_users.into_iter().enumerate() {
            let up = format!("{pp}.users[{ui}]");
            let u: LegacyUser = match serde_json::from_value(u) {
                Ok(u) => u,
                Err(e) => {
                    errors.push(format!("{up}: {e}"));
                    continue;
                }
            };
            let email = Email::parse(&u.email)
                .map_err(|e| errors.push(format!("{up}.email: {e}")))
                .ok();
            let r = role(&u.role);
            if r.is_none() {
                errors.push(format!(
                    "{up}.role: unknown role \"{}\" (OWNER, ADMIN, MANAGER or EMPLOYEE)",
                    u.role
                ));
            }
            if argon2::password_hash::PasswordHash::new(&u.password_hash).is_err()
                || !u.password_hash.starts_with("$argon2")
            {
                errors.push(format!("{up}.passwordHash: not an argon2 PHC string"));
            }
            let n = text(&mut errors, &format!("{up}.name"), &u.name);
            if let (Some(email), Some(r)) = (email, r) {
                if !emails.insert(email.clone()) {
                    errors.push(format!("{up}.email: {email} appears twice in this partner"));
                }
                users.push((email, n, r, u.password_hash));
            }
        }
        let owners = users.iter().filter(|u| u.2 == Role::Owner).count();
        if owners != 1 {
            errors.push(format!("{pp}.users: needs exactly one OWNER, has {owners}"));
        }
        let mut clients = Vec::new();
        let mut client_emails = HashSet::new();
        let raw_clients = p
            .get("clients")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (ci, c) in raw_clients.into_iter().enumerate() {
            let cp = format!("{pp}.clients[{ci}]");
            let c: LegacyClient = match serde_json::from_value(c) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(format!("{cp}: {e}"));
                    continue;
                }
            };
            let cid = CompanyId::parse(&c.company_id)
                .map_err(|e| errors.push(format!("{cp}.companyId: {e}")))
                .ok();
            if let Some(cid) = &cid
                && !seen_ids.insert(cid.clone())
            {
                errors.push(format!(
                    "{cp}.companyId: {cid} appears more than once in the file"
                ));
            }
            let email = Email::parse(&c.email)
                .map_err(|e| errors.push(format!("{cp}.email: {e}")))
                .ok();
            let st = status(&c.status);
            if st.is_none() {
                errors.push(format!("{cp}.status: unknown status \"{}\"", c.status));
            }
            if c.upgrade_eligible && c.upgrade_deadline.is_none() {
                errors.push(format!(
                    "{cp}.upgradeDeadline: an eligible client needs a deadline"
                ));
            }
            let n = text(&mut errors, &format!("{cp}.name"), &c.name);
            if let Some(email) = &email
                && !client_emails.insert(email.clone())
            {
                errors.push(format!(
                    "{cp}.email: {email} is the email of another client of this partner"
                ));
            }
            if let (Some(company_id), Some(email), Some(status)) = (cid, email, st) {
                clients.push(Client {
                    company_id,
                    name: n,
                    email,
                    status,
                    upgrade_eligible: c.upgrade_eligible,
                    upgrade_deadline: c.upgrade_deadline,
                });
            }
        }
        if let Some(company_id) = company_id {
            out.push(Partner {
                company_id,
                name,
                users,
                clients,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(errors))
    }
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub partners: u64,
    pub users: u64,
    pub clients: u64,
    /// Partners already imported (same Company ID, V1): left as they are.
    pub skipped_partners: u64,
}

/// Checks that no Company ID in the file belongs to an account that is not this file's
/// V1 partner already imported; returns the partners that are new.
pub async fn plan(
    db: &DatabaseConnection,
    partners: Vec<Partner>,
) -> Result<(Vec<Partner>, u64), Invalid> {
    let mut errors = Vec::new();
    let mut new = Vec::new();
    let mut skipped = 0;
    for (pi, p) in partners.into_iter().enumerate() {
        let existing = account::Entity::find()
            .filter(account::Column::CompanyId.eq(p.company_id.as_str()))
            .one(db)
            .await
            .map_err(|e| Invalid(vec![format!("database: {e}")]))?;
        match existing {
            Some(a) if a.platform == Platform::V1 && a.kind == AccountKind::Partner => skipped += 1,
            Some(_) => errors.push(format!(
                "partners[{pi}].companyId: {} already belongs to another account",
                p.company_id
            )),
            None => {
                let ids: Vec<&str> = p.clients.iter().map(|c| c.company_id.as_str()).collect();
                for chunk in ids.chunks(500) {
                    let taken = account::Entity::find()
                        .filter(account::Column::CompanyId.is_in(chunk.iter().copied()))
                        .all(db)
                        .await
                        .map_err(|e| Invalid(vec![format!("database: {e}")]))?;
                    for a in taken {
                        errors.push(format!("partners[{pi}].clients: Company ID {} already belongs to another account", a.company_id));
                    }
                }
                new.push(p);
            }
        }
    }
    if errors.is_empty() {
        Ok((new, skipped))
    } else {
        Err(Invalid(errors))
    }
}

/// Writes checked partners, all in one transaction; `progress` is told how many
/// clients were written.
pub async fn write(
    db: &DatabaseConnection,
    partners: &[Partner],
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, DbErr> {
    let mut report = ImportReport::default();
    let now = Utc::now();
    // One transaction for the whole import: a failure while writing leaves nothing
    // half-written, and the same file can simply be imported again.
    let txn = entity::db::begin_write(db).await?;
    for p in partners {
        // V1 accounts keep their Company IDs.
        let v1_account = |company_id: &CompanyId, name: &str, kind| account::ActiveModel {
            company_id: Set(company_id.as_str().to_owned()),
            ..account::new_row(name, kind, Platform::V1, None, now)
        };
        let partner =
            account::Entity::insert(v1_account(&p.company_id, &p.name, AccountKind::Partner))
                .exec(&txn)
                .await?
                .last_insert_id;
        let users = p.users.iter().map(|(email, name, role, hash)| {
            user::new_row(partner, email, name, Some(hash.clone()), *role, now)
        });
        user::Entity::insert_many(users).exec(&txn).await?;
        for chunk in p.clients.chunks(1000) {
            // Each V1 client's Company ID is reserved by a V1 account of its own.
            let accounts = chunk
                .iter()
                .map(|c| v1_account(&c.company_id, &c.name, AccountKind::Client));
            account::Entity::insert_many(accounts).exec(&txn).await?;
            let ids: Vec<&str> = chunk.iter().map(|c| c.company_id.as_str()).collect();
            let made = account::Entity::find()
                .filter(account::Column::CompanyId.is_in(ids))
                .all(&txn)
                .await?;
            let rows = chunk.iter().map(|c| {
                let acc = made
                    .iter()
                    .find(|a| a.company_id == c.company_id.as_str())
                    .map(|a| a.id);
                client::ActiveModel {
                    client_account_id: Set(acc),
                    company_id: Set(Some(c.company_id.as_str().to_owned())),
                    upgrade_eligible: Set(c.upgrade_eligible),
                    upgrade_deadline: Set(c.upgrade_deadline),
                    ..client::new_row(
                        partner,
                        c.email.as_str(),
                        Some(c.name.clone()),
                        c.status,
                        InviteMethod::Email,
                        now,
                    )
                }
            });
            client::Entity::insert_many(rows).exec(&txn).await?;
            report.clients += chunk.len() as u64;
            progress(chunk.len() as u64);
        }
        report.partners += 1;
        report.users += p.users.len() as u64;
    }
    txn.commit().await?;
    Ok(report)
}
