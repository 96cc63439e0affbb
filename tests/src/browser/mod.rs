//! A real headless Chromium for the tests of pages, driven over WebDriver: Debian's
//! `chromium` and `chromium-driver` (scripts/test installs them).
//!
//! WebDriver is plain JSON over HTTP, so this speaks it with the tests' own `reqwest`
//! instead of a WebDriver crate: the few commands below are all a test needs, and
//! chromedriver's browser console log (not a W3C command) is one more call.
//!
//! Every [`Browser`] runs its own `chromedriver` on a free loopback port, so tests run
//! in parallel; the browser session is closed and chromedriver killed on drop.
//! Waits poll until a deadline and, when they give up, save a screenshot next to the
//! others (see [`screenshot_dir`]) and panic saying what they waited for; a test that
//! panics anywhere else while a browser is open gets its screenshot too (on drop).
//!
//! Five parts: `driver`, the WebDriver client (a session, its commands, finding by CSS,
//! the one wait every browser wait goes through, a laptop's or a phone's screen);
//! `people`, finding and using things the way people do; `pictures`, screenshots, and
//! the failure picture a dropped browser leaves; `axe`, the accessibility checker run on
//! a page; `emulation`, the person's time zone, a slow network, and what fits on the
//! screen. `driver` also holds an element of the page ([`Element`]), for all of them.
//!
//! Tests of the web app find things the way people do, by role and name: [`Browser::fill`]
//! a field by its label, [`Browser::click`] a button or link by its accessible name,
//! [`Browser::check`], [`Browser::choose`] and [`Browser::upload`] for checkboxes, selects
//! and file inputs, [`Browser::wait_for_cell`] for what a table row shows in a column.
//! Each finds candidates with a little JavaScript in the page and takes the browser's own
//! accessible name (WebDriver's computed label) for the exact match, then acts with
//! WebDriver commands, so real input events fire. Each waits (up to [`WAIT`]) for exactly
//! one visible, enabled match; while a modal `<dialog>` is open only what is in it counts
//! (the rest of the page is inert); and each tries again when the page replaced the
//! element under it (a live update re-rendering a row).

mod authenticator;
mod axe;
mod driver;
mod emulation;
mod people;
mod pictures;
mod tabs;

pub use driver::{Browser, Element, LogEntry, PHONE, WAIT, keys};
pub use pictures::screenshot_dir;
