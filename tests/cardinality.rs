//! An adversarial stream for the cardinality guard: 20,000 role assumptions,
//! each into a different random role, and 20,000 rejected flows, each to a
//! different port and interface. Every metric stays within its series limit
//! plus one overflow series, nothing is lost from the totals, and the
//! overflow is reported.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

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

#[test]
fn random_roles_and_ports_stay_within_the_series_limit_and_keep_the_totals() {
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
    let config = dir.path().join("limit.toml");
    std::fs::write(&config, format!("[engine]\nseries_limit = {LIMIT}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["replay", "-o", "ndjson", "--config"])
        .arg(&config)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mut series: BTreeMap<String, usize> = BTreeMap::new();
    let mut overflow: BTreeMap<String, f64> = BTreeMap::new();
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let metric = v["metric"].as_str().unwrap().to_string();
        *series.entry(metric.clone()).or_default() += 1;
        let value = v["value"].as_f64().unwrap_or(0.0);
        *totals.entry(metric.clone()).or_default() += value;
        if v["labels"]["otel.metric.overflow"] == "true" {
            *overflow.entry(metric).or_default() += value;
        }
        for forbidden in ["198.51.100.", "203.0.113.", "s-", "agent-"] {
            let labels = v["labels"].to_string();
            assert!(
                !labels.contains(forbidden),
                "unbounded value `{forbidden}` used as a label: {labels}"
            );
        }
    }
    for (metric, n) in &series {
        assert!(
            *n <= LIMIT + 1,
            "{metric}: {n} series for a limit of {LIMIT}"
        );
    }
    for metric in ["trailflow.sts.assume_role.calls", "trailflow.flow.rejected"] {
        assert_eq!(series[metric], LIMIT + 1, "{metric} reached its limit");
        assert!(overflow[metric] > 0.0, "{metric} has an overflow series");
        assert_eq!(
            totals[metric], N as f64,
            "{metric}: nothing lost to the overflow"
        );
    }
    assert!(
        stderr.contains("trailflow.sts.assume_role.calls") && stderr.contains("overflow"),
        "the overflow is reported: {stderr}"
    );
}
