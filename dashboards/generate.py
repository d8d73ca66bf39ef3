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

# The metric catalog (docs/metrics.md, generated from queries/metrics/): labels per metric, so
# that every panel applies each variable whose label its metric carries.
CATALOG_ROW = re.compile(r"^\| \[`(trailflow_[a-z0-9_]+)`\]\([^)]*\) \| (\w+) \| [^|]* \| ([^|]*) \|")


HISTOGRAMS = set()


def load_catalog():
    catalog = {}
    for line in (HERE.parent / "docs" / "metrics.md").read_text().splitlines():
        m = CATALOG_ROW.match(line)
        if m:
            labels = [l.strip().strip("`") for l in m[3].split(",") if l.strip()]
            catalog[m[1]] = labels
            if m[2] == "histogram":
                catalog[m[1] + "_bucket"] = labels
                HISTOGRAMS.add(m[1])
    return catalog


CATALOG = load_catalog()
# Variables per label: the role variable applies to every label that names a role.
VARIABLE_OF = {"account": "account", "region": "region", "cluster": "cluster"}
ROLE_LABELS = ("role_arn", "principal_arn", "caller_role", "node_role_arn")
for _label in ROLE_LABELS:
    VARIABLE_OF[_label] = "role"
# A cross-account call is logged in both accounts; the owner's copy of a call whose caller's
# copy also arrives is copy="duplicate". Every panel over a metric with a copy label counts the
# others: each call once (docs/metrics.md).
ONCE = 'copy!="duplicate"'
# Windows of the counting panels: CloudTrail delivers a file every ~5 minutes per account and
# region, flow logs every 10. Counts per window read steadily where rate() over a short
# interval would jump with every file.
CT = "15m"
FLOW = "20m"


def sel(metric, *matchers):
    """`metric{matchers, variables}`: the dashboard variables of every label the metric has."""
    if metric not in CATALOG:
        raise SystemExit(f"{metric} is not in docs/metrics.md")
    ms = list(matchers)
    for label in CATALOG[metric]:
        var = VARIABLE_OF.get(label)
        if var:
            ms.append(f'{label}=~"${var}"')
    if ONCE.split("!=")[0] in CATALOG[metric] and ONCE not in ms:
        ms.append(ONCE)
    return f"{metric}{{{','.join(ms)}}}" if ms else metric


def per(metric, window, *matchers):
    """Events of `metric` in the last `window`, counting a new series' first step:
    `(x unless x offset W) or increase(x[W])` (the same pattern as the alert rules)."""
    x = sel(metric, *matchers)
    return f"(({x} unless {x} offset {window}) or increase({x}[{window}]))"


def rate(metric, *matchers):
    """Per-second rate of a dense counter (trailflow's own, which start at zero)."""
    return f"rate({sel(metric, *matchers)}[$__rate_interval])"


def values_of(name, labels):
    """Every value of any of `labels` on any trailflow metric, as one label `name` for a variable
    (label_values() takes one metric or none, which would list other exporters' values too)."""
    series = lambda metric: metric + "_count" if metric in HISTOGRAMS else metric  # noqa: E731
    parts = [
        series(metric) if label == name else f'label_replace({series(metric)}, "{name}", "$1", "{label}", "(.+)")'
        for metric, have in sorted(CATALOG.items())
        if not metric.endswith("_bucket")
        for label in have
        if label in labels
    ]
    return f"query_result(count by ({name}) (" + " or ".join(parts) + "))"


def variable(name, label, help_text, query):
    var = {
        "name": name,
        "label": name.capitalize(),
        "description": help_text,
        "type": "query",
        "datasource": DS,
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
    }
    if query.startswith("query_result("):
        var["regex"] = f'/{label}="([^"]+)"/'
    return var


VARIABLES = [
    {
        "name": "datasource",
        "label": "Prometheus",
        "type": "datasource",
        "query": "prometheus",
        "refresh": 1,
        "current": {},
    },
    variable("account", "account", "AWS account that recorded the events or owns the interfaces", values_of("account", ["account"])),
    variable("region", "region", "AWS region of the events or interfaces", values_of("region", ["region"])),
    variable("cluster", "cluster", "EKS cluster (lookups.clusters name of the OIDC issuer, or the Pod Identity cluster)", values_of("cluster", ["cluster"])),
    variable("role", "role", "IAM role: role_arn, principal_arn, caller_role or node_role_arn, whichever the panel's metric has", values_of("role", ROLE_LABELS)),
]


def ts(title, exprs, unit="short", description="", stack=False, kind="timeseries"):
    """A panel; exprs is a list of (expr, legend)."""
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


def q(label, op, value):
    return f'{label}{op}"{value}"'


def hist(metric, by, quantile=0.9, *matchers):
    return f"histogram_quantile({quantile}, sum by (le{', ' + by if by else ''}) (rate({sel(metric, *matchers)}[$__rate_interval])))"


PER_CT = "per 15 minutes"
PER_FLOW = "per 20 minutes"

IAM = dashboard(
    "trailflow-iam-irsa",
    "trailflow / IAM and IRSA",
    "Role assumptions, IRSA and Pod Identity, access denied, STS endpoints, node-role fallback and break-glass use (C1-C3, C5-C7, C14). Cross-account calls count once (copy!=\"duplicate\"). Counts are per 15 minutes: CloudTrail delivers a file about every 5.",
    [
        stat("AssumeRole failure ratio (15m)", f'sum({per("trailflow_sts_assume_role_calls_total", CT, q("outcome", "!=", "success"))}) / sum({per("trailflow_sts_assume_role_calls_total", CT)})', "percentunit", "C1: share of failed role assumptions (throttled, denied or other errors)."),
        stat("IRSA token rejections (1h)", f'sum({per("trailflow_irsa_token_rejections_total", "1h")})', description="C2: AssumeRoleWithWebIdentity refusals."),
        stat("Access denied (1h)", f'sum({per("trailflow_access_denied_total", "1h")})', description="C5"),
        stat("Break-glass assumptions (24h)", f'sum({per("trailflow_break_glass_assumptions_total", "24h")})', description="C14: AssumeRole and console SwitchRole."),
        ts("AssumeRole calls by role and outcome", [(f'sum by (role_arn, outcome) ({per("trailflow_sts_assume_role_calls_total", CT)})', "{{role_arn}} {{outcome}}")], "short", f"C1, {PER_CT}: success, throttled, access_denied, error."),
        ts("AssumeRole failures by error", [(f'sum by (role_arn, error_code) ({per("trailflow_sts_assume_role_calls_total", CT, q("outcome", "!=", "success"))})', "{{role_arn}} {{error_code}}")], "short", f"C1, {PER_CT}."),
        ts("IRSA token rejections by reason", [(f'sum by (cluster, role_arn, reason) ({per("trailflow_irsa_token_rejections_total", CT)})', "{{cluster}} {{role_arn}} {{reason}}")], "short", f"C2, {PER_CT}: audience mismatch, expired token, unknown OIDC provider, trust-policy subject mismatch."),
        ts("Workload role assumptions by service account and mechanism", [(f'sum by (cluster, namespace, service_account, mechanism) ({per("trailflow_irsa_assumptions_total", CT)})', "{{cluster}} {{namespace}}/{{service_account}} {{mechanism}}")], "short", f"C3, {PER_CT}: which pods use which roles, by IRSA or EKS Pod Identity."),
        table("Service accounts using both IRSA and Pod Identity (1h)", f'count by (cluster, namespace, service_account) (sum by (cluster, namespace, service_account, mechanism) ({per("trailflow_irsa_assumptions_total", "1h")}) > 0) > 1', "C3: dual annotation during a Pod Identity migration."),
        ts("Access denied by principal and cause", [(f'sum by (principal_arn, cause) ({per("trailflow_access_denied_total", CT)})', "{{principal_arn}} {{cause}}")], "short", f"C5, {PER_CT}: permission boundary, SCP, VPC endpoint policy, explicit or implicit deny, encoded (EC2)."),
        table("Top denied API calls (1h)", f'topk(20, sum by (principal_arn, event_source, event_name, cause) ({per("trailflow_access_denied_total", "1h")}))', "C5"),
        ts("STS calls by endpoint", [(f'sum by (endpoint, region) ({per("trailflow_sts_calls_total", CT)})', "{{endpoint}} {{region}}")], "short", f"C6, {PER_CT}: global endpoint use means the SDK is not configured for regional STS; fips, dualstack and vpce are regional."),
        ts("STS throttling by region", [(f'sum by (account, region) ({per("trailflow_sts_calls_total", CT, q("outcome", "=", "throttled"))})', "{{account}} {{region}}")], "short", f"C6, {PER_CT}."),
        ts("Workload calls with the node role", [(f'sum by (node_role_arn, event_source, event_name) ({per("trailflow_node_role_workload_calls_total", CT)})', "{{node_role_arn}} {{event_name}}")], "short", f"C7, {PER_CT}: pods falling back to the node's instance profile."),
        ts("Break-glass assumptions", [(f'sum by (role_arn, mfa, outcome) ({per("trailflow_break_glass_assumptions_total", "1h")})', "{{role_arn}} mfa={{mfa}} {{outcome}}")], "short", "C14, per hour: mfa is true, false or unknown."),
    ],
)

KMS = dashboard(
    "trailflow-kms",
    "trailflow / KMS and cross-account",
    "KMS Decrypt volume, throttling and failures, same- and cross-account (C4), and the access denied behind them (C5). Each call counts once (copy!=\"duplicate\"); counts are per 15 minutes.",
    [
        stat("Decrypts throttled (1h)", f'sum({per("trailflow_kms_decrypt_calls_total", "1h", q("outcome", "=", "throttled"))})', description="C4"),
        stat("Cross-account decrypt share (15m)", f'sum({per("trailflow_kms_decrypt_calls_total", CT, q("cross_account", "=", "true"))}) / sum({per("trailflow_kms_decrypt_calls_total", CT)})', "percentunit", "C4"),
        ts("Decrypt calls by key and outcome", [(f'sum by (key_arn, outcome) ({per("trailflow_kms_decrypt_calls_total", CT)})', "{{key_arn}} {{outcome}}")], "short", f"C4, {PER_CT}."),
        ts("Cross-account decrypts by caller account", [(f'sum by (caller_account, key_account, outcome) ({per("trailflow_kms_decrypt_calls_total", CT, q("cross_account", "=", "true"))})', "{{caller_account}} -> {{key_account}} {{outcome}}")], "short", f"C4, {PER_CT}."),
        ts("Throttled decrypts by key", [(f'sum by (key_arn, caller_account) ({per("trailflow_kms_decrypt_calls_total", CT, q("outcome", "=", "throttled"))})', "{{key_arn}} from {{caller_account}}")], "short", f"C4, {PER_CT}: ThrottlingException, often a shared key under cross-account load."),
        ts("KMS access denied by principal", [(f'sum by (principal_arn, event_name, cause) ({per("trailflow_access_denied_total", CT, q("event_source", "=", "kms.amazonaws.com"))})', "{{principal_arn}} {{event_name}} {{cause}}")], "short", f"C5, {PER_CT}: key policy or grant missing."),
    ],
)

NETWORK = dashboard(
    "trailflow-network",
    "trailflow / Network",
    "Rejected flows from VPC Flow Logs: by port class and subnet, between the control plane and the nodes, to AWS service endpoints, and flow-log gaps (F1-F4). Counts are per 20 minutes: flow logs arrive every 10.",
    [
        stat("Rejected flows (20m)", f'sum({per("trailflow_flow_rejected_total", FLOW)})', description="F1"),
        stat("Control-plane rejects (20m)", f'sum({per("trailflow_flow_control_plane_rejected_total", FLOW)})', description="F2: API server, kubelet and webhook ports between the nodes and the control plane."),
        stat("Endpoint rejects (20m)", f'sum({per("trailflow_flow_aws_endpoint_rejected_total", FLOW)})', description="F3"),
        stat("Skipped flow records (1h)", f'sum({per("trailflow_flow_skipped_records_total", "1h")})', description="F4: SKIPDATA, records AWS could not write: traffic went unrecorded."),
        ts("Rejected flows by port class", [(f'sum by (port, protocol) ({per("trailflow_flow_rejected_total", FLOW)})', "{{port}}/{{protocol}}")], "short", f"F1, {PER_FLOW}: service ports of lookups.service_ports, nodeport, other. top_rejected_sources has the exact ports and sources."),
        ts("Rejected flows by subnet and AZ", [(f'sum by (subnet_id, az_id, direction) ({per("trailflow_flow_rejected_total", FLOW)})', "{{subnet_id}} {{az_id}} {{direction}}")], "short", f"F1, {PER_FLOW}."),
        ts("Control-plane and kubelet rejects", [(f'sum by (subnet, port, direction) ({per("trailflow_flow_control_plane_rejected_total", FLOW)})', "{{subnet}} :{{port}} {{direction}}")], "short", f"F2, {PER_FLOW}."),
        ts("AWS endpoint rejects by service", [(f'sum by (service, subnet_id) ({per("trailflow_flow_aws_endpoint_rejected_total", FLOW)})', "{{service}} {{subnet_id}}")], "short", f"F3, {PER_FLOW}: a security group on an interface endpoint, or toward a service API, drops traffic."),
        ts("Skipped flow records by interface", [(f'sum by (interface_id) ({per("trailflow_flow_skipped_records_total", "1h")})', "{{interface_id}}")], "short", "F4, per hour: SKIPDATA, the alertable gap."),
        ts("Idle interfaces (NODATA)", [(f'sum by (interface_id) ({per("trailflow_flow_idle_records_total", "1h")})', "{{interface_id}}")], "short", "F4, per hour: NODATA, no traffic in the interval; normal for idle interfaces."),
        table("Top rejected interfaces (1h)", f'topk(20, sum by (account, region, interface_id, vpc_id, subnet_id, port, reject_reason) ({per("trailflow_flow_rejected_total", "1h")}))', "F1"),
    ],
)

CONTROLLERS = dashboard(
    "trailflow-controllers",
    "trailflow / Cluster controllers",
    "What the cluster's controllers do in AWS: ECR pulls, ExternalDNS Route 53 changes, the AWS Load Balancer Controller and the cluster autoscaler (C8-C11). Counts are per 15 minutes.",
    [
        ts("ECR requests by repository and outcome", [(f'sum by (repository, outcome) ({per("trailflow_ecr_requests_total", CT)})', "{{repository}} {{outcome}}")], "short", f"C8, {PER_CT}."),
        ts("ECR pull duration p90 by AZ", [(hist("trailflow_ecr_pull_duration_seconds_bucket", "az"), "{{az}}")], "s", "C8: slow image pulls per availability zone."),
        ts("Route 53 changes by zone and outcome", [(f'sum by (hosted_zone_id, caller_role, outcome) ({per("trailflow_route53_changes_total", "1h")})', "{{hosted_zone_id}} {{caller_role}} {{outcome}}")], "short", "C9, per hour: ExternalDNS; backlog is PriorRequestNotComplete."),
        ts("Load Balancer Controller calls", [(f'sum by (event_name, outcome) ({per("trailflow_lb_controller_calls_total", CT)})', "{{event_name}} {{outcome}}")], "short", f"C10, {PER_CT}."),
        ts("Load Balancer Controller errors", [(f'sum by (event_name, error_code) ({per("trailflow_lb_controller_calls_total", CT, q("outcome", "!=", "success"))})', "{{event_name}} {{error_code}}")], "short", f"C10, {PER_CT}."),
        ts("Autoscaler actions by controller", [(f'sum by (controller, asg_name, event_name, outcome) ({per("trailflow_autoscaling_actions_total", "1h")})', "{{controller}} {{asg_name}} {{event_name}} {{outcome}}")], "short", "C11, per hour: Cluster Autoscaler on Auto Scaling groups, Karpenter on EC2 fleets."),
    ],
)

# Per-replica gauges: every replica exports its own; the newest event any replica saw is the
# account's, so a lagging or restarted replica does not show a gap another one covers.
LAST_EVENT = f'max by (account, region) (max_over_time({sel("trailflow_cloudtrail_last_event_time_seconds")}[1d]))'

AUDIT = dashboard(
    "trailflow-audit",
    "trailflow / Audit integrity",
    "Is the audit trail whole? Trail changes, CloudTrail Insights, delivery gaps per account and region (C12), and risky changes (C13).",
    [
        stat("Trail stopped or deleted (24h)", f'sum({per("trailflow_cloudtrail_trail_changes_total", "24h", q("event_name", "=~", "StopLogging|DeleteTrail"))})', description="C12"),
        stat("Oldest delivery gap", f"max(time() - {LAST_EVENT})", "s", "C12: over every account and region, the newest event any replica saw."),
        stat("Risky changes (24h)", f'sum({per("trailflow_risky_changes_total", "24h", q("managed", "!=", "lb_controller"))})', description="C13, leaving out groups the Load Balancer Controller manages."),
        stat("Insights events (24h)", f'sum({per("trailflow_cloudtrail_insights_total", "24h")})', description="C12"),
        ts("Delivery gap by account and region", [(f"time() - {LAST_EVENT}", "{{account}} {{region}}")], "s", "C12: time since the newest event seen; a growing line means logs stopped arriving."),
        ts("Trail changes", [(f'sum by (account, region, event_name, outcome) ({per("trailflow_cloudtrail_trail_changes_total", "1h")})', "{{account}} {{region}} {{event_name}} {{outcome}}")], "short", "C12, per hour."),
        ts("Insights by type", [(f'sum by (insight_type, event_name, state) ({per("trailflow_cloudtrail_insights_total", "1h")})', "{{insight_type}} {{event_name}} {{state}}")], "short", "C12, per hour."),
        table("Risky changes (24h)", f'sum by (account, event_name, target, direction, managed, outcome) ({per("trailflow_risky_changes_total", "24h")})', "C13: security groups opened to the world or stripped of egress, the EKS endpoint opened, OIDC providers deleted, access entries, trust and key policies changed, node roles widened."),
        ts("CloudTrail files missing by account and region", [(f'max by (account, region) ({sel("trailflow_cloudtrail_digest_missing_files")})', "{{account}} {{region}}")], "short", "C12: log files a digest vouches for that trailflow has not counted, once the digest is past its grace period (max over replicas: the one that judged the digest)."),
    ],
)

PIPELINE = dashboard(
    "trailflow-pipeline",
    "trailflow / Pipeline health",
    "trailflow itself: queue backlog and lag, dead letters, freshness of the logs, objects and records, errors, exports and cardinality overflow. Queue gauges take max over replicas (each reads the same queue); counters are summed.",
    [
        stat("Queue backlog", f'sum(max by (queue) ({sel("trailflow_sqs_queue_messages", q("state", "=", "visible"))}))', description="Messages waiting in the notification queue."),
        stat("Dead letters", f'sum(max by (queue) ({sel("trailflow_sqs_dlq_messages")}))', description="Notifications trailflow gave up on."),
        stat("Since the last export", f'time() - max(max_over_time({sel("trailflow_export_last_success_time_seconds")}[1h]))', "s", "Seconds since any replica exported; over a minute means exports fail or trailflow is down."),
        stat("Series overflow (1h)", f'sum({per("trailflow_series_overflow_total", "1h")})', description="Label sets whose ARNs or interfaces were folded to other: raise engine.series_limit or narrow a query."),
        ts("Queue depth", [(f'max by (queue, state) ({sel("trailflow_sqs_queue_messages")})', "{{queue}} {{state}}"), (f'max by (queue) ({sel("trailflow_sqs_dlq_messages")})', "{{queue}} (DLQ)")], "short"),
        ts("Queue lag p50 / p90", [(hist("trailflow_sqs_lag_seconds_bucket", "", 0.5), "p50"), (hist("trailflow_sqs_lag_seconds_bucket", ""), "p90")], "s", "Time from a notification's arrival in SQS to its receipt."),
        ts("Record freshness p90 by kind", [(hist("trailflow_record_age_seconds_bucket", "kind"), "{{kind}}")], "s", "Age of records when counted: AWS delivery delay plus trailflow's."),
        ts("Records by kind", [(f'sum by (kind) ({rate("trailflow_records_total")})', "{{kind}}")], "short"),
        ts("Objects by outcome", [(f'sum by (outcome) ({rate("trailflow_pipeline_objects_total")})', "{{outcome}}")], "short", stack=True),
        ts("Bytes by kind", [(f'sum by (kind) ({rate("trailflow_pipeline_bytes_total")})', "{{kind}}")], "Bps"),
        ts("Record errors by kind", [(f'sum by (kind) ({per("trailflow_pipeline_record_errors_total", CT)})', "{{kind}}")], "short", f"{PER_CT}."),
        ts("Records skipped by kind", [(f'sum by (kind) ({per("trailflow_pipeline_skipped_records_total", CT)})', "{{kind}}")], "short", f"{PER_CT}: CloudWatch Logs streams trailflow does not read (an EKS control plane's other logs)."),
        ts("SQS messages by outcome", [(f'sum by (outcome, envelope) ({rate("trailflow_sqs_messages_total")})', "{{outcome}} {{envelope}}")], "short", stack=True),
        ts("Redeliveries and visibility extensions", [(f'sum({rate("trailflow_sqs_redeliveries_total")})', "redelivered"), (f'sum by (outcome) ({rate("trailflow_sqs_visibility_extensions_total")})', "extension {{outcome}}")], "short"),
        ts("Exports and ledger conflicts", [(f'sum by (outcome) ({rate("trailflow_export_attempts_total")})', "export {{outcome}}"), (f'sum({rate("trailflow_ledger_conflicts_total")})', "ledger conflict")], "short"),
        ts("Folded labels by metric", [(f'sum by (metric, label) ({per("trailflow_series_overflow_total", "1h")})', "{{metric}} {{label}}")], "short", "Which label of which metric was folded to other (* : the whole label set went to the overflow series)."),
    ],
)

KUBERNETES = dashboard(
    "trailflow-kubernetes-audit",
    "trailflow / Kubernetes audit",
    "What EKS's API server audit log says (K1-K5): who changed cluster access, drains held up by PodDisruptionBudgets, Pod Security gaps, slow API requests and authentication failures. Counts are per 15 minutes.",
    [
        stat("Access changes (24h)", f'sum({per("trailflow_k8s_access_changes_total", "24h", q("outcome", "=", "success"))})', description="K1: aws-auth edits and bindings to cluster-admin or system:masters."),
        stat("Evictions blocked (1h)", f'sum({per("trailflow_k8s_evictions_blocked_total", "1h")})', description="K2: evictions refused with 429 by a PodDisruptionBudget."),
        stat("Pod Security findings (24h)", f'sum({per("trailflow_k8s_pod_security_total", "24h")})', description="K3"),
        stat("Authentication failures (1h)", f'sum({per("trailflow_k8s_auth_failures_total", "1h", q("kind", "=", "unauthenticated"))})', description="K5: 401s."),
        table("Who changed cluster access (24h)", f'sum by (cluster, user, change, verb, outcome) ({per("trailflow_k8s_access_changes_total", "24h")})', "K1: the IAM ARN behind an EKS user where the authenticator gives it."),
        ts("Evictions blocked by namespace", [(f'sum by (cluster, namespace) ({per("trailflow_k8s_evictions_blocked_total", CT)})', "{{cluster}} {{namespace}}")], "short", f"K2, {PER_CT}: a node drain (upgrade, Karpenter, cluster autoscaler) waits on these namespaces' PDBs."),
        table("Pod Security findings (24h)", f'sum by (cluster, namespace, finding) ({per("trailflow_k8s_pod_security_total", "24h")})', "K3: namespaces created without pod-security.kubernetes.io/enforce, and requests the audit level flags."),
        ts("API request latency p99 by verb", [(hist("trailflow_k8s_request_duration_seconds_bucket", "cluster, verb", 0.99), "{{cluster}} {{verb}}")], "s", "K4: from the request's arrival to its completed response; mutating requests wait on admission webhooks."),
        ts("Slowest mutating resources (p99)", [(f'topk(10, {hist("trailflow_k8s_request_duration_seconds_bucket", "cluster, resource", 0.99, q("verb", "=~", "create|update|patch|delete"))})', "{{cluster}} {{resource}}")], "s", "K4: a webhook that slows one resource shows here."),
        ts("Authentication failures and anonymous requests", [(f'sum by (cluster, kind, outcome) ({per("trailflow_k8s_auth_failures_total", CT)})', "{{cluster}} {{kind}} {{outcome}}")], "short", f"K5, {PER_CT}."),
    ],
)

LOAD_BALANCERS = dashboard(
    "trailflow-load-balancers",
    "trailflow / Load balancers and WAF",
    "Elastic Load Balancing access logs (L1, L2) and AWS WAF (W1): whose 5xx it is, how fast targets answer, and WAF blocks beside the application's own 4xx. Counts are per 15 minutes (load balancers write a log every 5).",
    [
        stat("Load balancer 5xx (15m)", f'sum({per("trailflow_elb_server_errors_total", CT, q("origin", "=", "elb"))})', description="L1: the load balancer's own 5xx: the target reset, timed out or was missing."),
        stat("Target 5xx (15m)", f'sum({per("trailflow_elb_server_errors_total", CT, q("origin", "=", "target"))})', description="L1: the application's own 5xx."),
        stat("WAF blocks (15m)", f'sum({per("trailflow_waf_requests_total", CT, q("action", "=", "BLOCK"))})', description="W1"),
        stat("Application 4xx (15m)", f'sum({per("trailflow_elb_client_errors_total", CT, q("origin", "=", "target"))})', description="W1"),
        ts("5xx by load balancer, origin and class", [(f'sum by (elb, origin, class) ({per("trailflow_elb_server_errors_total", CT)})', "{{elb}} {{origin}} {{class}}")], "short", f"L1, {PER_CT}: timeout (504, the idle timeout), reset (502), unavailable (503), target."),
        table("5xx by target group (1h)", f'sum by (elb, target_group_arn, status, class, error_reason) ({per("trailflow_elb_server_errors_total", "1h")})', "L1"),
        ts("Target response time p90 by target group", [(hist("trailflow_elb_target_response_time_seconds_bucket", "target_group_arn"), "{{target_group_arn}}")], "s", "L2"),
        ts("WAF blocks vs application 4xx by host", [
            (f'sum by (host) ({per("trailflow_waf_requests_total", CT, q("action", "=", "BLOCK"))})', "WAF blocked {{host}}"),
            (f'sum by (host) ({per("trailflow_elb_client_errors_total", CT, q("origin", "=", "target"))})', "application 4xx {{host}}"),
            (f'sum by (host) ({per("trailflow_elb_client_errors_total", CT, q("origin", "=", "waf"))})', "403 by WAF at the ALB {{host}}"),
        ], "short", f"W1, {PER_CT}: clients complaining about 403s? WAF or the application."),
        table("WAF decisions by rule (1h)", f'sum by (web_acl, action, rule, rule_type, host) ({per("trailflow_waf_requests_total", "1h")})', "W1"),
    ],
)

DASHBOARDS = {
    "iam-irsa.json": IAM,
    "kms-cross-account.json": KMS,
    "network.json": NETWORK,
    "cluster-controllers.json": CONTROLLERS,
    "audit-integrity.json": AUDIT,
    "pipeline-health.json": PIPELINE,
    "kubernetes-audit.json": KUBERNETES,
    "load-balancers.json": LOAD_BALANCERS,
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
