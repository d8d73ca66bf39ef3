//! The one way a test skips: a `SKIPPED: <test>: <what is missing>` line that cargo shows
//! (written to the process's stderr, past the test harness's capture), and a failure instead
//! when `CI` is set, so a missing tool can never read as a pass on the build machines.

use std::io::Write;

/// Skips the calling test (return right after), or fails it under CI.
pub fn skip(test: &str, missing: &str) {
    let line = format!("SKIPPED: {test}: {missing}");
    if std::env::var_os("CI").is_some() {
        panic!("{line} (CI is set: a missing tool fails the run)");
    }
    let _ = writeln!(std::io::stderr(), "{line}");
}
