//! The source tree's layout, read as text (issue 23): import circles between the modules
//! of a crate (over `crate::`, `super::` and `self::` paths), file sizes and function
//! lengths. Comments and literals are blanked first, so braces or paths inside strings
//! count for nothing.

mod circles;
mod code;
mod tree;

pub use circles::circles;
pub use code::{blank, functions};
pub use tree::{files, workspace};
