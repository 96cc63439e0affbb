//! Email: what each kind of email says (`templates`, with what they share in `layout`),
//! delivering one from the outbox (`send`) and the SMTP connections it goes through
//! (`smtp`). What an email is (`entity::mail::Mail`) and recording one in the outbox
//! (`entity::delivery::queue_mail`) belong to the `entity` crate.

pub mod layout;
pub mod send;
pub mod smtp;
pub mod templates;
#[cfg(test)]
mod test_relay;

pub use entity::mail::{ExpiredClient, REDACTED};
pub use layout::{Rendered, TemplateContext};
pub use send::{MAX_ATTEMPTS, Mailer, SendFailure, Transport};
pub use templates::render;
