//! What each alert expression must return over the samples, computed from `trailflow replay`'s
//! series independently of the rules: the label tuples whose summed counts pass the rule's
//! threshold. Evaluated right after the daemon counted everything, every series is younger than
//! every rule's window, so each window holds the whole count.

use std::collections::{BTreeMap, BTreeSet};

use super::Row;

/// An alert, the labels it groups by, and the label values it must return.
pub type Expectation = (&'static str, Vec<&'static str>, BTreeSet<Vec<String>>);

type Labels = BTreeMap<String, String>;

/// Label tuples `by` of the rows of `metric` passing `keep`, summed, whose sum passes `fire`.
fn oracle(
    rows: &[Row],
    metric: &str,
    by: &[&str],
    keep: impl Fn(&Labels) -> bool,
    fire: impl Fn(f64) -> bool,
) -> BTreeSet<Vec<String>> {
    let mut sums: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for (name, labels, value) in rows {
        if name == metric && keep(labels) {
            let key = by
                .iter()
                .map(|l| labels.get(*l).cloned().unwrap_or_default())
                .collect();
            *sums.entry(key).or_default() += value;
        }
    }
    sums.into_iter()
        .filter(|(_, v)| fire(*v))
        .map(|(k, _)| k)
        .collect()
}

fn is(labels: &Labels, key: &str, values: &[&str]) -> bool {
    labels
        .get(key)
        .is_some_and(|v| values.contains(&v.as_str()))
}

fn once(labels: &Labels) -> bool {
    !is(labels, "copy", &["duplicate"])
}

/// The role-name tokens the PermissionBoundaryDeniesCI rule treats as CI/CD: the role's name is
/// the last segment of a role ARN's path, the first after `assumed-role/`.
fn ci_role(arn: &str) -> bool {
    let name = match (arn.split_once(":role/"), arn.split_once(":assumed-role/")) {
        (Some((_, path)), _) => path.rsplit('/').next(),
        (_, Some((_, rest))) => rest.split('/').next(),
        _ => None,
    };
    name.unwrap_or_default()
        .to_lowercase()
        .split(['-', '_'])
        .any(|t| {
            [
                "ci",
                "cd",
                "github",
                "gitlab",
                "jenkins",
                "buildkite",
                "runner",
                "deploy",
                "pipeline",
            ]
            .contains(&t)
        })
}

/// AssumeRole* roles with at least 10 calls of which more than 20% failed (each call once).
fn failure_ratio(rows: &[Row]) -> BTreeSet<Vec<String>> {
    let mut calls: BTreeMap<Vec<String>, (f64, f64)> = BTreeMap::new();
    for (n, l, v) in rows {
        if n == "trailflow_sts_assume_role_calls_total" && once(l) {
            let key = vec![l.get("role_arn").cloned().unwrap_or_default()];
            let entry = calls.entry(key).or_default();
            entry.0 += v;
            if !is(l, "outcome", &["success"]) {
                entry.1 += v;
            }
        }
    }
    calls
        .into_iter()
        .filter(|(_, (total, failed))| *total >= 10.0 && *failed > 0.0 && failed / total > 0.2)
        .map(|(k, _)| k)
        .collect()
}

/// Groups opened to the world, with the severity the rule gives them.
fn opened_to_world(rows: &[Row]) -> BTreeSet<Vec<String>> {
    let by = &["account", "event_name", "target", "direction", "managed"];
    let metric = "trailflow_risky_changes_total";
    let ingress = ["AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"];
    let success = |l: &Labels| is(l, "outcome", &["success"]);
    let critical = oracle(
        rows,
        metric,
        by,
        |l| success(l) && is(l, "event_name", &ingress) && !is(l, "managed", &["lb_controller"]),
        |v| v > 0.0,
    );
    let warning = oracle(
        rows,
        metric,
        by,
        |l| {
            success(l)
                && (is(l, "event_name", &["AuthorizeSecurityGroupEgress"])
                    || (is(l, "event_name", &ingress) && is(l, "managed", &["lb_controller"])))
        },
        |v| v > 0.0,
    );
    let tagged = |set: BTreeSet<Vec<String>>, severity: &'static str| {
        set.into_iter().map(move |mut k| {
            k.push(severity.to_string());
            k
        })
    };
    tagged(critical, "critical")
        .chain(tagged(warning, "warning"))
        .collect()
}

/// Every alert of `dashboards/alerts/trailflow.rules.yml` with what it must return over `rows`,
/// at Unix time `now`, with `dlq` the dead-letter queue's name.
pub fn expected(rows: &[Row], now: f64, dlq: &str) -> Vec<Expectation> {
    let none = BTreeSet::new;
    let any = |v: f64| v > 0.0;
    let o = |metric: &str,
             by: &[&str],
             keep: &dyn Fn(&Labels) -> bool,
             fire: &dyn Fn(f64) -> bool| { oracle(rows, metric, by, keep, fire) };
    let irsa = |reason: &'static str| {
        o(
            "trailflow_irsa_token_rejections_total",
            &["role_arn", "oidc_provider", "cluster"],
            &move |l| is(l, "reason", &[reason]),
            &any,
        )
    };
    let trail = |events: &'static [&'static str], by: &[&str], success: bool| {
        o(
            "trailflow_cloudtrail_trail_changes_total",
            by,
            &move |l| is(l, "event_name", events) && is(l, "outcome", &["success"]) == success,
            &any,
        )
    };
    vec![
        (
            "IRSAAudienceMismatch",
            vec!["role_arn", "oidc_provider", "cluster"],
            irsa("audience_mismatch"),
        ),
        (
            "IRSAProviderNotFound",
            vec!["role_arn", "oidc_provider", "cluster"],
            irsa("provider_not_found"),
        ),
        (
            "AssumeRoleFailureRatioHigh",
            vec!["role_arn"],
            failure_ratio(rows),
        ),
        (
            "PermissionBoundaryDeniesCI",
            vec!["principal_arn", "event_name", "account"],
            o(
                "trailflow_access_denied_total",
                &["principal_arn", "event_name", "account"],
                &|l| {
                    is(l, "cause", &["permissions_boundary"])
                        && once(l)
                        && l.get("principal_arn").is_some_and(|a| ci_role(a))
                },
                &any,
            ),
        ),
        (
            "BreakGlassRoleAssumed",
            vec!["role_arn", "mfa", "account"],
            o(
                "trailflow_break_glass_assumptions_total",
                &["role_arn", "mfa", "account"],
                &|l| is(l, "outcome", &["success"]),
                &any,
            ),
        ),
        // No history before the samples: the baseline is absent, so above 20 fires.
        (
            "NodeRoleFallbackAboveBaseline",
            vec!["node_role_arn", "account"],
            o(
                "trailflow_node_role_workload_calls_total",
                &["node_role_arn", "account"],
                &|_| true,
                &|v| v > 20.0,
            ),
        ),
        (
            "STSThrottling",
            vec!["account", "region"],
            o(
                "trailflow_sts_calls_total",
                &["account", "region"],
                &|l| is(l, "outcome", &["throttled"]),
                &|v| v > 5.0,
            ),
        ),
        (
            "STSGlobalEndpointUsed",
            vec!["account", "region"],
            o(
                "trailflow_sts_calls_total",
                &["account", "region"],
                &|l| is(l, "endpoint", &["global"]),
                &any,
            ),
        ),
        (
            "KMSCrossAccountThrottling",
            vec!["key_arn", "caller_account"],
            o(
                "trailflow_kms_decrypt_calls_total",
                &["key_arn", "caller_account"],
                &|l| {
                    is(l, "cross_account", &["true"]) && is(l, "outcome", &["throttled"]) && once(l)
                },
                &any,
            ),
        ),
        (
            "LBControllerPermissionErrors",
            vec!["caller_role", "event_name", "account", "region"],
            o(
                "trailflow_lb_controller_calls_total",
                &["caller_role", "event_name", "account", "region"],
                &|l| is(l, "outcome", &["access_denied"]),
                &any,
            ),
        ),
        (
            "ExternalDNSFailures",
            vec!["caller_role", "hosted_zone_id", "error_code", "account"],
            o(
                "trailflow_route53_changes_total",
                &["caller_role", "hosted_zone_id", "error_code", "account"],
                &|l| is(l, "outcome", &["error", "access_denied", "throttled"]),
                &any,
            ),
        ),
        (
            "AutoscalerFailures",
            vec![
                "controller",
                "caller_role",
                "event_name",
                "error_code",
                "account",
                "region",
            ],
            o(
                "trailflow_autoscaling_actions_total",
                &[
                    "controller",
                    "caller_role",
                    "event_name",
                    "error_code",
                    "account",
                    "region",
                ],
                &|l| !is(l, "outcome", &["success"]),
                &any,
            ),
        ),
        (
            "CloudTrailLoggingStopped",
            vec!["account", "region", "event_name"],
            trail(
                &["StopLogging", "DeleteTrail"],
                &["account", "region", "event_name"],
                true,
            ),
        ),
        (
            "CloudTrailStopAttempted",
            vec!["account", "region", "event_name", "outcome"],
            trail(
                &["StopLogging", "DeleteTrail"],
                &["account", "region", "event_name", "outcome"],
                false,
            ),
        ),
        (
            "CloudTrailSelectorsChanged",
            vec!["account", "region", "event_name"],
            trail(
                &["PutEventSelectors", "PutInsightSelectors"],
                &["account", "region", "event_name"],
                true,
            ),
        ),
        (
            "CloudTrailDeliveryGap",
            vec!["account", "region"],
            o(
                "trailflow_cloudtrail_last_event_time_seconds",
                &["account", "region"],
                &|_| true,
                &|v| now - v > 3600.0,
            ),
        ),
        (
            "CloudTrailFilesMissing",
            vec!["account", "region"],
            o(
                "trailflow_cloudtrail_digest_missing_files",
                &["account", "region"],
                &|_| true,
                &any,
            ),
        ),
        (
            "SecurityGroupOpenedToWorld",
            vec![
                "account",
                "event_name",
                "target",
                "direction",
                "managed",
                "severity",
            ],
            opened_to_world(rows),
        ),
        (
            "OIDCProviderChanged",
            vec!["account", "event_name", "target"],
            o(
                "trailflow_risky_changes_total",
                &["account", "event_name", "target"],
                &|l| {
                    is(
                        l,
                        "event_name",
                        &[
                            "DeleteOpenIDConnectProvider",
                            "RemoveClientIDFromOpenIDConnectProvider",
                        ],
                    ) && is(l, "outcome", &["success"])
                },
                &any,
            ),
        ),
        (
            "ControlPlaneRejects",
            vec!["account", "region", "subnet", "port", "direction"],
            o(
                "trailflow_flow_control_plane_rejected_total",
                &["account", "region", "subnet", "port", "direction"],
                &|_| true,
                &|v| v > 20.0,
            ),
        ),
        // No history: more than 100 rejects on 443 or 10250 in a subnet is a spike.
        (
            "RejectSpike",
            vec!["account", "port", "subnet_id"],
            o(
                "trailflow_flow_rejected_total",
                &["account", "port", "subnet_id"],
                &|l| is(l, "port", &["443", "10250"]),
                &|v| v > 100.0,
            ),
        ),
        (
            "AWSEndpointRejects",
            vec!["account", "region", "service", "subnet_id"],
            o(
                "trailflow_flow_aws_endpoint_rejected_total",
                &["account", "region", "service", "subnet_id"],
                &|_| true,
                &|v| v > 10.0,
            ),
        ),
        (
            "FlowLogRecordsSkipped",
            vec!["account", "region", "interface_id"],
            o(
                "trailflow_flow_skipped_records_total",
                &["account", "region", "interface_id"],
                &|_| true,
                &any,
            ),
        ),
        (
            "KubernetesAdminAccessGranted",
            vec!["cluster", "user", "change", "account"],
            o(
                "trailflow_k8s_access_changes_total",
                &["cluster", "user", "change", "account"],
                &|l| {
                    is(
                        l,
                        "change",
                        &["cluster_admin_binding", "system_masters_binding"],
                    ) && is(l, "outcome", &["success"])
                },
                &any,
            ),
        ),
        (
            "AwsAuthConfigMapChanged",
            vec!["cluster", "user", "verb", "account"],
            o(
                "trailflow_k8s_access_changes_total",
                &["cluster", "user", "verb", "account"],
                &|l| is(l, "change", &["aws_auth"]) && is(l, "outcome", &["success"]),
                &any,
            ),
        ),
        (
            "EvictionsBlockedByPDB",
            vec!["cluster", "namespace"],
            o(
                "trailflow_k8s_evictions_blocked_total",
                &["cluster", "namespace"],
                &|_| true,
                &|v| v > 10.0,
            ),
        ),
        (
            "NamespaceWithoutPodSecurity",
            vec!["cluster", "namespace"],
            o(
                "trailflow_k8s_pod_security_total",
                &["cluster", "namespace"],
                &|l| is(l, "finding", &["unlabelled"]),
                &any,
            ),
        ),
        (
            "KubernetesAuthFailures",
            vec!["cluster"],
            o(
                "trailflow_k8s_auth_failures_total",
                &["cluster"],
                &|l| is(l, "kind", &["unauthenticated"]),
                &|v| v > 20.0,
            ),
        ),
        (
            "LoadBalancer5xx",
            vec!["elb", "class", "account", "region"],
            o(
                "trailflow_elb_server_errors_total",
                &["elb", "class", "account", "region"],
                &|l| is(l, "origin", &["elb"]),
                &|v| v > 10.0,
            ),
        ),
        (
            "WAFBlockSurge",
            vec!["web_acl", "host", "account"],
            o(
                "trailflow_waf_requests_total",
                &["web_acl", "host", "account"],
                &|l| is(l, "action", &["BLOCK"]),
                &|v| v > 100.0,
            ),
        ),
        // Histograms: every observation arrives in one export, so rate() over them is 0 here.
        ("KubernetesAPISlow", vec!["cluster"], none()),
        (
            "TargetResponseSlow",
            vec!["elb", "target_group_arn"],
            none(),
        ),
        ("TrailflowDown", vec![], none()),
        ("TrailflowExportFailing", vec![], none()),
        ("TrailflowQueueLagHigh", vec![], none()),
        ("TrailflowBacklog", vec!["queue"], none()),
        (
            "TrailflowDeadLetters",
            vec!["queue"],
            BTreeSet::from([vec![dlq.to_string()]]),
        ),
        ("TrailflowRecordErrors", vec!["kind"], none()),
        ("TrailflowSeriesOverflow", vec!["metric", "label"], none()),
    ]
}
