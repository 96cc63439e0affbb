//! The transactional outbox's table (`model`): recording an email (`outbox`) and sending
//! a failed one again (`retry`).

mod model;
mod outbox;
pub mod retry;

pub use model::*;
pub use outbox::{fold_mail, queue_mail};
