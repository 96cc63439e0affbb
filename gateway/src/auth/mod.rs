//! Passwords and sessions.

pub mod cookie;
pub mod passkey;
pub mod password;
pub mod secret_box;
pub mod session;
pub mod session_cache;
pub mod totp;

pub use password::PasswordHasher;
pub use session::{Viewer, ViewerUser};
