//! One Kubernetes audit event (`audit.k8s.io/v1` `Event`) as a row of `k8s_audit`.

use simd_json::BorrowedValue;
use simd_json::prelude::*;

use super::timestamp::parse_rfc3339_micros;
use crate::schema::k8s_audit::{AuditBuilder, AuditRow};

/// Where an event came from: the CloudWatch envelope's cluster, stream and account.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// EKS cluster name (from the log group).
    pub cluster: Option<&'a str>,
    /// CloudWatch log stream.
    pub log_stream: Option<&'a str>,
    /// AWS account (the envelope's `owner`).
    pub account: Option<&'a str>,
}

/// True when `value` is an audit event.
pub fn is_event(value: &BorrowedValue<'_>) -> bool {
    value.get("kind").and_then(|k| k.as_str()) == Some("Event")
        && value
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.starts_with("audit.k8s.io/"))
}

fn text<'v>(v: Option<&'v BorrowedValue<'v>>) -> Option<&'v str> {
    v.and_then(|v| v.as_str()).filter(|s| !s.is_empty())
}

fn path<'v>(v: &'v BorrowedValue<'v>, keys: &[&str]) -> Option<&'v BorrowedValue<'v>> {
    keys.iter().try_fold(v, |v, k| v.get(*k))
}

fn time(v: Option<&BorrowedValue<'_>>) -> Option<i64> {
    text(v).and_then(parse_rfc3339_micros)
}

/// `kind:name` of each subject of a binding, comma-separated.
fn subjects(object: Option<&BorrowedValue<'_>>) -> Option<String> {
    let list = object?.get("subjects")?.as_array()?;
    let names: Vec<String> = list
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s.get("kind").and_then(|k| k.as_str()).unwrap_or_default(),
                s.get("name").and_then(|n| n.as_str()).unwrap_or_default()
            )
        })
        .collect();
    Some(names.join(","))
}

/// Appends the row of `event`.
pub fn append(event: &BorrowedValue<'_>, origin: Origin<'_>, builder: &mut AuditBuilder) {
    let object = event.get("requestObject").filter(|o| o.is_object());
    let resource = text(path(event, &["objectRef", "resource"]));
    let annotations = event.get("annotations").filter(|a| !a.is_null());
    let annotation = |k: &str| text(annotations.and_then(|a| a.get(k)));
    let groups = event
        .get("user")
        .and_then(|u| u.get("groups"))
        .filter(|g| !g.is_null())
        .map(|g| g.encode());
    let source_ips = event.get("sourceIPs").and_then(|s| s.as_array()).map(|a| {
        a.iter()
            .filter_map(|ip| ip.as_str())
            .collect::<Vec<_>>()
            .join(",")
    });
    let user_arn = path(event, &["user", "extra", "arn"])
        .and_then(|a| a.as_array())
        .and_then(|a| a.first())
        .and_then(|a| a.as_str());
    let is_binding = matches!(resource, Some("rolebindings" | "clusterrolebindings"));
    let role_ref = if is_binding {
        text(object.and_then(|o| path(o, &["roleRef", "name"])))
    } else {
        None
    };
    let bound = if is_binding { subjects(object) } else { None };
    let enforce = match (resource, object) {
        (Some("namespaces"), Some(o)) => Some(
            text(
                path(o, &["metadata", "labels"])
                    .and_then(|l| l.get("pod-security.kubernetes.io/enforce")),
            )
            .unwrap_or(""),
        ),
        _ => None,
    };
    let annotations_text = annotations.map(|a| a.encode());
    let row = AuditRow {
        audit_id: text(event.get("auditID")),
        stage: text(event.get("stage")),
        level: text(event.get("level")),
        verb: text(event.get("verb")),
        request_uri: text(event.get("requestURI")),
        user_username: text(path(event, &["user", "username"])),
        user_groups: groups.as_deref(),
        user_arn,
        impersonated_user: text(path(event, &["impersonatedUser", "username"])),
        source_ips: source_ips.as_deref(),
        user_agent: text(event.get("userAgent")),
        object_resource: resource,
        object_subresource: text(path(event, &["objectRef", "subresource"])),
        object_namespace: text(path(event, &["objectRef", "namespace"])),
        object_name: text(path(event, &["objectRef", "name"])),
        object_api_group: text(path(event, &["objectRef", "apiGroup"])),
        object_api_version: text(path(event, &["objectRef", "apiVersion"])),
        response_code: path(event, &["responseStatus", "code"]).and_then(|c| c.as_i64()),
        response_reason: text(path(event, &["responseStatus", "reason"])),
        response_message: text(path(event, &["responseStatus", "message"])),
        request_received_time: time(event.get("requestReceivedTimestamp")),
        stage_time: time(event.get("stageTimestamp")),
        annotations: annotations_text.as_deref(),
        authorization_decision: annotation("authorization.k8s.io/decision"),
        pod_security_violations: annotation("pod-security.kubernetes.io/audit-violations"),
        role_ref,
        subjects: bound.as_deref(),
        pod_security_enforce: enforce,
        cluster: origin.cluster,
        log_stream: origin.log_stream,
        account: origin.account,
        ..Default::default()
    };
    builder.append(&row);
}
