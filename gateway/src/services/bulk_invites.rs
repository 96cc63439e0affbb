//! Bulk invites (issue 16): up to [`MAX_ROWS`] email invites in one request, each row with
//! its own outcome. A dry run writes and sends nothing; a real run writes every valid row,
//! its invite link and its email (through the outbox) in one transaction, so an error
//! leaves nothing half-done and the same rows sent twice invite nobody twice.

use super::After;
use super::AppState;
use super::audit::{self, Entry, RequestMeta};
use super::invites;
use crate::auth::ViewerUser;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Bucket;
use chrono::Utc;
use entity::AuditAction;
use entity::{CompanyName, Email, client};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

/// The most rows one request may carry.
pub const MAX_ROWS: usize = 500;

/// What happened to (or would happen to) one row.
#[derive(Debug, Clone)]
pub enum Outcome {
    Invited(client::Model),
    WouldInvite,
    /// Already on the partner's list: the row that lists it.
    AlreadyClient(client::Model),
    /// A later copy of an email earlier in the batch.
    DuplicateInBatch,
    /// What is wrong with the row.
    Invalid(String),
}

/// One row's result, in request order.
#[derive(Debug, Clone)]
pub struct RowResult {
    /// 1-based.
    pub row: usize,
    /// The email as parsed (lower-cased), or as given when it is not an email.
    pub email: String,
    pub outcome: Outcome,
}

/// A row to invite, checked.
struct Valid {
    email: Email,
    company: Option<CompanyName>,
}

/// Checks every row and finds the emails already listed (one query); `Err` only for the
/// request as a whole (too many rows).
async fn classify(
    state: &AppState,
    partner: &ViewerUser,
    rows: &[(String, Option<String>)],
) -> ApiResult<(Vec<RowResult>, Vec<(usize, Valid)>)> {
    if rows.len() > MAX_ROWS {
        return Err(ApiError::bad_input(
            "rows",
            format!(
                "{} rows: at most {MAX_ROWS} rows per request; split the list",
                rows.len()
            ),
        ));
    }
    let mut results = Vec::with_capacity(rows.len());
    let mut valid = Vec::new();
    let mut seen = HashSet::new();
    for (i, (raw_email, raw_company)) in rows.iter().enumerate() {
        let row = i + 1;
        let email = match Email::parse(raw_email) {
            Ok(e) => e,
            Err(e) => {
                results.push(RowResult {
                    row,
                    email: raw_email.trim().chars().take(254).collect(),
                    outcome: Outcome::Invalid(format!("email: {}", e.0)),
                });
                continue;
            }
        };
        let company = match raw_company.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => match CompanyName::parse(n) {
                Ok(c) => Some(c),
                Err(e) => {
                    results.push(RowResult {
                        row,
                        email: email.as_str().to_owned(),
                        outcome: Outcome::Invalid(e.message("companyName")),
                    });
                    continue;
                }
            },
        };
        if !seen.insert(email.as_str().to_owned()) {
            results.push(RowResult {
                row,
                email: email.as_str().to_owned(),
                outcome: Outcome::DuplicateInBatch,
            });
            continue;
        }
        // Filled in below, once the listed emails are known.
        results.push(RowResult {
            row,
            email: email.as_str().to_owned(),
            outcome: Outcome::WouldInvite,
        });
        valid.push((results.len() - 1, Valid { email, company }));
    }
    let emails: Vec<&str> = valid.iter().map(|(_, v)| v.email.as_str()).collect();
    let listed: HashMap<String, client::Model> = client::Entity::find()
        .filter(client::Column::PartnerAccountId.eq(partner.account.id))
        .filter(client::Column::Email.is_in(emails))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.email.clone(), c))
        .collect();
    let mut to_invite = Vec::new();
    for (at, v) in valid {
        match listed.get(v.email.as_str()) {
            Some(c) => results[at].outcome = Outcome::AlreadyClient(c.clone()),
            None => to_invite.push((at, v)),
        }
    }
    Ok((results, to_invite))
}

/// How many rows a real run would invite: what the partner's invite rate limit counts.
pub struct Plan {
    results: Vec<RowResult>,
    to_invite: Vec<(usize, Valid)>,
}

impl Plan {
    pub fn invites(&self) -> usize {
        self.to_invite.len()
    }
}

/// Checks `rows` for `partner`.
pub async fn plan(
    state: &AppState,
    partner: &ViewerUser,
    rows: &[(String, Option<String>)],
) -> ApiResult<Plan> {
    let (results, to_invite) = classify(state, partner, rows).await?;
    Ok(Plan { results, to_invite })
}

/// `inviteClients`: checks `rows` (every call takes its rows from the partner's
/// `RATE_LIMIT_BULK_ROWS`, dry runs included: checking costs work whether or not anything
/// is sent) and, unless `dry_run`, invites the valid new ones, all or none within the
/// partner's invite limit.
pub async fn invite(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    rows: &[(String, Option<String>)],
    dry_run: bool,
) -> ApiResult<Vec<RowResult>> {
    let sec = &state.config.security;
    let key = partner.account.id.to_string();
    let checked = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    state
        .limiter
        .take(sec, Bucket::BulkRows, &key, checked)
        .await?;
    let plan = plan(state, partner, rows).await?;
    if dry_run {
        return Ok(self::dry_run(plan));
    }
    let n = u32::try_from(plan.invites()).unwrap_or(u32::MAX);
    let rule = Bucket::Invites.rule(sec);
    if n > rule.capacity {
        let per = chrono::Duration::from_std(rule.per).unwrap_or_default();
        let what = format!(
            "this batch would invite {n} clients; at most {} invites are allowed per {}: split it",
            rule.capacity,
            super::client_actions::human(per)
        );
        return Err(crate::ratelimit::refused(&what, rule.per.as_secs()));
    }
    if n > 0 {
        let what = format!(
            "this batch would invite {n} clients, more than your invite limit has left: send fewer rows"
        );
        let limiter = &state.limiter;
        limiter
            .take_saying(sec, Bucket::Invites, &key, n, &what)
            .await?;
    }
    run(state, partner, meta, plan).await
}

/// The results of a dry run: nothing is written or sent.
pub fn dry_run(plan: Plan) -> Vec<RowResult> {
    plan.results
}

/// Invites every row `plan` found valid and new, in one transaction.
pub async fn run(
    state: &AppState,
    partner: &ViewerUser,
    meta: &RequestMeta,
    plan: Plan,
) -> ApiResult<Vec<RowResult>> {
    let Plan {
        mut results,
        to_invite,
    } = plan;
    if to_invite.is_empty() {
        return Ok(results);
    }
    let now = Utc::now();
    let txn = entity::db::begin_write(&state.db).await?;
    for (at, v) in to_invite {
        match invites::invite_in(&txn, state, partner, &v.email, v.company, now).await? {
            Some(c) => results[at].outcome = Outcome::Invited(c),
            // Listed meanwhile (the same rows sent twice at once): nobody is invited twice.
            None => {
                let c = client::Entity::find()
                    .filter(client::Column::PartnerAccountId.eq(partner.account.id))
                    .filter(client::Column::Email.eq(v.email.as_str()))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| ApiError::Conflict(format!("{} changed meanwhile", v.email)))?;
                results[at].outcome = Outcome::AlreadyClient(c);
            }
        }
    }
    // One entry per invited client, on its own row's history, and one for the batch.
    let per_row: Vec<Entry> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Invited(c) => Some(Entry::about_client(
                AuditAction::ClientInvited,
                partner.account.id,
                partner.account.id,
                c.id,
                format!("invited {} by email, in a bulk invite", c.email),
            )),
            _ => None,
        })
        .collect();
    let invited = per_row.len();
    audit::record_all(&txn, partner, meta, per_row).await?;
    audit::record(
        &txn,
        Some(partner),
        meta,
        Entry {
            account_id: Some(partner.account.id),
            partner_account_id: Some(partner.account.id),
            detail: Some(format!(
                "invited {invited} of {} rows by email",
                results.len()
            )),
            ..Entry::of(AuditAction::ClientBulkInvited)
        },
    )
    .await?;
    let added: Vec<worker::ClientEvent> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Invited(c) => Some(worker::ClientEvent::added(c.partner_account_id, c.id)),
            _ => None,
        })
        .collect();
    state.commit(txn, After::clients(added)).await?;
    Ok(results)
}
