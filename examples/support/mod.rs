//! What the examples that drive the `trailflow` binary share.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The `trailflow` binary built beside the running example (`cargo build --release` first).
pub fn trailflow() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().and_then(Path::parent).context("target dir")?;
    let bin = dir.join("trailflow");
    if !bin.exists() {
        bail!("{} missing: cargo build --release first", bin.display());
    }
    Ok(bin)
}

/// Records in the last export of a file sink's output.
pub fn exported_records(export: &Path) -> f64 {
    let Ok(text) = std::fs::read_to_string(export) else {
        return 0.0;
    };
    let last = text.rsplit("{\"export\":").next().unwrap_or_default();
    last.lines()
        .filter(|l| l.contains("\"metric\":\"trailflow.records\""))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["value"].as_f64())
        .sum()
}

/// The arguments of `trailflow replay` over `dir` with every built-in query, quiet, as the
/// examples time it against the daemon.
pub fn replay_args(dir: &str) -> [&str; 7] {
    [
        "replay",
        "-q",
        "-o",
        "ndjson",
        "--config",
        "deploy/example.toml",
        dir,
    ]
}
