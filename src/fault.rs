//! Crash points for the tests of the delivery guarantee. With
//! `TRAILFLOW_FAULT=after_export` (or `after_commit`, `after_archive`) the process aborts, as
//! with `kill -9`, the first time it passes that point. With
//! `TRAILFLOW_FAULT=decoder_panic:TEXT` the decoder panics on every object whose name contains
//! `TEXT`, as a decoder bug that one object's bytes reach would. Unset in production:
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

/// Panics if `TRAILFLOW_FAULT` is `NAME:TEXT` and `object` contains `TEXT`: every time, so the
/// object stays poisoned across redeliveries.
pub fn panic_point(name: &str, object: &str) {
    if let Some((point, text)) = configured().and_then(|c| c.split_once(':'))
        && point == name
        && object.contains(text)
    {
        panic!("TRAILFLOW_FAULT={point}:{text}: injected panic decoding {object}");
    }
}
