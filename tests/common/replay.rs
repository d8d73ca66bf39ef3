//! `trailflow replay -o ndjson` as a user runs it: the series it prints, parsed.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Replays `input` with a configuration file of `config` (TOML, written beside `input`), or
/// with the defaults; returns the series and what went to standard error. Panics on failure.
pub fn replay_ndjson(input: &Path, config: Option<&str>) -> (Vec<Value>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailflow"));
    cmd.args(["replay", "-q", "-o", "ndjson"]);
    if let Some(text) = config {
        let file = input.with_extension("replay.toml");
        std::fs::write(&file, text).unwrap();
        cmd.arg("--config").arg(file);
    }
    let out = cmd.arg(input).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let series = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (series, stderr)
}
