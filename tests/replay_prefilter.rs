//! Records no query can keep are left unparsed by `replay` and `query` (`decode::RecordFilter`):
//! the series and rows must be those of the same run with `--parse-all`, which parses every
//! record. Inputs: the generator's objects, the repository's samples, and hand-written records
//! that hide a literal behind a JSON escape, wrap an event (EventBridge, `lookup-events`) or
//! change the flow-log layout mid-object.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use trailflow::synth::{bulk, gzip};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the CLI; it exits non-zero when records were bad, which some inputs here are on
/// purpose, so a run must only have finished (`done` in its summary line).
fn trailflow(args: &[&str], done: &str) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains(done), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// A queries directory holding the saved queries `files`.
fn queries(dir: &Path, files: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for f in files {
        std::fs::copy(root().join("queries/metrics").join(f), dir.join(f)).unwrap();
    }
    dir.to_path_buf()
}

/// The series of `replay` (with `extra` arguments), sorted; and its standard error.
fn replay(queries: &Path, input: &Path, extra: &[&str]) -> (Vec<Value>, String) {
    let (queries, input) = (queries.to_str().unwrap(), input.to_str().unwrap());
    let mut args = vec!["replay", "-q", "-o", "ndjson", "--queries", queries, input];
    args.extend(extra);
    let (stdout, stderr) = trailflow(&args, "replayed ");
    let mut series: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect();
    series.sort_by_key(|s| s.to_string());
    (series, stderr)
}

fn sts_event(source: &str, name: &str, error: Option<&str>) -> Value {
    let mut event = json!({
        "eventVersion": "1.08",
        "userIdentity": { "type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/ci/runner", "accountId": "111122223333" },
        "eventTime": "2026-11-27T10:07:39Z", "eventSource": source, "eventName": name, "awsRegion": "eu-west-1",
        "sourceIPAddress": "192.0.2.10", "userAgent": "aws-sdk-go-v2/1.30",
        "requestParameters": { "roleArn": "arn:aws:iam::111122223333:role/deployer", "roleSessionName": "s" },
        "eventID": "0a1b2c3d-0000-4000-8000-000000000001", "eventType": "AwsApiCall", "recipientAccountId": "111122223333"
    });
    if let Some(code) = error {
        event["errorCode"] = json!(code);
    }
    event
}

/// Three generated objects of `records` each under `dir`, named `bulk<seed>.<ext>`.
fn write_bulk(dir: &Path, ext: &str, records: usize, make: fn(usize, u64) -> Vec<u8>) {
    std::fs::create_dir_all(dir).unwrap();
    for seed in 0..3 {
        let name = dir.join(format!("bulk{seed}.{ext}"));
        std::fs::write(name, gzip(&make(records, seed))).unwrap();
    }
}

/// CloudTrail inputs: generated objects, and records that keep the filter honest.
fn cloudtrail_inputs(dir: &Path) {
    write_bulk(dir, "json.gz", 3_000, bulk::cloudtrail_object);
    // `sts.amazonaws.com` spelled with a `\u` escape is still `sts.amazonaws.com`.
    let escaped = serde_json::to_string(&json!({ "Records": [
        sts_event("STS_SOURCE", "AssumeRole", None),
        sts_event("sts.amazonaws.com", "AssumeRole", Some("AccessDenied")),
        sts_event("s3.amazonaws.com", "GetObject", None),
    ]}))
    .unwrap()
    .replacen("STS_SOURCE", "\\u0073ts.amazonaws.com", 1);
    std::fs::write(dir.join("escaped.json"), escaped).unwrap();
    // An EventBridge event and a `lookup-events` listing carry the event inside another.
    let bridge = json!({ "version": "0", "id": "e1", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.sts", "account": "111122223333", "time": "2026-11-27T10:07:39Z", "region": "eu-west-1",
        "resources": [], "detail": sts_event("sts.amazonaws.com", "AssumeRoleWithWebIdentity", None) });
    std::fs::write(dir.join("bridge.json"), bridge.to_string()).unwrap();
    let lookup = json!({ "Events": [ { "EventId": "x", "EventName": "AssumeRole",
        "CloudTrailEvent": sts_event("sts.amazonaws.com", "AssumeRole", Some("ThrottlingException")).to_string() } ] });
    std::fs::write(dir.join("lookup.json"), lookup.to_string()).unwrap();
}

/// Flow-log inputs: generated objects, and layouts that move the `action` field.
fn flowlog_inputs(dir: &Path) {
    write_bulk(dir, "log.gz", 20_000, bulk::flowlog_object);
    // A custom format whose records start with a lowercase letter, a header change mid-object,
    // and bad lines with and without REJECT.
    let text = "\
interface-id action dstport protocol account-id srcaddr dstaddr
eni-0a1 REJECT 22 6 111122223333 10.0.0.1 10.0.0.2
eni-0a2 ACCEPT 443 6 111122223333 10.0.0.1 10.0.0.2
eni-0a3 REJECT notaport 6 111122223333 10.0.0.1 10.0.0.2
version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 111122223333 eni-0b1 10.0.0.3 10.0.0.4 40000 5432 6 1 40 1700000000 1700000060 REJECT OK
2 111122223333 eni-0b2 10.0.0.3 10.0.0.4 40000 5432 6 1 40 1700000000 1700000060 ACCEPT OK
2 111122223333 eni-0b3 10.0.0.3 10.0.0.4 40000 5432 6 x 40 1700000000 1700000060 ACCEPT OK

2 111122223333 eni-0b4 10.0.0.3 10.0.0.4 40000 3306 17 1 40 1700000000 1700000060 REJECT OK
";
    std::fs::write(dir.join("layouts.log"), text).unwrap();
}

#[test]
fn replay_under_the_filter_counts_what_a_full_parse_counts() {
    let work = tempfile::tempdir().unwrap();
    let (ct, fl) = (work.path().join("ct"), work.path().join("fl"));
    cloudtrail_inputs(&ct);
    flowlog_inputs(&fl);
    let samples = root().join("samples");
    let c1_f1 = queries(
        &work.path().join("q"),
        &["c01_sts_assume_role.sql", "f1_rejected_flows.sql"],
    );
    for input in [&ct, &fl, &samples] {
        let (want, full_err) = replay(&c1_f1, input, &["--parse-all"]);
        let (got, filtered_err) = replay(&c1_f1, input, &[]);
        assert!(!want.is_empty(), "{input:?}: no series");
        assert_eq!(got, want, "{input:?}");
        assert!(!full_err.contains("left unparsed"), "{full_err}");
        assert!(
            filtered_err.contains("records no query keeps left unparsed"),
            "{input:?}: {filtered_err}"
        );
    }
    // The listed event (a JSON string inside the listing) is counted: the only throttled call.
    let (series, _) = replay(&c1_f1, &ct, &[]);
    let escaped_ok = series.iter().any(|s| {
        s["metric"] == "trailflow.sts.assume_role.calls" && s["labels"]["outcome"] == "throttled"
    });
    assert!(escaped_ok, "{series:?}");
}

/// AWS's documented events and other projects' real logs (`../shared/corpus`): STS calls and
/// rejected flows as AWS writes them, beside events and files of every other shape.
#[test]
fn over_the_public_corpus_the_filter_changes_no_series() {
    let corpus = root().join("../shared/corpus");
    if !corpus.is_dir() {
        skip::skip("../shared/corpus is absent beside the checkout");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let c1_f1 = queries(
        &work.path().join("q"),
        &["c01_sts_assume_role.sql", "f1_rejected_flows.sql"],
    );
    let (want, _) = replay(&c1_f1, &corpus, &["--parse-all"]);
    let (got, filtered_err) = replay(&c1_f1, &corpus, &[]);
    for metric in ["trailflow.sts.assume_role.calls", "trailflow.flow.rejected"] {
        assert!(
            want.iter().any(|s| s["metric"] == metric),
            "no {metric} series from the corpus"
        );
    }
    assert_eq!(got, want);
    assert!(
        filtered_err.contains("records no query keeps left unparsed"),
        "{filtered_err}"
    );
}

#[test]
fn query_under_the_filter_returns_the_rows_of_a_full_parse() {
    let work = tempfile::tempdir().unwrap();
    let (ct, fl) = (work.path().join("ct"), work.path().join("fl"));
    cloudtrail_inputs(&ct);
    flowlog_inputs(&fl);
    for (input, sql) in [
        (
            &ct,
            "SELECT event_name, error_code, COUNT(*) AS n FROM cloudtrail WHERE event_source = 'sts.amazonaws.com' GROUP BY 1, 2 ORDER BY 1, 2",
        ),
        (
            &fl,
            "SELECT interface_id, dstport, COUNT(*) AS n FROM flowlog WHERE action IN ('REJECT') GROUP BY 1, 2 ORDER BY 1, 2",
        ),
    ] {
        let run = |extra: &[&str]| {
            let mut args = vec!["query", "-o", "csv", "--sql", sql, input.to_str().unwrap()];
            args.extend(extra);
            trailflow(&args, " rows from ")
        };
        let (want, full_err) = run(&["--parse-all"]);
        let (got, filtered_err) = run(&[]);
        assert!(want.lines().count() > 3, "{want}");
        assert_eq!(got, want);
        assert!(!full_err.contains("left unparsed"), "{full_err}");
        assert!(filtered_err.contains("left unparsed"), "{filtered_err}");
    }
}
