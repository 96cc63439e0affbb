//! Emailed links checked before their form is filled in (issue 24): `link(token, kind)`.

use super::context::{client_ip, limit, state};
use crate::ratelimit::Bucket;
use crate::services::links::{self, Link};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Which kind of emailed link.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::services::links::LinkKind")]
pub enum LinkKind {
    /// An invite link (`/invite/{token}`), for `acceptInvite`.
    Invite,
    /// A partner's join link (`/join/{code}`), for `signUp` with `partnerCode`.
    Join,
    /// A set-password or reset link (`/reset-password/{token}`), for `resetPassword`.
    Password,
}

/// Whether an emailed link works, and if not, why.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::LinkState")]
pub enum LinkState {
    /// It works: its form can be filled in.
    Live,
    /// Its time passed unused: the partner (or, for a password link, the person) can send
    /// a new one.
    Expired,
    /// The partner withdrew the invite.
    Revoked,
    /// It was used already, or what it was for is done (the client's account exists):
    /// log in instead.
    Used,
    /// A newer link was sent: use the one in the latest email.
    Replaced,
}

/// An emailed link as its opener may see it.
#[derive(SimpleObject, Clone, Debug)]
pub struct LinkInfo {
    /// Which kind of link.
    pub kind: LinkKind,
    /// Whether it works, and if not, why.
    pub state: LinkState,
    /// The partner firm that sent the invite or owns the join link
    pub firm_name: Option<String>,
    /// Whom an invite or password link is for
    pub email: Option<String>,
    /// The company name the partner typed for an invite
    pub company_name: Option<String>,
    /// When the link stops (or stopped) working; none for a join link, which works until
    /// the partner makes a new one.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<Link> for LinkInfo {
    fn from(l: Link) -> Self {
        LinkInfo {
            kind: l.kind.into(),
            state: l.state.into(),
            firm_name: l.firm_name,
            email: l.email,
            company_name: l.company_name,
            expires_at: l.expires_at,
        }
    }
}

#[derive(Default)]
pub struct LinksQuery;

/// Emailed links.
#[Object]
impl LinksQuery {
    /// What an emailed link is, before anyone fills in its form: its kind, whether it
    /// works (and if not, why), the firm behind it, whom it is for. No session needed;
    /// null for a token that is unknown, malformed or of another kind (one answer for
    /// all, so it tells nothing about other links).
    ///
    /// Errors: RATE_LIMITED (`RATE_LIMIT_LINK_IP` per address, shared with the calls that
    /// use a link).
    async fn link(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "what the link carries: the token of `/invite/{token}` or `/reset-password/{token}`, the code of `/join/{code}`"
        )]
        token: String,
        #[graphql(desc = "which kind of link it is")] kind: LinkKind,
    ) -> Result<Option<LinkInfo>> {
        limit(ctx, Bucket::LinkIp, &client_ip(ctx)).await?;
        let found = links::look_up(state(ctx), &token, kind.into()).await?;
        Ok(found.map(LinkInfo::from))
    }
}
