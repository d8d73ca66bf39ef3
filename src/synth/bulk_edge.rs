//! Large load balancer logs and Firehose objects of Kubernetes audit events, for benchmarks:
//! ALB lines of about 600 bytes with a realistic spread of status codes, and audit events of
//! about 1 KB in CloudWatch Logs envelopes of 100 events, one gzip member each.

use simd_json::OwnedValue as Value;
use simd_json::json;
use simd_json::prelude::*;

use super::{Rng, gzip, iso_time};

const START: i64 = 1_795_770_000; // 2026-11-27T06:20:00Z

fn time(i: usize, us: u64) -> String {
    format!(
        "{}.{us:06}Z",
        iso_time(START + (i as i64) / 50).trim_end_matches('Z')
    )
}

/// An ALB access log of `lines` entries (uncompressed).
pub fn alb_object(lines: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(lines * 620);
    for i in 0..lines {
        let (elb_status, target_status, target_time) = match rng.below(100) {
            0 => ("502", "-".to_string(), "-1".to_string()),
            1 => ("504", "-".to_string(), "-1".to_string()),
            2..=6 => ("404", "404".to_string(), format!("0.{:03}", rng.below(50))),
            7 => ("500", "500".to_string(), format!("0.{:03}", rng.below(900))),
            _ => ("200", "200".to_string(), format!("0.{:03}", rng.below(400))),
        };
        let target = if target_status == "-" && elb_status == "503" {
            "-".to_string()
        } else {
            format!("10.0.{}.{}:8080", rng.below(4), rng.below(250))
        };
        out.push_str(&format!(
            "https {t} app/k8s-shop-web-1a2b3c4d5e/0a1b2c3d4e5f6a7b 203.0.{a}.{b}:{port} {target} 0.000 {target_time} 0.000 {elb_status} {target_status} {rx} {tx} \"GET https://shop.example.com:443/api/v1/items/{item}?page={page} HTTP/1.1\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-shop-web-80/6d0ecf831eec9f09 \"Root=1-6746ed{i:08x}-{trace}\" \"shop.example.com\" \"arn:aws:acm:eu-west-1:111122223333:certificate/12345678-1234-1234-1234-123456789012\" 1 {created} \"forward\" \"-\" \"-\" \"{target}\" \"{target_status}\" \"-\" \"-\" TID_{conn}\n",
            t = time(i, rng.below(1_000_000)),
            a = rng.below(256),
            b = rng.below(256),
            port = 1024 + rng.below(60_000),
            rx = 200 + rng.below(800),
            tx = 300 + rng.below(20_000),
            item = rng.below(100_000),
            page = rng.below(20),
            trace = rng.hex(24),
            created = time(i, rng.below(1_000_000)),
            conn = rng.hex(32),
        ));
    }
    out.into_bytes()
}

fn audit_event(rng: &mut Rng, i: usize) -> Value {
    let (verb, resource, code) = match rng.below(10) {
        0 => ("create", "pods", 201),
        1 => ("patch", "deployments", 200),
        2 => ("update", "configmaps", 200),
        3 => ("watch", "pods", 200),
        _ => ("get", "pods", 200),
    };
    let ns = format!("team-{}", rng.below(30));
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": rng.uuid(), "stage": "ResponseComplete",
        "requestURI": format!("/api/v1/namespaces/{ns}/{resource}/app-{}", rng.below(500)),
        "verb": verb,
        "user": {"username": format!("system:serviceaccount:{ns}:app"), "uid": rng.uuid(),
                 "groups": ["system:serviceaccounts", format!("system:serviceaccounts:{ns}"), "system:authenticated"]},
        "sourceIPs": [format!("10.0.{}.{}", rng.below(4), rng.below(250))],
        "userAgent": "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller",
        "objectRef": {"resource": resource, "namespace": ns.as_str(), "name": format!("app-{}", rng.below(500)), "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": time(i, 100_000),
        "stageTimestamp": time(i, 100_000 + rng.below(80_000)),
        "annotations": {"authorization.k8s.io/decision": "allow",
                        "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"system:controller:replicaset-controller\" of ClusterRole \"system:controller:replicaset-controller\" to ServiceAccount \"replicaset-controller/kube-system\""}
    })
}

/// A Firehose object of `events` audit events: envelopes of 100, one gzip member each
/// (already compressed, as Firehose writes it).
pub fn firehose_audit_object(events: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let mut i = 0;
    while i < events {
        let n = (events - i).min(100);
        let log_events: Vec<Value> = (i..i + n)
            .map(|k| json!({"id": format!("{k:056}"), "timestamp": (START + k as i64 / 50) * 1000, "message": audit_event(&mut rng, k).encode()}))
            .collect();
        let envelope = json!({
            "messageType": "DATA_MESSAGE", "owner": "111122223333",
            "logGroup": "/aws/eks/prod-eks/cluster", "logStream": "kube-apiserver-audit-6a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "subscriptionFilters": ["eks-audit-to-firehose"], "logEvents": Value::Array(Box::new(log_events))
        });
        out.extend(gzip(envelope.encode().as_bytes()));
        i += n;
    }
    out
}
