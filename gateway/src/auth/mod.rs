//! Passwords and sessions.

pub mod cookie;
pub mod password;
pub mod session;

pub use password::PasswordHasher;
pub use session::{Viewer, ViewerUser};
