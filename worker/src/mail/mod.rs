//! Email: what each kind of email says (`message`), delivering one from the outbox
//! (`send`) and the SMTP connections it goes through (`smtp`). Services record an email with `crate::outbox::queue_mail`.

pub mod message;
pub mod send;
pub mod smtp;
#[cfg(test)]
mod test_relay;

pub use message::{ExpiredClient, Mail, REDACTED, Rendered, TemplateContext};
pub use send::{MAX_ATTEMPTS, Mailer, SendFailure, Transport};
