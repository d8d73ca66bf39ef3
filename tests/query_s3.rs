//! `trailflow query` over `s3://bucket/prefix` against a real local S3 (moto).
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::moto::{Moto, create_bucket};

fn samples() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("samples")
}

#[tokio::test]
async fn query_reads_objects_under_an_s3_prefix() {
    let Some(moto) = Moto::start() else { return };
    let s3 = moto.s3().await;
    let bucket = "trailflow-query-s3";
    create_bucket(&s3, bucket).await;
    for object in trailflow::synth::samples::objects() {
        s3.put_object()
            .bucket(bucket)
            .key(&object.key)
            .body(object.bytes.clone().into())
            .send()
            .await
            .unwrap();
    }
    // A file outside the prefix must not be read.
    s3.put_object()
        .bucket(bucket)
        .key("other/not-a-log.txt")
        .body(b"garbage".to_vec().into())
        .send()
        .await
        .unwrap();

    let run = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailflow"));
        cmd.args(["query", "-o", "csv"])
            .args(extra)
            .envs(moto.env());
        let out = cmd.output().unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.success(),
        )
    };
    let sql = "SELECT COUNT(*) AS n FROM cloudtrail";
    let (out, err, ok) = run(&["--sql", sql, &format!("s3://{bucket}/AWSLogs/")]);
    assert!(ok, "{err}");
    assert_eq!(out, "n\n101\n", "{err}");
    assert!(err.contains("from 12 objects (0 pruned"), "{err}");

    // The same answer as the local copy of the objects.
    let local = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["query", "-o", "csv", "--sql", sql])
        .arg(samples())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(local.stdout).unwrap(), out);

    // Key dates prune objects before they are fetched.
    let (out, err, ok) = run(&[
        "--sql",
        "SELECT COUNT(*) AS n FROM flowlog",
        "--from",
        "2026-11-25",
        "--to",
        "2026-11-26",
        &format!("s3://{bucket}/AWSLogs/"),
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "n\n0\n");
    assert!(err.contains("from 0 objects (12 pruned"), "{err}");

    let (_, err, ok) = run(&["--sql", sql, "s3://no-such-bucket-trailflow/"]);
    assert!(!ok);
    assert!(err.contains("s3://no-such-bucket-trailflow/"), "{err}");
}
