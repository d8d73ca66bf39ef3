//! Crash points for the tests of the delivery guarantee. With
//! `TRAILFLOW_FAULT=after_export` (or `after_commit`, `after_archive`) the process aborts, as
//! with `kill -9`, the first time it passes that point. Unset in production:
//! the check is one relaxed load of a value read once at start-up.

use std::sync::OnceLock;

fn configured() -> Option<&'static str> {
    static FAULT: OnceLock<Option<String>> = OnceLock::new();
    FAULT
        .get_or_init(|| std::env::var("TRAILFLOW_FAULT").ok())
        .as_deref()
}

/// Aborts the process if `TRAILFLOW_FAULT` names this point.
pub fn crash_point(name: &str) {
    if configured() == Some(name) {
        eprintln!("trailflow: TRAILFLOW_FAULT={name}: aborting as if killed");
        std::process::abort();
    }
}
