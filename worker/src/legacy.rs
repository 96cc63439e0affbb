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
    pub users: Vec<PartnerUser>,
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

/// A V1 partner user: email, name, role and V1 password hash.
pub type PartnerUser = (Email, String, Role, String);

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

/// What a check of an export found so far: every problem, and the Company IDs seen (one
/// file never names a company twice).
#[derive(Default)]
struct Check {
    errors: Vec<String>,
    seen_ids: HashSet<CompanyId>,
}

impl Check {
    fn fail(&mut self, problem: String) {
        self.errors.push(problem);
    }

    fn text(&mut self, path: &str, raw: &str) -> String {
        let t = raw.trim();
        if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
            self.fail(format!(
                "{path}: must be 1 to 200 characters with no control characters"
            ));
        }
        t.to_owned()
    }

    /// A Company ID, once in the whole file.
    fn company_id(&mut self, path: &str, raw: Option<&str>) -> Option<CompanyId> {
        let id = match raw.map(CompanyId::parse) {
            Some(Ok(id)) => id,
            Some(Err(e)) => {
                self.fail(format!("{path}.companyId: {e}"));
                return None;
            }
            None => {
                self.fail(format!("{path}.companyId: missing"));
                return None;
            }
        };
        if !self.seen_ids.insert(id.clone()) {
            self.fail(format!(
                "{path}.companyId: {id} appears more than once in the file"
            ));
        }
        Some(id)
    }

    fn partner(&mut self, pp: &str, p: &Value) -> Option<Partner> {
        let company_id = self.company_id(pp, p.get("companyId").and_then(Value::as_str));
        let name = match p.get("name").and_then(Value::as_str) {
            Some(n) => self.text(&format!("{pp}.name"), n),
            None => {
                self.fail(format!("{pp}.name: missing"));
                String::new()
            }
        };
        let users = self.users(pp, p.get("users").and_then(Value::as_array));
        let raw_clients = p.get("clients").and_then(Value::as_array);
        let clients = self.clients(pp, raw_clients.map_or(&[][..], Vec::as_slice));
        Some(Partner {
            company_id: company_id?,
            name,
            users,
            clients,
        })
    }

    fn users(&mut self, pp: &str, raw: Option<&Vec<Value>>) -> Vec<PartnerUser> {
        if raw.is_none() {
            self.fail(format!("{pp}.users: missing or not a list"));
        }
        let raw = raw.map_or(&[][..], Vec::as_slice);
        let mut users: Vec<PartnerUser> = Vec::new();
        for (ui, u) in raw.iter().enumerate() {
            let up = format!("{pp}.users[{ui}]");
            let Some(user) = self.user(&up, u) else {
                continue;
            };
            if users.iter().any(|other| other.0 == user.0) {
                self.fail(format!(
                    "{up}.email: {} appears twice in this partner",
                    user.0
                ));
            }
            users.push(user);
        }
        let owners = users.iter().filter(|u| u.2 == Role::Owner).count();
        if owners != 1 {
            self.fail(format!("{pp}.users: needs exactly one OWNER, has {owners}"));
        }
        users
    }

    fn user(&mut self, up: &str, u: &Value) -> Option<PartnerUser> {
        let u: LegacyUser = serde_json::from_value(u.clone())
            .map_err(|e| self.fail(format!("{up}: {e}")))
            .ok()?;
        let email = Email::parse(&u.email)
            .map_err(|e| self.fail(format!("{up}.email: {e}")))
            .ok();
        let r = role(&u.role);
        if r.is_none() {
            self.fail(format!(
                "{up}.role: unknown role \"{}\" (OWNER, ADMIN, MANAGER or EMPLOYEE)",
                u.role
            ));
        }
        if argon2::password_hash::PasswordHash::new(&u.password_hash).is_err()
            || !u.password_hash.starts_with("$argon2")
        {
            self.fail(format!("{up}.passwordHash: not an argon2 PHC string"));
        }
        let n = self.text(&format!("{up}.name"), &u.name);
        Some((email?, n, r?, u.password_hash))
    }

    fn clients(&mut self, pp: &str, raw: &[Value]) -> Vec<Client> {
        let mut emails = HashSet::new();
        raw.iter()
            .enumerate()
            .filter_map(|(ci, c)| self.client(&format!("{pp}.clients[{ci}]"), c, &mut emails))
            .collect()
    }

    /// One client; `emails`: the partner's clients' emails so far (each once).
    fn client(&mut self, cp: &str, c: &Value, emails: &mut HashSet<Email>) -> Option<Client> {
        let c: LegacyClient = serde_json::from_value(c.clone())
            .map_err(|e| self.fail(format!("{cp}: {e}")))
            .ok()?;
        let cid = self.company_id(cp, Some(&c.company_id));
        let email = Email::parse(&c.email)
            .map_err(|e| self.fail(format!("{cp}.email: {e}")))
            .ok();
        let st = status(&c.status);
        if st.is_none() {
            self.fail(format!("{cp}.status: unknown status \"{}\"", c.status));
        }
        if c.upgrade_eligible && c.upgrade_deadline.is_none() {
            self.fail(format!(
                "{cp}.upgradeDeadline: an eligible client needs a deadline"
            ));
        }
        let name = self.text(&format!("{cp}.name"), &c.name);
        if let Some(email) = &email
            && !emails.insert(email.clone())
        {
            self.fail(format!(
                "{cp}.email: {email} is the email of another client of this partner"
            ));
        }
        Some(Client {
            company_id: cid?,
            name,
            email: email?,
            status: st?,
            upgrade_eligible: c.upgrade_eligible,
            upgrade_deadline: c.upgrade_deadline,
        })
    }
}

/// Parses and checks a whole export. Returns every problem, not just the first.
pub fn parse(json: &str) -> Result<Vec<Partner>, Invalid> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| Invalid(vec![format!("not JSON: {e}")]))?;
    let mut check = Check::default();
    match doc.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        other => check.fail(format!(
            "format: expected \"{FORMAT}\", found {}",
            other.map_or("nothing".into(), |f| format!("\"{f}\""))
        )),
    }
    let Some(partners) = doc.get("partners").and_then(Value::as_array) else {
        check.fail("partners: missing or not a list".into());
        return Err(Invalid(check.errors));
    };
    let out: Vec<Partner> = partners
        .iter()
        .enumerate()
        .filter_map(|(pi, p)| check.partner(&format!("partners[{pi}]"), p))
        .collect();
    if check.errors.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(check.errors))
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
