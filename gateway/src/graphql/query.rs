use super::types::User;
use super::{require_user, state, viewer};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::services::accounts;
use async_graphql::{Context, Object, Result};

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// The signed-in user and their account; null when no session is sent.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match viewer(ctx) {
            Viewer::Anonymous => Ok(None),
            Viewer::InvalidToken => Err(ApiError::unauthenticated().into()),
            Viewer::User(v) => Ok(Some(User::new(&v.user, &v.account))),
        }
    }

    /// The users of the signed-in user's account.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let v = require_user(ctx)?;
        let rows = accounts::users_of(&state(ctx).db, v.account.id).await?;
        Ok(rows.iter().map(|u| User::new(u, &v.account)).collect())
    }
}
