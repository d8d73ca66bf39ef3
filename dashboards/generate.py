#!/usr/bin/env python3
"""Writes trailflow's Grafana dashboards (dashboards/*.json) from the compact
definitions below. Edit this file, run `python3 dashboards/generate.py`, and
commit both; `cargo test --test dashboards` fails when the JSON is stale
(`--check`), when a query names a metric or label the catalog does not have,
or when a panel lacks a query.

Every query reads the Prometheus names that trailflow's `/metrics` and the
OpenTelemetry Collector's Prometheus exporter both produce. Variables:
`datasource` (any Prometheus), `account`, `region`, `cluster`, `role`, each
applied only to metrics that carry the label.
"""

import json
import re
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "${datasource}"}

# Label matchers for the variables, per label name.
ACCOUNT = 'account=~"$account"'
REGION = 'region=~"$region"'
CLUSTER = 'cluster=~"$cluster"'
# A cross-account call is logged in both accounts; the owner's copy of a call whose caller's
# copy also arrives is copy="duplicate". Every panel over a metric with a copy label counts the
# others: each call once (docs/metrics.md).
ONCE = 'copy!="duplicate"'


def role(label):
    return f'{label}=~"$role"'


def variable(name, label, metric, help_text):
    return {
        "name": name,
        "label": name.capitalize(),
        "description": help_text,
        "type": "query",
        "datasource": DS,
        "query": {"query": f"label_values({metric}, {label})", "refId": f"{name}-values"},
        "definition": f"label_values({metric}, {label})",
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
    }


VARIABLES = [
    {
        "name": "datasource",
        "label": "Prometheus",
        "type": "datasource",
        "query": "prometheus",
        "refresh": 1,
        "current": {},
    },
    variable("account", "account", "trailflow_sts_assume_role_calls_total", "AWS account that recorded the events"),
    variable("region", "region", "trailflow_cloudtrail_last_event_time_seconds", "AWS region of the events"),
    variable("cluster", "cluster", "trailflow_irsa_assumptions_total", "EKS cluster (lookups.clusters name of the OIDC issuer, or the Pod Identity cluster)"),
    variable("role", "role_arn", "trailflow_sts_assume_role_calls_total", "IAM role ARN"),
]


INCREASE = re.compile(r"increase\((trailflow_[a-z0-9_]+(?:\{[^}]*\})?)\[([^\]]+)\]\)")


def counted(expr):
    """`increase(x[W])` -> `((x unless x offset W) or increase(x[W]))`: a label set seen for the
    first time arrives with its count already in it, which increase() alone reads as 0."""
    return INCREASE.sub(lambda m: f"(({m[1]} unless {m[1]} offset {m[2]}) or increase({m[1]}[{m[2]}]))", expr)


def ts(title, exprs, unit="short", description="", stack=False, kind="timeseries"):
    """A panel; exprs is a list of (expr, legend)."""
    exprs = [(counted(e), legend) for e, legend in exprs]
    panel = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [
            {"datasource": DS, "expr": e, "legendFormat": legend, "refId": chr(65 + i), "range": True}
            for i, (e, legend) in enumerate(exprs)
        ],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}},
    }
    if kind == "timeseries" and stack:
        panel["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal"}, "fillOpacity": 30}
    if kind == "stat":
        panel["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"}
    if kind == "table":
        for t in panel["targets"]:
            t["instant"] = True
            t["range"] = False
            t["format"] = "table"
        panel["options"] = {"showHeader": True}
    return panel


def stat(title, expr, unit="short", description=""):
    return ts(title, [(expr, "")], unit=unit, description=description, kind="stat")


def table(title, expr, description=""):
    return ts(title, [(expr, "")], description=description, kind="table")


def dashboard(uid, title, description, panels):
    laid = []
    x = y = 0
    for p in panels:
        w = 6 if p["type"] == "stat" else 12
        h = 5 if p["type"] == "stat" else 8
        if x + w > 24:
            x, y = 0, y + h
        p = dict(p, id=len(laid) + 1, gridPos={"x": x, "y": y, "w": w, "h": h})
        laid.append(p)
        x += w
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["trailflow", "aws", "eks"],
        "timezone": "utc",
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": VARIABLES},
        "annotations": {"list": []},
        "links": [{"title": "trailflow dashboards", "type": "dashboards", "tags": ["trailflow"], "asDropdown": True}],
        "panels": laid,
    }


R = "[$__rate_interval]"

IAM = dashboard(
    "trailflow-iam-irsa",
    "trailflow / IAM and IRSA",
    "Role assumptions, IRSA and Pod Identity, access denied, STS endpoints, node-role fallback and break-glass use (C1-C3, C5-C7, C14). Cross-account calls count once (copy!=\"duplicate\").",
    [
        stat("AssumeRole failure ratio", f'sum(rate(trailflow_sts_assume_role_calls_total{{outcome!="success",{ONCE},{ACCOUNT},{role("role_arn")}}}{R})) / sum(rate(trailflow_sts_assume_role_calls_total{{{ONCE},{ACCOUNT},{role("role_arn")}}}{R}))', "percentunit", "C1: share of failed role assumptions (throttled, denied or other errors)."),
        stat("IRSA token rejections (1h)", f'sum(increase(trailflow_irsa_token_rejections_total{{{CLUSTER},{role("role_arn")}}}[1h]))', description="C2: AssumeRoleWithWebIdentity refusals."),
        stat("Access denied (1h)", f'sum(increase(trailflow_access_denied_total{{{ONCE},{ACCOUNT},{role("principal_arn")}}}[1h]))', description="C5"),
        stat("Break-glass assumptions (24h)", f'sum(increase(trailflow_break_glass_assumptions_total{{{role("role_arn")}}}[24h]))', description="C14: AssumeRole and console SwitchRole."),
        ts("AssumeRole calls by role and outcome", [(f'sum by (role_arn, outcome) (rate(trailflow_sts_assume_role_calls_total{{{ONCE},{ACCOUNT},{role("role_arn")}}}{R}))', "{{role_arn}} {{outcome}}")], "reqps", "C1: success, throttled, access_denied, error."),
        ts("AssumeRole failures by error", [(f'sum by (role_arn, error_code) (rate(trailflow_sts_assume_role_calls_total{{outcome!="success",{ONCE},{ACCOUNT},{role("role_arn")}}}{R}))', "{{role_arn}} {{error_code}}")], "reqps", "C1"),
        ts("IRSA token rejections by reason", [(f'sum by (cluster, role_arn, reason) (rate(trailflow_irsa_token_rejections_total{{{CLUSTER},{role("role_arn")}}}{R}))', "{{cluster}} {{role_arn}} {{reason}}")], "reqps", "C2: audience mismatch, expired token, unknown OIDC provider, trust-policy subject mismatch."),
        ts("Workload role assumptions by service account and mechanism", [(f'sum by (cluster, namespace, service_account, mechanism) (rate(trailflow_irsa_assumptions_total{{{CLUSTER},{role("role_arn")}}}{R}))', "{{cluster}} {{namespace}}/{{service_account}} {{mechanism}}")], "reqps", "C3: which pods use which roles, by IRSA or EKS Pod Identity."),
        table("Service accounts using both IRSA and Pod Identity (1h)", f'count by (cluster, namespace, service_account) (sum by (cluster, namespace, service_account, mechanism) (increase(trailflow_irsa_assumptions_total{{{CLUSTER}}}[1h])) > 0) > 1', "C3: dual annotation during a Pod Identity migration."),
        ts("Access denied by principal and cause", [(f'sum by (principal_arn, cause) (rate(trailflow_access_denied_total{{{ONCE},{ACCOUNT},{role("principal_arn")}}}{R}))', "{{principal_arn}} {{cause}}")], "reqps", "C5: permission boundary, SCP, VPC endpoint policy, explicit or implicit deny, encoded (EC2)."),
        table("Top denied API calls (1h)", f'topk(20, sum by (principal_arn, event_source, event_name, cause) (increase(trailflow_access_denied_total{{{ONCE},{ACCOUNT},{role("principal_arn")}}}[1h])))', "C5"),
        ts("STS calls by endpoint", [(f'sum by (endpoint, region) (rate(trailflow_sts_calls_total{{{REGION}}}{R}))', "{{endpoint}} {{region}}")], "reqps", "C6: global endpoint use means the SDK is not configured for regional STS; fips, dualstack and vpce are regional."),
        ts("Workload calls with the node role", [('sum by (node_role_arn, event_source, event_name) (rate(trailflow_node_role_workload_calls_total' + R + '))', "{{node_role_arn}} {{event_name}}")], "reqps", "C7: pods falling back to the node's instance profile."),
        ts("Break-glass assumptions", [(f'sum by (role_arn, mfa, outcome) (increase(trailflow_break_glass_assumptions_total{{{role("role_arn")}}}[1h]))', "{{role_arn}} mfa={{mfa}} {{outcome}}")], "short", "C14: mfa is true, false or unknown."),
    ],
)

KMS = dashboard(
    "trailflow-kms",
    "trailflow / KMS and cross-account",
    "KMS Decrypt volume, throttling and failures, same- and cross-account (C4), and the access denied behind them (C5). Each call counts once (copy!=\"duplicate\").",
    [
        stat("Decrypts throttled (1h)", f'sum(increase(trailflow_kms_decrypt_calls_total{{outcome="throttled",{ONCE}}}[1h]))', description="C4"),
        stat("Cross-account decrypt share", f'sum(rate(trailflow_kms_decrypt_calls_total{{cross_account="true",{ONCE}}}{R})) / sum(rate(trailflow_kms_decrypt_calls_total{{{ONCE}}}{R}))', "percentunit", "C4"),
        ts("Decrypt calls by key and outcome", [(f'sum by (key_arn, outcome) (rate(trailflow_kms_decrypt_calls_total{{{ONCE}}}{R}))', "{{key_arn}} {{outcome}}")], "reqps", "C4"),
        ts("Cross-account decrypts by caller account", [(f'sum by (caller_account, key_account, outcome) (rate(trailflow_kms_decrypt_calls_total{{cross_account="true",{ONCE}}}{R}))', "{{caller_account}} -> {{key_account}} {{outcome}}")], "reqps", "C4"),
        ts("Throttled decrypts by key", [(f'sum by (key_arn, caller_account) (rate(trailflow_kms_decrypt_calls_total{{outcome="throttled",{ONCE}}}{R}))', "{{key_arn}} from {{caller_account}}")], "reqps", "C4: ThrottlingException, often a shared key under cross-account load."),
        ts("KMS access denied by principal", [(f'sum by (principal_arn, event_name, cause) (rate(trailflow_access_denied_total{{event_source="kms.amazonaws.com",{ONCE},{ACCOUNT},{role("principal_arn")}}}{R}))', "{{principal_arn}} {{event_name}} {{cause}}")], "reqps", "C5: key policy or grant missing."),
    ],
)

NETWORK = dashboard(
    "trailflow-network",
    "trailflow / Network",
    "Rejected flows from VPC Flow Logs: by port class and subnet, between the control plane and the nodes, to AWS service endpoints, and flow-log gaps (F1-F4).",
    [
        stat("Rejected flows (5m)", 'sum(increase(trailflow_flow_rejected_total[5m]))', description="F1"),
        stat("Control-plane rejects (5m)", 'sum(increase(trailflow_flow_control_plane_rejected_total[5m]))', description="F2: API server, kubelet and webhook ports between the nodes and the control plane."),
        stat("Endpoint rejects (5m)", 'sum(increase(trailflow_flow_aws_endpoint_rejected_total[5m]))', description="F3"),
        stat("Skipped flow records (1h)", 'sum(increase(trailflow_flow_skipped_records_total[1h]))', description="F4: SKIPDATA, records AWS could not write: traffic went unrecorded."),
        ts("Rejected flows by port class", [(f'sum by (port, protocol) (rate(trailflow_flow_rejected_total{R}))', "{{port}}/{{protocol}}")], "short", "F1: service ports of lookups.service_ports, nodeport, other. top_rejected_sources has the exact ports and sources."),
        ts("Rejected flows by subnet and AZ", [(f'sum by (subnet_id, az_id, direction) (rate(trailflow_flow_rejected_total{R}))', "{{subnet_id}} {{az_id}} {{direction}}")], "short", "F1"),
        ts("Control-plane and kubelet rejects", [(f'sum by (subnet, port, direction) (rate(trailflow_flow_control_plane_rejected_total{R}))', "{{subnet}} :{{port}} {{direction}}")], "short", "F2"),
        ts("AWS endpoint rejects by service", [(f'sum by (service, subnet_id) (rate(trailflow_flow_aws_endpoint_rejected_total{R}))', "{{service}} {{subnet_id}}")], "short", "F3: a security group on an interface endpoint, or toward a service API, drops traffic."),
        ts("Skipped flow records by interface", [(f'sum by (interface_id) (increase(trailflow_flow_skipped_records_total[1h]))', "{{interface_id}}")], "short", "F4: SKIPDATA, the alertable gap."),
        ts("Idle interfaces (NODATA)", [(f'sum by (interface_id) (increase(trailflow_flow_idle_records_total[1h]))', "{{interface_id}}")], "short", "F4: NODATA, no traffic in the interval; normal for idle interfaces."),
        table("Top rejected interfaces (1h)", 'topk(20, sum by (interface_id, vpc_id, subnet_id, port, reject_reason) (increase(trailflow_flow_rejected_total[1h])))', "F1"),
    ],
)

CONTROLLERS = dashboard(
    "trailflow-controllers",
    "trailflow / Cluster controllers",
    "What the cluster's controllers do in AWS: ECR pulls, ExternalDNS Route 53 changes, the AWS Load Balancer Controller and the cluster autoscaler (C8-C11).",
    [
        ts("ECR requests by repository and outcome", [(f'sum by (repository, outcome) (rate(trailflow_ecr_requests_total{R}))', "{{repository}} {{outcome}}")], "reqps", "C8"),
        ts("ECR pull duration p90 by AZ", [(f'histogram_quantile(0.9, sum by (le, az) (rate(trailflow_ecr_pull_duration_seconds_bucket{R})))', "{{az}}")], "s", "C8: slow image pulls per availability zone."),
        ts("Route 53 changes by zone and outcome", [(f'sum by (hosted_zone_id, caller_role, outcome) (increase(trailflow_route53_changes_total{{{role("caller_role")}}}[1h]))', "{{hosted_zone_id}} {{caller_role}} {{outcome}}")], "short", "C9: ExternalDNS; backlog is PriorRequestNotComplete."),
        ts("Load Balancer Controller calls", [(f'sum by (event_name, outcome) (rate(trailflow_lb_controller_calls_total{{{role("caller_role")}}}{R}))', "{{event_name}} {{outcome}}")], "reqps", "C10"),
        ts("Load Balancer Controller errors", [(f'sum by (event_name, error_code) (rate(trailflow_lb_controller_calls_total{{outcome!="success",{role("caller_role")}}}{R}))', "{{event_name}} {{error_code}}")], "reqps", "C10"),
        ts("Autoscaler actions by controller", [(f'sum by (controller, asg_name, event_name, outcome) (increase(trailflow_autoscaling_actions_total{{{role("caller_role")}}}[1h]))', "{{controller}} {{asg_name}} {{event_name}} {{outcome}}")], "short", "C11: Cluster Autoscaler on Auto Scaling groups, Karpenter on EC2 fleets."),
    ],
)

AUDIT = dashboard(
    "trailflow-audit",
    "trailflow / Audit integrity",
    "Is the audit trail whole? Trail changes, CloudTrail Insights, delivery gaps per account and region (C12), and risky changes (C13).",
    [
        stat("Trail stopped or deleted (24h)", 'sum(increase(trailflow_cloudtrail_trail_changes_total{event_name=~"StopLogging|DeleteTrail",' + ACCOUNT + "," + REGION + "}[24h]))", description="C12"),
        stat("Oldest delivery gap", f'max(time() - trailflow_cloudtrail_last_event_time_seconds{{{ACCOUNT},{REGION}}})', "s", "C12"),
        stat("Risky changes (24h)", f'sum(increase(trailflow_risky_changes_total{{managed!="lb_controller",{ACCOUNT}}}[24h]))', description="C13, leaving out groups the Load Balancer Controller manages."),
        stat("Insights events (24h)", f'sum(increase(trailflow_cloudtrail_insights_total{{{ACCOUNT},{REGION}}}[24h]))', description="C12"),
        ts("Delivery gap by account and region", [(f'time() - trailflow_cloudtrail_last_event_time_seconds{{{ACCOUNT},{REGION}}}', "{{account}} {{region}}")], "s", "C12: time since the newest event seen; a growing line means logs stopped arriving."),
        ts("Trail changes", [(f'sum by (account, region, event_name, outcome) (increase(trailflow_cloudtrail_trail_changes_total{{{ACCOUNT},{REGION}}}[1h]))', "{{account}} {{region}} {{event_name}} {{outcome}}")], "short", "C12"),
        ts("Insights by type", [(f'sum by (insight_type, event_name, state) (increase(trailflow_cloudtrail_insights_total{{{ACCOUNT},{REGION}}}[1h]))', "{{insight_type}} {{event_name}} {{state}}")], "short", "C12"),
        table("Risky changes (24h)", f'sum by (account, event_name, target, direction, managed, outcome) (increase(trailflow_risky_changes_total{{{ACCOUNT}}}[24h]))', "C13: security groups opened to the world or stripped of egress, the EKS endpoint opened, OIDC providers deleted, access entries, trust and key policies changed, node roles widened."),
        ts("CloudTrail files missing by account and region", [(f'max by (account, region) (trailflow_cloudtrail_digest_missing_files{{{ACCOUNT},{REGION}}})', "{{account}} {{region}}")], "short", "C12: log files a digest vouches for that trailflow has not counted, once the digest is past its grace period."),
    ],
)

PIPELINE = dashboard(
    "trailflow-pipeline",
    "trailflow / Pipeline health",
    "trailflow itself: queue backlog and lag, dead letters, freshness of the logs, objects and records, errors, exports and cardinality overflow.",
    [
        stat("Queue backlog", 'sum(trailflow_sqs_queue_messages{state="visible"})', description="Messages waiting in the notification queue."),
        stat("Dead letters", 'sum(trailflow_sqs_dlq_messages)', description="Notifications trailflow gave up on."),
        stat("Export failures (1h)", 'sum(increase(trailflow_export_attempts_total{outcome="failed"}[1h]))'),
        stat("Series overflow (1h)", 'sum(increase(trailflow_series_overflow_total[1h]))', description="Label sets whose ARNs or interfaces were folded to other: raise engine.series_limit or narrow a query."),
        ts("Queue depth", [('sum by (queue, state) (trailflow_sqs_queue_messages)', "{{queue}} {{state}}"), ('sum by (queue) (trailflow_sqs_dlq_messages)', "{{queue}} (DLQ)")], "short"),
        ts("Queue lag p50 / p90", [(f'histogram_quantile(0.5, sum by (le) (rate(trailflow_sqs_lag_seconds_bucket{R})))', "p50"), (f'histogram_quantile(0.9, sum by (le) (rate(trailflow_sqs_lag_seconds_bucket{R})))', "p90")], "s", "Time from a notification's arrival in SQS to its receipt."),
        ts("Record freshness p90 by kind", [(f'histogram_quantile(0.9, sum by (le, kind) (rate(trailflow_record_age_seconds_bucket{R})))', "{{kind}}")], "s", "Age of records when counted: AWS delivery delay plus trailflow's."),
        ts("Records by kind", [(f'sum by (kind) (rate(trailflow_records_total{R}))', "{{kind}}")], "short"),
        ts("Objects by outcome", [(f'sum by (outcome) (rate(trailflow_pipeline_objects_total{R}))', "{{outcome}}")], "short", stack=True),
        ts("Bytes by kind", [(f'sum by (kind) (rate(trailflow_pipeline_bytes_total{R}))', "{{kind}}")], "Bps"),
        ts("Record errors by kind", [(f'sum by (kind) (rate(trailflow_pipeline_record_errors_total{R}))', "{{kind}}")], "short"),
        ts("SQS messages by outcome", [(f'sum by (outcome, envelope) (rate(trailflow_sqs_messages_total{R}))', "{{outcome}} {{envelope}}")], "short", stack=True),
        ts("Redeliveries and visibility extensions", [(f'sum(rate(trailflow_sqs_redeliveries_total{R}))', "redelivered"), (f'sum by (outcome) (rate(trailflow_sqs_visibility_extensions_total{R}))', "extension {{outcome}}")], "short"),
        ts("Exports and ledger conflicts", [(f'sum by (outcome) (rate(trailflow_export_attempts_total{R}))', "export {{outcome}}"), (f'sum(rate(trailflow_ledger_conflicts_total{R}))', "ledger conflict")], "short"),
        ts("Folded labels by metric", [(f'sum by (metric, label) (increase(trailflow_series_overflow_total[1h]))', "{{metric}} {{label}}")], "short", "Which label of which metric was folded to other (* : the whole label set went to the overflow series)."),
    ],
)

DASHBOARDS = {
    "iam-irsa.json": IAM,
    "kms-cross-account.json": KMS,
    "network.json": NETWORK,
    "cluster-controllers.json": CONTROLLERS,
    "audit-integrity.json": AUDIT,
    "pipeline-health.json": PIPELINE,
}


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, board in DASHBOARDS.items():
        text = json.dumps(board, indent=2, sort_keys=True) + "\n"
        path = HERE / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("stale dashboards (run python3 dashboards/generate.py): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
