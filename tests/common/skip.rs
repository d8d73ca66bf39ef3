//! The one way a test skips: a `SKIPPED: <test>: <what is missing>` line that cargo shows
//! (written to the process's stderr, past the test harness's capture), and a failure instead
//! when `CI` is set, so a missing tool can never read as a pass on the build machines.
//! `.ci/run` sets `CI=true` itself.

use std::io::Write;

/// Skips the calling test (the caller returns right after), or fails it under CI. The test is
/// named by its thread: the harness names each test's thread after the test, and
/// `#[tokio::test]` runs the body on that thread.
pub fn skip(missing: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let line = format!("SKIPPED: {test}: {missing}");
    if std::env::var_os("CI").is_some() {
        panic!("{line} (CI is set: a missing tool fails the run)");
    }
    let _ = writeln!(std::io::stderr(), "{line}");
}
