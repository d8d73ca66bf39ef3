//! The Kubernetes audit side of the samples scenario: `prod-eks`'s control-plane logs as a
//! CloudWatch Logs subscription filter hands them to Firehose, which writes them to S3 as
//! concatenated gzip members, one envelope each, without a suffix.

use simd_json::OwnedValue as Value;
use simd_json::json;
use simd_json::prelude::*;

use super::{ACCOUNT, T0};
use crate::synth::{gzip, iso_time};

const GROUP: &str = "/aws/eks/prod-eks/cluster";
const AUDIT_STREAM: &str = "kube-apiserver-audit-6a1b2c3d4e5f60718293a4b5c6d7e8f9";

/// The key Firehose gives the object (its default layout under a prefix; no `.gz`).
pub(super) fn firehose_key() -> String {
    "firehose/eks-audit/2026/11/27/10/prod-eks-audit-1-2026-11-27-10-05-12-6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b".to_string()
}

/// `t` seconds plus `us` microseconds (any number of them) as RFC 3339 with microseconds.
fn micros(t: i64, us: u32) -> String {
    let total = t * 1_000_000 + i64::from(us);
    let (secs, frac) = (total.div_euclid(1_000_000), total.rem_euclid(1_000_000));
    format!("{}.{frac:06}Z", iso_time(secs).trim_end_matches('Z'))
}

#[allow(clippy::too_many_arguments)]
fn event(
    t: i64,
    took_ms: u32,
    verb: &str,
    uri: &str,
    user: &str,
    object_ref: Value,
    code: i64,
    extra: Value,
) -> Value {
    let mut e = json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": format!("{:08x}-1b2c-4d3e-8f4a-{:012x}", t, u64::from(took_ms) * 7 + t as u64),
        "stage": "ResponseComplete",
        "requestURI": uri,
        "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.1.25"],
        "userAgent": "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
        "objectRef": object_ref,
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": micros(t, 100_000),
        "stageTimestamp": micros(t, 100_000 + took_ms * 1000),
        "annotations": {"authorization.k8s.io/decision": if code == 403 { "forbid" } else { "allow" }, "authorization.k8s.io/reason": ""}
    });
    if let (Some(target), Some(more)) = (e.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            target.insert(k.clone(), v.clone());
        }
    }
    e
}

fn audit_events() -> Vec<Value> {
    let t = T0 + 300;
    let admin = "arn:aws:sts::111122223333:assumed-role/platform-admin/alice";
    let mut events = vec![
        // K1: aws-auth edited by a human, a binding to cluster-admin, a binding of system:masters.
        event(
            t,
            38,
            "update",
            "/api/v1/namespaces/kube-system/configmaps/aws-auth",
            admin,
            json!({"resource": "configmaps", "namespace": "kube-system", "name": "aws-auth", "apiVersion": "v1"}),
            200,
            json!({"user": {"username": admin, "groups": ["system:authenticated"], "extra": {"arn": [admin]}}}),
        ),
        event(
            t + 10,
            25,
            "create",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            admin,
            json!({"resource": "clusterrolebindings", "name": "debug-admin", "apiGroup": "rbac.authorization.k8s.io", "apiVersion": "v1"}),
            201,
            json!({"level": "Request", "requestObject": {"kind": "ClusterRoleBinding", "metadata": {"name": "debug-admin"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "User", "name": "bob"}]}}),
        ),
        event(
            t + 20,
            22,
            "create",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/tools/rolebindings",
            admin,
            json!({"resource": "rolebindings", "namespace": "tools", "name": "masters", "apiGroup": "rbac.authorization.k8s.io", "apiVersion": "v1"}),
            201,
            json!({"level": "Request", "requestObject": {"kind": "RoleBinding", "metadata": {"name": "masters"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
                "subjects": [{"kind": "Group", "name": "system:masters"}]}}),
        ),
        // K3: a namespace created without the enforce label, and one with it.
        event(
            t + 30,
            18,
            "create",
            "/api/v1/namespaces",
            admin,
            json!({"resource": "namespaces", "name": "scratch", "apiVersion": "v1"}),
            201,
            json!({"level": "Request", "requestObject": {"kind": "Namespace", "metadata": {"name": "scratch", "labels": {"team": "data"}}}}),
        ),
        event(
            t + 31,
            18,
            "create",
            "/api/v1/namespaces",
            admin,
            json!({"resource": "namespaces", "name": "payments-v2", "apiVersion": "v1"}),
            201,
            json!({"level": "Request", "requestObject": {"kind": "Namespace", "metadata": {"name": "payments-v2",
                "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}}),
        ),
        // K3: a pod the namespace's audit level flags.
        event(
            t + 40,
            2_350,
            "create",
            "/api/v1/namespaces/scratch/pods",
            "system:serviceaccount:kube-system:replicaset-controller",
            json!({"resource": "pods", "namespace": "scratch", "name": "job-7f9c", "apiVersion": "v1"}),
            201,
            json!({"annotations": {"authorization.k8s.io/decision": "allow",
                "pod-security.kubernetes.io/audit-violations": "would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false"}}),
        ),
        // K5: an expired token (401), anonymous requests allowed and denied.
        event(
            t + 50,
            3,
            "get",
            "/api/v1/namespaces/payments/pods",
            "",
            json!({"resource": "pods", "namespace": "payments", "apiVersion": "v1"}),
            401,
            json!({"user": {}}),
        ),
        event(
            t + 51,
            2,
            "get",
            "/version",
            "system:anonymous",
            Value::null(),
            200,
            json!({"user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]}}),
        ),
        event(
            t + 52,
            2,
            "list",
            "/api/v1/secrets",
            "system:anonymous",
            json!({"resource": "secrets", "apiVersion": "v1"}),
            403,
            json!({"user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]}}),
        ),
    ];
    // K2: a drain held up by a PodDisruptionBudget: evictions refused with 429.
    for i in 0..3 {
        events.push(event(t + 60 + i, 9, "create", "/api/v1/namespaces/payments/pods/api-5d8f7/eviction",
            "system:serviceaccount:karpenter:karpenter",
            json!({"resource": "pods", "subresource": "eviction", "namespace": "payments", "name": "api-5d8f7", "apiVersion": "v1"}), 429,
            json!({"responseStatus": {"metadata": {}, "status": "Failure", "reason": "TooManyRequests",
                "message": "Cannot evict pod as it would violate the pod's disruption budget.", "code": 429}})));
    }
    // K4: ordinary reads, and a deployment update slowed by an admission webhook.
    for i in 0..6 {
        events.push(event(t + 70 + i, 4 + i as u32 * 3, "get", "/api/v1/namespaces/payments/pods/api-5d8f7",
            "system:serviceaccount:payments:app", json!({"resource": "pods", "namespace": "payments", "name": "api-5d8f7", "apiVersion": "v1"}), 200,
            json!({})));
    }
    events.push(event(t + 80, 9_800, "patch", "/apis/apps/v1/namespaces/payments/deployments/api", admin,
        json!({"resource": "deployments", "namespace": "payments", "name": "api", "apiGroup": "apps", "apiVersion": "v1"}), 200, json!({})));
    // A watch is long-running: not a latency observation.
    events.push(event(
        t + 90,
        300_000,
        "watch",
        "/api/v1/pods?watch=true",
        "system:node:ip-10-0-1-25.eu-west-1.compute.internal",
        json!({"resource": "pods", "apiVersion": "v1"}),
        200,
        json!({}),
    ));
    events
}

fn envelope(stream: &str, events: &[(i64, String)]) -> Value {
    let log_events: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, (ms, message))| json!({"id": format!("3795{ms:013}{i:08}"), "timestamp": *ms, "message": message.as_str()}))
        .collect();
    json!({
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": GROUP,
        "logStream": stream,
        "subscriptionFilters": ["eks-audit-to-firehose"],
        "logEvents": Value::Array(Box::new(log_events))
    })
}

/// The Firehose object: a control message, two audit envelopes and one of the authenticator's
/// stream (skipped), each its own gzip member, back to back.
pub(super) fn firehose_object() -> Vec<u8> {
    let events: Vec<(i64, String)> = audit_events()
        .into_iter()
        .enumerate()
        .map(|(i, e)| ((T0 + 300) * 1000 + i as i64, e.encode()))
        .collect();
    let (first, second) = events.split_at(events.len() / 2);
    let control = json!({
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": (T0 + 290) * 1000, "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]
    });
    let authenticator = envelope(
        "authenticator-6a1b2c3d4e5f60718293a4b5c6d7e8f9",
        &[
            ((T0 + 301) * 1000, "time=\"2026-11-27T10:05:01Z\" level=info msg=\"access granted\" arn=\"arn:aws:iam::111122223333:role/prod-eks-node-group-NodeInstanceRole-1A2B3C4D\"".to_string()),
            ((T0 + 302) * 1000, "time=\"2026-11-27T10:05:02Z\" level=info msg=\"access granted\" arn=\"arn:aws:iam::111122223333:role/platform-admin\"".to_string()),
        ],
    );
    let mut out = Vec::new();
    for member in [
        control,
        envelope(AUDIT_STREAM, first),
        authenticator,
        envelope(AUDIT_STREAM, second),
    ] {
        out.extend_from_slice(&gzip(member.encode().as_bytes()));
    }
    out
}
