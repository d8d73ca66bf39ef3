//! `trailflow decode` as a user runs it: the built binary over files and directories.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn trailflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trailflow"))
}

fn samples() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("samples")
}

#[test]
fn ndjson_over_samples_uses_schema_names() {
    let out = trailflow()
        .args(["decode", "--output", "ndjson"])
        .arg(samples())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // CloudTrail events, Insights, digest rows, flow records, load balancer entries, WAF
    // records and audit events (samples/README.md).
    assert_eq!(rows.len(), 101 + 2 + 4 + 29 + 30 + 10 + 20);
    assert!(
        rows.iter()
            .any(|r| r["event_name"] == "AssumeRoleWithWebIdentity")
    );
    assert!(rows.iter().any(|r| r["log_status"] == "NODATA"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("decoded 13 objects"), "{stderr}");
    assert!(
        stderr.contains("2 records of other log streams skipped"),
        "{stderr}"
    );
    assert!(!stdout.contains(trailflow::synth::samples::PLANTED_SESSION_TOKEN));
}

#[test]
fn table_and_parquet_outputs() {
    let out = trailflow()
        .args(["decode", "-o", "table", "--kind", "flowlog"])
        .arg(samples().join("AWSLogs/111122223333/vpcflowlogs"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("| log_status") && table.contains("SKIPDATA"),
        "{table}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = trailflow()
        .args(["decode", "-o", "parquet", "--out"])
        .arg(dir.path())
        .arg(samples())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::fs::File::open(dir.path().join("flowlog.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let n: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(n, 29);
    assert!(dir.path().join("cloudtrail.parquet").exists());
    let parquet_text = std::fs::read(dir.path().join("cloudtrail.parquet")).unwrap();
    let token = trailflow::synth::samples::PLANTED_SESSION_TOKEN.as_bytes();
    assert!(!parquet_text.windows(token.len()).any(|w| w == token));
}

#[test]
fn problems_go_to_stderr_with_the_object_name_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"Records\": [{\"eventName\": \"x\"}, {\"eventName\": tru}]}",
    )
    .unwrap();
    let out = trailflow().arg("decode").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{}: record 2", bad.display())),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        1,
        "the good record is still printed"
    );

    let out = trailflow()
        .args(["decode", "/nonexistent/trailflow"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/trailflow"));
}
