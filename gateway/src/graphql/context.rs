//! What every resolver asks of a request: the state, the viewer and the checks on it
//! (`require_*`: the one place a resolver's caller is authorized), where the request came
//! from, id parsing and per-call rate limits.

use crate::auth::{Viewer, ViewerUser};
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Bucket;
use crate::services::AppState;
use async_graphql::Context;

/// Takes a token of `bucket` for `key`, or `RATE_LIMITED` with when to retry.
pub(crate) async fn limit(ctx: &Context<'_>, bucket: Bucket, key: &str) -> ApiResult<()> {
    let st = state(ctx);
    st.limiter.take(&st.config.security, bucket, key, 1).await
}

/// The log-in failure budgets of one attempt: per address (against credential stuffing)
/// and per email and address (so guessing from one address never locks the owner out from
/// another). Only failures count, as in Auth0's brute-force protection, yet attempts that
/// run at once cannot pass the limits: each takes its tokens before the password is
/// checked and gives them back when it turns out right ([`FailureBudget::give_back`]).
pub(crate) struct FailureBudget {
    taken: Vec<(Bucket, String)>,
}

impl FailureBudget {
    /// Takes a token from each budget for an attempt on `email` (as typed), or
    /// `RATE_LIMITED` with nothing taken.
    pub(crate) async fn take(ctx: &Context<'_>, email: &str) -> ApiResult<FailureBudget> {
        let st = state(ctx);
        let ip = client_ip(ctx);
        // An email is at most 254 characters: a longer "email" cannot push the address
        // out of the bounded key.
        let typed: String = email.trim().to_lowercase().chars().take(254).collect();
        let wanted = [
            (Bucket::LoginFailIp, ip.clone()),
            (Bucket::LoginFail, format!("{typed}|{ip}")),
        ];
        let mut budget = FailureBudget { taken: Vec::new() };
        for (bucket, key) in wanted {
            if let Err(refused) = st.limiter.take(&st.config.security, bucket, &key, 1).await {
                budget.give_back(ctx).await;
                return Err(refused);
            }
            budget.taken.push((bucket, key));
        }
        Ok(budget)
    }

    /// The attempt did not fail on its credentials: its tokens go back.
    pub(crate) async fn give_back(self, ctx: &Context<'_>) {
        let st = state(ctx);
        for (bucket, key) in self.taken {
            st.limiter
                .give_back(&st.config.security, bucket, &key)
                .await;
        }
    }
}

/// How many password hashes (or checks) the HTTP request may still run, shared by all its
/// operations and aliases (`MAX_PASSWORD_HASHES_PER_REQUEST`).
#[derive(Clone, Debug)]
pub struct HashBudget(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl HashBudget {
    pub fn new(hashes: usize) -> Self {
        HashBudget(std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(
            hashes,
        )))
    }
}

/// Takes one password hash from the request's budget, or `RATE_LIMITED` (nothing hashed)
/// once it is spent. Call it before the service that hashes.
pub(crate) fn spend_password_hash(ctx: &Context<'_>) -> ApiResult<()> {
    let Some(HashBudget(left)) = ctx.data_opt::<HashBudget>() else {
        return Ok(());
    };
    let took = left.fetch_update(
        std::sync::atomic::Ordering::SeqCst,
        std::sync::atomic::Ordering::SeqCst,
        |n| n.checked_sub(1),
    );
    took.map(drop).map_err(|_| {
        let most = state(ctx).config.security.max_password_hashes_per_request;
        crate::ratelimit::refused(
            &format!(
                "one request may check at most {most} passwords: send the others in separate requests"
            ),
            1,
        )
    })
}

/// The client's IP address, as a rate-limit key.
pub(crate) fn client_ip(ctx: &Context<'_>) -> String {
    meta(ctx).ip.clone().unwrap_or_else(|| "unknown".into())
}

pub(crate) fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
}

/// The signed-in user, or `UNAUTHENTICATED`.
pub(crate) fn require_user<'a>(ctx: &Context<'a>) -> ApiResult<&'a ViewerUser> {
    signed_in(viewer(ctx))
}

fn signed_in(viewer: &Viewer) -> ApiResult<&ViewerUser> {
    let v = enrolling(viewer)?;
    if v.enrol_only {
        return Err(ApiError::Refused {
            code: "SECOND_FACTOR_ENROLMENT_REQUIRED",
            message: "add a second factor first (an authenticator app: beginTotpEnrolment, confirmTotpEnrolment; or a passkey: beginPasskeyEnrolment, finishPasskeyEnrolment): your firm requires one".into(),
        });
    }
    Ok(v)
}

/// A signed-in user, also one whose session may only enrol a second factor: for `me`,
/// `logOut` and enrolling.
pub(crate) fn enrolling(viewer: &Viewer) -> ApiResult<&ViewerUser> {
    match viewer {
        Viewer::User(u) => Ok(u),
        Viewer::Pending(_) => Err(second_factor_required()),
        Viewer::Anonymous | Viewer::InvalidToken => Err(ApiError::unauthenticated()),
    }
}

/// What a pending token answers to everything but the second step.
pub(crate) fn second_factor_required() -> ApiError {
    ApiError::Refused {
        code: "SECOND_FACTOR_REQUIRED",
        message: "this token is only good for the second step of logging in: verifySecondFactor"
            .into(),
    }
}

/// [`enrolling`] for a resolver.
pub(crate) fn require_enrolling<'a>(ctx: &Context<'a>) -> ApiResult<&'a ViewerUser> {
    enrolling(viewer(ctx))
}

/// A user of a partner account who administers it (OWNER or ADMIN): who may invite and
/// list clients. Client-account users and partner MANAGERs/EMPLOYEEs get `FORBIDDEN`.
pub(crate) fn require_partner_admin<'a>(ctx: &Context<'a>) -> ApiResult<&'a ViewerUser> {
    partner_admin(viewer(ctx))
}

/// `require_partner_admin` for a viewer read outside GraphQL (the CSV export,
/// `crate::export`): the same rule, one copy.
pub(crate) fn partner_admin(viewer: &Viewer) -> ApiResult<&ViewerUser> {
    let v = signed_in(viewer)?;
    if v.account.kind != entity::AccountKind::Partner {
        return Err(ApiError::Forbidden(
            "only a partner firm's users can manage clients".into(),
        ));
    }
    if !v.user.role.is_admin() {
        return Err(ApiError::Forbidden(
            "only the partner's owner and client administrators can manage clients".into(),
        ));
    }
    Ok(v)
}

/// The owner of a partner or client account: who reads its audit log.
pub(crate) fn require_account_owner<'a>(ctx: &Context<'a>) -> ApiResult<&'a ViewerUser> {
    let v = require_user(ctx)?;
    if v.account.kind == entity::AccountKind::Staff || v.user.role != entity::Role::Owner {
        return Err(ApiError::Forbidden(
            "only the account's owner can read its audit log".into(),
        ));
    }
    Ok(v)
}

/// An OWNER or ADMIN of the caller's own account (partner or client): who manages its
/// users and subscribes it. Support staff are managed by ops (`gateway staff`), not here.
pub(crate) fn require_account_admin<'a>(ctx: &Context<'a>) -> ApiResult<&'a ViewerUser> {
    let v = require_user(ctx)?;
    if v.account.kind == entity::AccountKind::Staff {
        return Err(ApiError::Forbidden(
            "support staff do not change users or subscriptions: ops manage staff with `gateway staff`".into(),
        ));
    }
    if !v.user.role.is_admin() {
        return Err(ApiError::Forbidden(
            "only the account's owner and administrators can do this".into(),
        ));
    }
    Ok(v)
}

/// One of the operator's support staff, and the reason they give (checked), or
/// `FORBIDDEN` for everyone else.
pub(crate) fn require_staff<'a>(
    ctx: &Context<'a>,
    reason: &str,
) -> ApiResult<(&'a ViewerUser, String)> {
    let v = require_user(ctx)?;
    if v.account.kind != entity::AccountKind::Staff || !v.user.active {
        return Err(ApiError::Forbidden(
            "support operations are for the operator's support staff".into(),
        ));
    }
    Ok((v, crate::services::support::reason(reason)?))
}

/// Parses a GraphQL `ID` of one of our rows.
pub(crate) fn parse_id(field: &'static str, id: &async_graphql::ID) -> ApiResult<i64> {
    id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_input(
            field,
            format!(
                "'{}' is not a valid id",
                id.chars().take(40).collect::<String>()
            ),
        )
    })
}

pub(crate) fn meta<'a>(
    ctx: &Context<'a>,
) -> std::borrow::Cow<'a, crate::services::audit::RequestMeta> {
    match ctx.data_opt::<crate::services::audit::RequestMeta>() {
        Some(m) => std::borrow::Cow::Borrowed(m),
        None => std::borrow::Cow::Owned(Default::default()),
    }
}
