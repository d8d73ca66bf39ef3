//! Adversarial streams for the cardinality guard, replayed through `trailflow replay`:
//! 20,000 role assumptions into random roles, 20,000 rejected flows each to another port
//! and interface, 5,000 KMS keys with throttles spread among them, and a port scan of
//! 20,000 destination ports on one interface. Every metric stays within its limit, its
//! foldable labels (ARNs, interfaces) fold to `other` while outcomes and directions keep
//! their values, totals per kept label set stay exact, and the folds are reported.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::replay::replay_ndjson;
use serde_json::{Value, json};

const N: usize = 20_000;
const LIMIT: usize = 100;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn assume_role(rng: &mut Rng, i: usize) -> Value {
    let role = format!(
        "arn:aws:iam::111122223333:role/attacker-{:016x}",
        rng.next()
    );
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "AWSAccount", "principalId": "X", "accountId": "444455556666"},
        "eventTime": "2026-11-27T10:00:00Z",
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": format!("198.51.100.{}", i % 250),
        "userAgent": format!("agent-{:x}", rng.next()),
        "errorCode": if i.is_multiple_of(3) { Value::from("AccessDenied") } else { Value::Null },
        "requestParameters": {"roleArn": role, "roleSessionName": format!("s-{:x}", rng.next())},
        "responseElements": null,
        "eventID": format!("e-{i}"),
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
}

fn write(dir: &Path, key: &str, bytes: &[u8]) {
    let path = dir.join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, trailflow::synth::gzip(bytes)).unwrap();
}

/// The series `trailflow replay` prints for `input` with `series_limit`, and its stderr.
fn replay(input: &Path, series_limit: Option<usize>) -> (Vec<Value>, String) {
    let limit = series_limit.map_or(String::new(), |l| format!("series_limit = {l}\n"));
    replay_ndjson(input, Some(&format!("[engine]\n{limit}")))
}

/// The series of `metric`.
fn of<'a>(series: &'a [Value], metric: &str) -> Vec<&'a Value> {
    series.iter().filter(|v| v["metric"] == metric).collect()
}

/// Sum of `metric`'s values per value of `label` (`-` when absent).
fn totals_by(series: &[Value], metric: &str, label: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for v in of(series, metric) {
        let key = v["labels"][label].as_str().unwrap_or("-").to_string();
        *out.entry(key).or_default() += v["value"].as_f64().unwrap_or(0.0);
    }
    out
}

fn no_overflow_series(series: &[Value]) {
    for v in series {
        assert!(
            v["labels"].get("otel.metric.overflow").is_none(),
            "a whole label set went to the overflow series: {v}"
        );
    }
}

#[test]
fn random_roles_and_ports_fold_their_arns_and_interfaces_and_keep_the_totals() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let events: Vec<String> = (0..N)
        .map(|i| assume_role(&mut rng, i).to_string())
        .collect();
    write(
        &input,
        "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/111122223333_CloudTrail_eu-west-1_20261127T1000Z_flood.json.gz",
        format!("{{\"Records\": [{}]}}", events.join(",")).as_bytes(),
    );
    let mut flows = String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
    );
    for i in 0..N {
        flows.push_str(&format!(
            "2 111122223333 eni-{:017x} 203.0.113.{} 10.0.1.{} {} {} 6 1 60 1795773600 1795773660 REJECT OK\n",
            rng.next() >> 4,
            i % 250,
            i % 250,
            1024 + rng.next() % 60_000,
            1 + (rng.next() % 32_000),
        ));
    }
    write(
        &input,
        "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/27/111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f67890_20261127T1000Z_flood.log.gz",
        flows.as_bytes(),
    );
    let (series, stderr) = replay(&input, Some(LIMIT));
    let mut per_metric: BTreeMap<String, usize> = BTreeMap::new();
    for v in &series {
        *per_metric
            .entry(v["metric"].as_str().unwrap().to_string())
            .or_default() += 1;
        let labels = v["labels"].to_string();
        for forbidden in ["198.51.100.", "203.0.113.", "s-", "agent-"] {
            assert!(
                !labels.contains(forbidden),
                "unbounded value `{forbidden}` used as a label: {labels}"
            );
        }
    }
    for (metric, n) in &per_metric {
        assert!(
            *n <= 2 * LIMIT,
            "{metric}: {n} series for a limit of {LIMIT}"
        );
    }
    no_overflow_series(&series);
    // Every third assumption was denied: the outcome survives the fold, exactly.
    let outcomes = totals_by(&series, "trailflow.sts.assume_role.calls", "outcome");
    assert_eq!(outcomes["access_denied"], (N as f64 / 3.0).ceil());
    assert_eq!(outcomes["success"], N as f64 - (N as f64 / 3.0).ceil());
    let roles = totals_by(&series, "trailflow.sts.assume_role.calls", "role_arn");
    assert!(
        roles["other"] > 0.0 && roles.len() > LIMIT / 2,
        "{} roles kept",
        roles.len()
    );
    // Random ports are classes: only the interface folds.
    let flows = of(&series, "trailflow.flow.rejected");
    assert!(flows.len() <= LIMIT + LIMIT / 2, "{} series", flows.len());
    assert_eq!(
        totals_by(&series, "trailflow.flow.rejected", "protocol")["6"],
        N as f64,
        "nothing lost to the fold"
    );
    assert!(totals_by(&series, "trailflow.flow.rejected", "interface_id")["other"] > 0.0);
    for reported in [
        "trailflow.sts.assume_role.calls: ",
        "had `role_arn` folded to `other`",
        "trailflow.flow.rejected: ",
        "had `interface_id` folded to `other`",
    ] {
        assert!(stderr.contains(reported), "`{reported}` not in: {stderr}");
    }
}

#[test]
fn five_thousand_kms_keys_keep_every_throttle_under_the_default_limit() {
    const KEYS: usize = 5_000;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    // Three decrypts per key from a partner account; every seventh key throttles twice.
    let mut events = Vec::new();
    for k in 0..KEYS {
        let key =
            format!("arn:aws:kms:eu-west-1:111122223333:key/{k:08x}-1111-2222-3333-444455556666");
        for i in 0..3 {
            let throttled = k % 7 == 0 && i < 2;
            events.push(json!({
                "eventVersion": "1.09",
                "userIdentity": {"type": "AWSAccount", "principalId": "AROAEXAMPLE:spark", "accountId": "444455556666"},
                "eventTime": "2026-11-27T10:00:00Z",
                "eventSource": "kms.amazonaws.com",
                "eventName": "Decrypt",
                "awsRegion": "eu-west-1",
                "sourceIPAddress": "198.51.100.9",
                "userAgent": "aws-sdk-java/2.25.0",
                "errorCode": if throttled { Value::from("ThrottlingException") } else { Value::Null },
                "errorMessage": if throttled { Value::from("Rate exceeded") } else { Value::Null },
                "requestParameters": {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                "responseElements": null,
                "resources": [{"accountId": "111122223333", "type": "AWS::KMS::Key", "ARN": key}],
                "eventID": format!("e-{k}-{i}"),
                "sharedEventID": format!("s-{k}-{i}"),
                "eventType": "AwsApiCall",
                "recipientAccountId": "111122223333"
            }).to_string());
        }
    }
    write(
        &input,
        "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/111122223333_CloudTrail_eu-west-1_20261127T1000Z_keys.json.gz",
        format!("{{\"Records\": [{}]}}", events.join(",")).as_bytes(),
    );
    // The partner is outside the logged accounts: the owner's copies are the only ones.
    let (series, _) = replay_ndjson(
        &input,
        Some("[lookups]\nlogged_accounts = [\"111122223333\"]\n"),
    );
    let kms = of(&series, "trailflow.kms.decrypt.calls");
    assert!(kms.len() <= 2 * 2_000, "{} series", kms.len());
    no_overflow_series(&series);
    let throttled_keys = KEYS.div_ceil(7);
    let outcomes = totals_by(&series, "trailflow.kms.decrypt.calls", "outcome");
    assert_eq!(
        outcomes["throttled"],
        (2 * throttled_keys) as f64,
        "every throttle is kept"
    );
    assert_eq!(outcomes["success"], (3 * KEYS - 2 * throttled_keys) as f64);
    for v in &kms {
        assert_eq!(v["labels"]["cross_account"], "true", "{v}");
        assert_eq!(v["labels"]["copy"], "owner", "{v}");
        assert_eq!(v["labels"]["key_account"], "111122223333", "{v}");
        assert_eq!(v["labels"]["caller_account"], "444455556666", "{v}");
    }
    let folded: f64 = kms
        .iter()
        .filter(|v| v["labels"]["key_arn"] == "other")
        .map(|v| v["value"].as_f64().unwrap())
        .sum();
    assert!(folded > 0.0, "past 2,000 key/outcome sets the key folds");
}

#[test]
fn a_port_scan_of_twenty_thousand_ports_stays_within_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let mut flows = String::from(
        "version account-id interface-id vpc-id subnet-id az-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction\n",
    );
    for port in 1..=N {
        flows.push_str(&format!(
            "5 111122223333 eni-0scanned0000000001 vpc-1 subnet-a euw1-az1 198.51.100.66 10.0.1.25 40000 {port} 6 1 40 1795773600 1795773660 REJECT OK ingress\n"
        ));
    }
    write(
        &input,
        "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/27/111122223333_vpcflowlogs_eu-west-1_fl-1_20261127T1000Z_scan.log.gz",
        flows.as_bytes(),
    );
    let (series, stderr) = replay(&input, None);
    let rejected = of(&series, "trailflow.flow.rejected");
    let ports = totals_by(&series, "trailflow.flow.rejected", "port");
    // 22, 53, 80, 443, 2049, 3306, 5432, 6443, 8443, 9443, 10250, 10256 once each, the rest other.
    assert_eq!(rejected.len(), 13, "{ports:?}");
    assert_eq!(ports["443"], 1.0);
    assert_eq!(ports["other"], (N - 12) as f64);
    assert!(
        !ports.contains_key("nodeport"),
        "20,000 is below the NodePort range"
    );
    for v in &rejected {
        assert_eq!(
            v["labels"]["interface_id"], "eni-0scanned0000000001",
            "the interface is kept"
        );
    }
    assert!(!stderr.contains("folded"), "nothing folds: {stderr}");
}
