//! The GraphQL gateway: HTTP server, schema, resolvers, authentication and the domain
//! services behind them.
//!
//! A request flows HTTP → axum → async-graphql → resolver (thin: parse, authorize, call
//! one service function) → service (one domain operation, one transaction) → entities.

pub mod app;
pub mod assets;
pub mod auth;
pub mod config;
pub mod error;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod lease;
pub mod limits;
pub mod live;
pub mod metrics;
pub mod ratelimit;
pub mod services;
pub mod staff_cli;
pub mod web;

pub use app::{App, RunningApp};
pub use config::Config;
pub use error::ApiError;
