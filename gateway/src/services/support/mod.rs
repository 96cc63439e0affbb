//! Support staff (issue 15): the operator's own people, in one STAFF account made by
//! `gateway staff add` (`staff`). They look accounts up across tenants and send a failed
//! email again (`lookup`); every read of an account and every action names a reason and
//! is written to the audit log of the account it concerns. They never act as a customer:
//! no log-in to client accounts, no user changes, and no secret (password hashes, tokens
//! and links are in no answer).

mod lookup;
mod rules;
mod staff;

pub use lookup::{MAX_SEARCH_RESULTS, View, deliveries, retry_delivery, search, view};
pub use rules::{MAX_REASON_CHARS, reason};
pub use staff::{Added, STAFF_ACCOUNT_NAME, add_staff, list_staff, remove_staff};
