//! Email: what each kind of email says (`message`) and delivering one from the outbox
//! (`send`). Services record an email with `crate::outbox::queue_mail`.

pub mod message;
pub mod send;

pub use message::{ExpiredClient, Mail, REDACTED, Rendered, TemplateContext};
pub use send::{MAX_ATTEMPTS, Mailer, SendFailure, Transport};
