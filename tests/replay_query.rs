//! `trailflow replay` and `trailflow query` as a user runs them, over `samples/`
//! with the example configuration (whose lookups describe the samples' network).
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/skip.rs"]
mod skip;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
}

fn trailflow(args: &[&str]) -> (String, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

/// Sum of each metric's counter values (histograms: count) by Prometheus name, optionally filtered by one label.
fn totals(series: &[Value], metric: &str, label: Option<(&str, &str)>) -> f64 {
    series
        .iter()
        .filter(|s| s["prometheus"] == metric)
        .filter(|s| label.is_none_or(|(k, v)| s["labels"][k] == v))
        .map(|s| {
            s.get("value")
                .and_then(Value::as_f64)
                .or_else(|| s["count"].as_f64())
                .unwrap_or_default()
        })
        .sum()
}

#[test]
fn replay_over_samples_gives_the_scenario_totals() {
    let (stdout, stderr, ok) = trailflow(&[
        "replay",
        "--output",
        "ndjson",
        "--config",
        "deploy/example.toml",
        "samples",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("replayed 13 objects: 196 records"),
        "{stderr}"
    );
    let series: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let t = |m: &str| totals(&series, m, None);
    let tl = |m: &str, k: &str, v: &str| totals(&series, m, Some((k, v)));
    assert_eq!(tl("trailflow_records_total", "kind", "cloudtrail"), 101.0);
    assert_eq!(tl("trailflow_records_total", "kind", "flowlog"), 29.0);
    assert_eq!(t("trailflow_irsa_token_rejections_total"), 7.0);
    assert_eq!(
        tl(
            "trailflow_irsa_token_rejections_total",
            "reason",
            "audience_mismatch"
        ),
        3.0
    );
    assert_eq!(
        tl("trailflow_irsa_assumptions_total", "namespace", "payments"),
        8.0
    );
    assert_eq!(
        tl(
            "trailflow_irsa_assumptions_total",
            "mechanism",
            "pod_identity"
        ),
        2.0,
        "Pod Identity beside IRSA for payments:app-sqs-consumer"
    );
    assert_eq!(
        tl("trailflow_irsa_assumptions_total", "cluster", "prod-eks"),
        10.0,
        "the OIDC issuer is named by lookups.clusters"
    );
    assert_eq!(
        tl(
            "trailflow_irsa_assumptions_total",
            "namespace",
            "kube-system"
        ),
        2.0
    );
    assert_eq!(t("trailflow_sts_assume_role_calls_total"), 25.0);
    assert_eq!(
        tl("trailflow_sts_assume_role_calls_total", "copy", "caller"),
        1.0
    );
    assert_eq!(
        tl("trailflow_kms_decrypt_calls_total", "copy", "owner"),
        5.0,
        "the partner is not logged: its decrypts' only copies count"
    );
    assert_eq!(
        tl("trailflow_kms_decrypt_calls_total", "outcome", "throttled"),
        3.0
    );
    assert_eq!(
        tl(
            "trailflow_access_denied_total",
            "cause",
            "permissions_boundary"
        ),
        3.0
    );
    assert_eq!(
        tl(
            "trailflow_access_denied_total",
            "cause",
            "service_control_policy"
        ),
        1.0
    );
    assert_eq!(tl("trailflow_sts_calls_total", "endpoint", "vpce"), 1.0);
    assert_eq!(
        tl("trailflow_sts_calls_total", "endpoint", "dualstack"),
        1.0
    );
    assert_eq!(
        tl(
            "trailflow_access_denied_total",
            "cause",
            "vpc_endpoint_policy"
        ),
        1.0
    );
    assert_eq!(tl("trailflow_access_denied_total", "cause", "encoded"), 1.0);
    assert_eq!(tl("trailflow_sts_calls_total", "outcome", "throttled"), 2.0);
    assert_eq!(
        t("trailflow_node_role_workload_calls_total"),
        5.0,
        "EBS decrypting for the node is not a pod's fallback"
    );
    assert_eq!(
        t("trailflow_ecr_pull_duration_seconds"),
        2.0,
        "two pulls; the later manifest check pulls nothing"
    );
    assert_eq!(tl("trailflow_ecr_requests_total", "az", "eu-west-1b"), 5.0);
    assert_eq!(t("trailflow_route53_changes_total"), 5.0);
    assert_eq!(t("trailflow_lb_controller_calls_total"), 7.0);
    assert_eq!(
        tl(
            "trailflow_autoscaling_actions_total",
            "outcome",
            "access_denied"
        ),
        1.0
    );
    assert_eq!(
        tl(
            "trailflow_autoscaling_actions_total",
            "controller",
            "karpenter"
        ),
        3.0
    );
    assert_eq!(
        tl(
            "trailflow_autoscaling_actions_total",
            "outcome",
            "throttled"
        ),
        1.0,
        "EC2's Client.RequestLimitExceeded is a throttle"
    );
    assert_eq!(t("trailflow_cloudtrail_trail_changes_total"), 4.0);
    assert_eq!(t("trailflow_cloudtrail_insights_total"), 2.0);
    assert_eq!(t("trailflow_risky_changes_total"), 13.0);
    assert_eq!(
        tl("trailflow_risky_changes_total", "managed", "lb_controller"),
        1.0
    );
    assert_eq!(
        tl(
            "trailflow_risky_changes_total",
            "target",
            "sg-0dddddddddddddddd"
        ),
        1.0,
        "ModifySecurityGroupRules names its group in a nested request"
    );
    assert_eq!(
        tl("trailflow_break_glass_assumptions_total", "mfa", "false"),
        1.0
    );
    assert_eq!(
        tl("trailflow_break_glass_assumptions_total", "mfa", "true"),
        2.0,
        "AssumeRole with a serial number and the console SwitchRole"
    );
    assert_eq!(t("trailflow_flow_rejected_total"), 17.0);
    assert_eq!(tl("trailflow_flow_rejected_total", "port", "nodeport"), 1.0);
    assert_eq!(
        tl(
            "trailflow_flow_control_plane_rejected_total",
            "port",
            "10250"
        ),
        3.0
    );
    assert_eq!(t("trailflow_flow_control_plane_rejected_total"), 7.0);
    assert_eq!(
        tl(
            "trailflow_flow_aws_endpoint_rejected_total",
            "service",
            "sts"
        ),
        3.0
    );
    assert_eq!(t("trailflow_flow_idle_records_total"), 2.0);
    assert_eq!(t("trailflow_flow_skipped_records_total"), 1.0);
    assert_eq!(
        tl(
            "trailflow_flow_aws_endpoint_rejected_total",
            "service",
            "s3"
        ),
        1.0,
        "S3's API counts; AMAZON, any EC2 host, does not"
    );
    assert_eq!(t("trailflow_flow_aws_endpoint_rejected_total"), 4.0);
    assert_eq!(
        tl(
            "trailflow_flow_control_plane_rejected_total",
            "port",
            "9443"
        ),
        2.0,
        "webhook ports are control-plane ports"
    );
    assert_eq!(
        totals(&series, "trailflow_cloudtrail_digest_missing_files", None),
        0.0,
        "the digest's four files were all replayed"
    );
    assert_eq!(
        totals(
            &series,
            "trailflow_cloudtrail_last_event_time_seconds",
            None
        ),
        1_795_775_513.0
    );
    let pulls: Vec<f64> = series
        .iter()
        .filter(|s| s["prometheus"] == "trailflow_ecr_pull_duration_seconds")
        .map(|s| s["max"].as_f64().unwrap())
        .collect();
    assert_eq!(pulls, vec![4.0, 7.0]);
}

#[test]
fn window_size_does_not_change_counters() {
    let run = |rows: &str| {
        let (stdout, stderr, ok) = trailflow(&[
            "replay",
            "-o",
            "ndjson",
            "--config",
            "deploy/example.toml",
            "--window-rows",
            rows,
            "samples",
        ]);
        assert!(ok, "{stderr}");
        let series: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        series
            .iter()
            .filter(|s| s["type"] == "counter")
            .map(|s| {
                (
                    format!("{} {}", s["prometheus"], s["labels"]),
                    s["value"].as_f64().unwrap(),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(run("1"), run("100000"));
}

#[test]
fn every_saved_query_runs_over_the_samples() {
    let (list, _, ok) = trailflow(&["query", "--list"]);
    assert!(ok);
    for name in [
        "top_rejected_sources",
        "access_denied_for_role",
        "break_glass_usage",
        "irsa_failures_for_service_account",
        "cross_account_kms_callers",
        "security_groups_opened_to_world",
    ] {
        assert!(list.contains(name), "{name} missing from --list:\n{list}");
    }
    let rows = |args: &[&str]| {
        let mut all = vec!["query", "-o", "ndjson"];
        all.extend_from_slice(args);
        all.push("samples");
        let (stdout, stderr, ok) = trailflow(&all);
        assert!(ok, "{args:?}: {stderr}");
        stdout
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let top = rows(&[
        "--saved",
        "top_rejected_sources",
        "--param",
        "eni=eni-0b1b1b1b1b1b1b1b1",
    ]);
    assert_eq!(top.len(), 1);
    assert_eq!(top[0]["flows"], 3);
    assert_eq!(
        rows(&[
            "--saved",
            "access_denied_for_role",
            "--param",
            "role=%ci-deployer%"
        ])
        .len(),
        6
    );
    let glass = rows(&["--saved", "break_glass_usage"]);
    assert_eq!(glass.len(), 3, "two AssumeRole and a console SwitchRole");
    assert!(glass.iter().any(|r| r["mfa_used"] == true));
    let irsa = rows(&[
        "--saved",
        "irsa_failures_for_service_account",
        "--param",
        "namespace=payments",
        "--param",
        "service_account=app-sqs-consumer",
    ]);
    assert_eq!(irsa.len(), 7);
    assert!(
        irsa.iter()
            .any(|r| r["web_identity_audience"] == "https://kubernetes.default.svc")
    );
    let kms = rows(&["--saved", "cross_account_kms_callers"]);
    assert_eq!(kms.len(), 1);
    assert_eq!(
        (kms[0]["calls"].as_i64(), kms[0]["errors"].as_i64()),
        (Some(5), Some(3))
    );
    let opened = rows(&["--saved", "security_groups_opened_to_world"]);
    assert_eq!(opened.len(), 4, "{opened:?}");
    assert_eq!(
        opened
            .iter()
            .filter(|r| r["managed"] == "lb_controller")
            .count(),
        1
    );
}

#[test]
fn ad_hoc_sql_outputs_and_time_ranges() {
    let (csv, _, ok) = trailflow(&[
        "query",
        "-o",
        "csv",
        "--sql",
        "SELECT event_name, COUNT(*) AS n FROM cloudtrail WHERE event_name = 'StopLogging' GROUP BY event_name",
        "samples",
    ]);
    assert!(ok);
    assert_eq!(csv, "event_name,n\nStopLogging,1\n");
    let (_, stderr, ok) = trailflow(&[
        "query",
        "--sql",
        "SELECT COUNT(*) FROM flowlog",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-21",
        "samples",
    ]);
    assert!(ok);
    assert!(
        stderr.contains("from 0 objects (13 pruned by time range)"),
        "{stderr}"
    );
    let (table, stderr, ok) = trailflow(&[
        "query",
        "--sql",
        "SELECT COUNT(*) AS n FROM cloudtrail",
        "--from",
        "2026-11-27T10:15:00Z",
        "--to",
        "2026-11-27T10:25:00Z",
        "samples",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        table.contains("| 16 "),
        "rows of 10:15-10:25 only:\n{table}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.parquet");
    let (_, stderr, ok) = trailflow(&[
        "query",
        "-o",
        "parquet",
        "--out",
        out.to_str().unwrap(),
        "--sql",
        "SELECT * FROM cloudtrail",
        "samples",
    ]);
    assert!(ok, "{stderr}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PAR1"));
    let token = trailflow::synth::samples::PLANTED_SESSION_TOKEN.as_bytes();
    assert!(!bytes.windows(token.len()).any(|w| w == token));
    let (_, stderr, ok) = trailflow(&["query", "--sql", "SELECT nope FROM cloudtrail", "samples"]);
    assert!(!ok);
    // The cause, said once (DataFusion nests the same schema error in several wrappers).
    assert_eq!(stderr.matches("No field named nope").count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: query failed"), "{stderr}");
}

#[test]
fn replay_and_query_over_the_public_corpus() {
    let corpus = root().join("../shared/corpus");
    if !corpus.is_dir() {
        skip::skip("../shared/corpus is absent beside the checkout");
        return;
    }
    let corpus = corpus.to_str().unwrap().to_string();
    let (stdout, stderr, _) = trailflow(&["replay", "-o", "ndjson", &corpus]);
    // The corpus holds invalid originals and non-log files on purpose: replay reports them and goes on.
    assert!(stderr.contains("replayed "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let series: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let cloudtrail = totals(
        &series,
        "trailflow_records_total",
        Some(("kind", "cloudtrail")),
    );
    // 302 stratus captures and 45 documentation events; panther's wrapped test events are not log files.
    assert!(
        cloudtrail >= 340.0,
        "only {cloudtrail} CloudTrail records reached the engine"
    );
    assert!(
        totals(
            &series,
            "trailflow_records_total",
            Some(("kind", "flowlog"))
        ) >= 30.0
    );
    assert!(totals(&series, "trailflow_sts_assume_role_calls_total", None) >= 10.0);
    assert!(
        totals(&series, "trailflow_cloudtrail_trail_changes_total", None) >= 3.0,
        "StopLogging, DeleteTrail, PutEventSelectors, UpdateTrail"
    );
    assert!(
        totals(&series, "trailflow_risky_changes_total", None) >= 2.0,
        "the stratus SG opening and UpdateAssumeRolePolicy"
    );
    assert!(totals(&series, "trailflow_flow_rejected_total", None) >= 2.0);
    assert!(
        totals(&series, "trailflow_flow_idle_records_total", None)
            + totals(&series, "trailflow_flow_skipped_records_total", None)
            >= 2.0
    );

    let (out, stderr, ok) = trailflow(&[
        "query",
        "-o",
        "csv",
        "--sql",
        "SELECT COUNT(*) AS n FROM cloudtrail WHERE event_name = 'StopLogging'",
        &corpus,
    ]);
    assert!(ok, "{stderr}");
    assert!(
        out.starts_with("n\n")
            && out
                .trim_end()
                .rsplit('\n')
                .next()
                .unwrap()
                .parse::<u32>()
                .unwrap()
                >= 1,
        "{out}"
    );
}

#[test]
fn a_broken_query_stops_replay_with_its_file_and_datafusion_message() {
    let dir = tempfile::tempdir().unwrap();
    let good =
        std::fs::read_to_string(root().join("queries/metrics/c01_sts_assume_role.sql")).unwrap();
    std::fs::write(dir.path().join("c01_sts_assume_role.sql"), &good).unwrap();
    // Replays the samples with the good query plus a broken copy; returns stderr.
    let replay_with_broken = |from: &str, to: &str| {
        let broken = good
            .replace("trailflow.sts.assume_role.calls", "trailflow.broken")
            .replace(from, to);
        std::fs::write(dir.path().join("zz_broken.sql"), broken).unwrap();
        let (_, stderr, ok) = trailflow(&[
            "replay",
            "--queries",
            dir.path().to_str().unwrap(),
            "samples",
        ]);
        assert!(!ok, "{stderr}");
        stderr
    };
    let stderr = replay_with_broken("FROM cloudtrail", "FROM cloudtrail_typo");
    assert!(
        stderr.contains("zz_broken.sql") && stderr.contains("cloudtrail_typo"),
        "{stderr}"
    );
    let stderr = replay_with_broken("COUNT(*) AS calls", "COUNT(*) AS n");
    assert!(
        stderr.contains("zz_broken.sql: the result has no value column `calls`"),
        "{stderr}"
    );
}
