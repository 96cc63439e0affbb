//! What an emailed link is, before anyone fills in its form (issue 24): the invite link
//! (`/invite/{token}`), a partner's join link (`/join/{code}`) and a set or reset link
//! (`/reset-password/{token}`), each looked up by what the link carries. A token that is
//! unknown, malformed or of another kind gets one answer: none.

use super::AppState;
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use entity::{AccountKind, LinkState, SecretToken, account, client, invite, password_token, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Which kind of emailed link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Invite,
    Join,
    Password,
}

/// An emailed link as its opener may see it.
#[derive(Debug, Clone)]
pub struct Link {
    pub kind: LinkKind,
    pub state: LinkState,
    /// The partner firm that sent the invite or owns the join link.
    pub firm_name: Option<String>,
    /// Whom an invite or password link is for.
    pub email: Option<String>,
    /// The company name the partner typed for an invite.
    pub company_name: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The link `token` of `kind`, or `None` when there is no such link.
pub async fn look_up(state: &AppState, token: &str, kind: LinkKind) -> ApiResult<Option<Link>> {
    match kind {
        LinkKind::Invite => invite_link(state, token).await,
        LinkKind::Join => join_link(state, token).await,
        LinkKind::Password => password_link(state, token).await,
    }
}

async fn invite_link(state: &AppState, token: &str) -> ApiResult<Option<Link>> {
    let Some(token) = SecretToken::parse(token) else {
        return Ok(None);
    };
    let Some(inv) = invite::Entity::find()
        .filter(invite::Column::TokenHash.eq(token.hash().as_str()))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let Some(c) = client::Entity::find_by_id(inv.client_id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let firm = account::Entity::find_by_id(c.partner_account_id)
        .one(&state.db)
        .await?;
    Ok(Some(Link {
        kind: LinkKind::Invite,
        state: inv.state(Utc::now()),
        firm_name: firm.map(|a| a.name),
        email: Some(c.email),
        company_name: c.name,
        expires_at: Some(inv.expires_at),
    }))
}

async fn join_link(state: &AppState, code: &str) -> ApiResult<Option<Link>> {
    let code = code.trim();
    if code.is_empty() || code.len() > 64 {
        return Ok(None);
    }
    let firm = account::Entity::find()
        .filter(account::Column::InviteCode.eq(code))
        .filter(account::Column::Kind.eq(AccountKind::Partner))
        .one(&state.db)
        .await?;
    Ok(firm.map(|a| Link {
        kind: LinkKind::Join,
        state: LinkState::Live,
        firm_name: Some(a.name),
        email: None,
        company_name: None,
        expires_at: None,
    }))
}

async fn password_link(state: &AppState, token: &str) -> ApiResult<Option<Link>> {
    let Some(token) = SecretToken::parse(token) else {
        return Ok(None);
    };
    let Some(t) = password_token::Entity::find()
        .filter(password_token::Column::TokenHash.eq(token.hash().as_str()))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let Some(u) = user::Entity::find_by_id(t.user_id).one(&state.db).await? else {
        return Ok(None);
    };
    Ok(Some(Link {
        kind: LinkKind::Password,
        state: t.state(Utc::now()),
        firm_name: None,
        email: Some(u.email),
        company_name: None,
        expires_at: Some(t.expires_at),
    }))
}
