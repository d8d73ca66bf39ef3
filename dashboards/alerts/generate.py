#!/usr/bin/env python3
"""Writes trailflow's alert rules (dashboards/alerts/trailflow.rules.yml) from the definitions
below. Edit this file, run `python3 dashboards/alerts/generate.py`, and commit both;
`cargo test --test dashboards` fails when the YAML is stale (`--check`).

A deployment points the rules' `runbook_url` at wherever it hosts docs/alerts.md:

    python3 dashboards/alerts/generate.py --runbook-base https://wiki.example.com/trailflow/alerts \
        --output /etc/prometheus/rules/trailflow.rules.yml

How the rules are shaped (docs/alerts.md, "How the rules read the metrics", says why):
- Counting rules use `fresh(x, W)`: `(x unless x offset W) or increase(x[W])`. A label set seen
  for the first time arrives with its count already in it, and increase() over a series' first
  samples misses that step.
- W is at least 15 minutes for CloudTrail (a file every ~5 minutes per account and region) and
  20 to 30 minutes for flow logs (every 10 minutes plus delivery delay), and `for` is shorter
  than the gap between files: one file's burst raises the alert, a quiet file cannot clear it
  before it fired.
- Counters are summed across replicas; per-replica gauges take max (or max_over_time, so that a
  restarted replica that has not seen a series yet still reads the last value the other
  incarnation exported).
"""

import argparse
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_BASE = "https://github.com/trailflow/trailflow/blob/main/docs/alerts.md"
# The Prometheus job that scrapes trailflow's /metrics, where it is scraped.
SCRAPE_JOB = "trailflow"

# CloudTrail's lookback: three files of one account and region.
CT = "15m"
# Flow logs': two 10-minute aggregation intervals.
FLOW = "20m"


def fresh(selector, window):
    """Events counted in the last `window`, including a series' first step."""
    return f"(({selector} unless {selector} offset {window}) or increase({selector}[{window}]))"


def q(label, op, value):
    """A label matcher: q("outcome", "!=", "success") is outcome!="success"."""
    return f'{label}{op}"{value}"'


def m(metric, *matchers):
    return f"{metric}{{{', '.join(matchers)}}}" if matchers else metric


ONCE = 'copy!="duplicate"'
# CI/CD roles: a name token, after any IAM path (role/service-role/github-deploy) or in an
# assumed-role ARN (assumed-role/github-deploy/session).
CI_TOKENS = "ci|cd|github|gitlab|jenkins|buildkite|runner|deploy|pipeline"
CI_ROLE = (
    'principal_arn=~".*:(role/([^/]+/)*|assumed-role/)'
    f'([^/]*[-_])?(?i:{CI_TOKENS})([-_][^/]*)?(/.*)?"'
)

RULES = {
    "trailflow-identity": [
        dict(
            alert="IRSAAudienceMismatch",
            expr=f'sum by (role_arn, oidc_provider, cluster) ({fresh(m("trailflow_irsa_token_rejections_total", q("reason", "=", "audience_mismatch")), CT)}) > 0',
            for_="2m",
            severity="warning",
            summary="IRSA tokens for {{ $labels.role_arn }} carry the wrong audience",
            description="AssumeRoleWithWebIdentity rejected tokens with 'Incorrect token audience' for {{ $labels.role_arn }} (provider {{ $labels.oidc_provider }}, cluster {{ $labels.cluster }}) in the last 15 minutes: the projected token's audience is not sts.amazonaws.com or the OIDC provider's client list lacks it.",
        ),
        dict(
            alert="IRSAProviderNotFound",
            expr=f'sum by (role_arn, oidc_provider, cluster) ({fresh(m("trailflow_irsa_token_rejections_total", q("reason", "=", "provider_not_found")), CT)}) > 0',
            for_="0m",
            severity="critical",
            summary="No IAM OIDC provider for the tokens of {{ $labels.cluster }}",
            description="STS found no OpenID Connect provider for {{ $labels.oidc_provider }} when pods assumed {{ $labels.role_arn }}: every IRSA workload of that cluster is failing.",
        ),
        dict(
            alert="AssumeRoleFailureRatioHigh",
            expr=(
                "(\n"
                f'  sum by (role_arn) ({fresh(m("trailflow_sts_assume_role_calls_total", q("outcome", "!=", "success"), ONCE), CT)})\n'
                f'    / sum by (role_arn) ({fresh(m("trailflow_sts_assume_role_calls_total", ONCE), CT)})\n'
                ") > 0.2\n"
                f'and sum by (role_arn) ({fresh(m("trailflow_sts_assume_role_calls_total", ONCE), CT)}) >= 10'
            ),
            for_="5m",
            severity="warning",
            summary="More than 20% of role assumptions of {{ $labels.role_arn }} fail",
            description="{{ $value | humanizePercentage }} of AssumeRole* calls for {{ $labels.role_arn }} failed over 15 minutes.",
        ),
        dict(
            alert="PermissionBoundaryDeniesCI",
            expr=f'sum by (principal_arn, event_name, account) ({fresh(m("trailflow_access_denied_total", q("cause", "=", "permissions_boundary"), ONCE, CI_ROLE), CT)}) > 0',
            for_="0m",
            severity="warning",
            summary="A permissions boundary blocks CI role {{ $labels.principal_arn }}",
            description="{{ $labels.principal_arn }} was denied {{ $labels.event_name }} by its permissions boundary in the last 15 minutes.",
            comment="CI/CD roles are recognised by a name token (github-actions-deploy, service-role/ci-runner, ...): adapt CI_TOKENS to your naming.",
        ),
        dict(
            alert="BreakGlassRoleAssumed",
            expr=f'sum by (role_arn, mfa, account) ({fresh(m("trailflow_break_glass_assumptions_total", q("outcome", "=", "success")), CT)}) > 0',
            for_="0m",
            severity="critical",
            summary="Break-glass role {{ $labels.role_arn }} was assumed (MFA: {{ $labels.mfa }})",
            description="Someone assumed a break-glass role in the last 15 minutes. Confirm it was planned.",
        ),
        dict(
            alert="NodeRoleFallbackAboveBaseline",
            expr=(
                f'sum by (node_role_arn, account) ({fresh("trailflow_node_role_workload_calls_total", CT)}) > 20\n'
                f'unless sum by (node_role_arn, account) ({fresh("trailflow_node_role_workload_calls_total", CT)})\n'
                '  <= 2 * sum by (node_role_arn, account) (increase(trailflow_node_role_workload_calls_total[1d] offset 15m)) / 96'
            ),
            comment="Without a baseline (a node role that never fell back before) any fallback above 20 counts.",
            for_="5m",
            severity="warning",
            summary="Pods fall back to the node role {{ $labels.node_role_arn }}",
            description="{{ $value }} application API calls in 15 minutes were made with the node's instance role, more than twice the day's usual rate: pods are missing their IRSA or Pod Identity credentials.",
        ),
        dict(
            alert="STSThrottling",
            expr=f'sum by (account, region) ({fresh(m("trailflow_sts_calls_total", q("outcome", "=", "throttled")), CT)}) > 5',
            for_="2m",
            severity="warning",
            summary="STS throttles calls in {{ $labels.account }}/{{ $labels.region }}",
            description="{{ $value }} STS calls were throttled in 15 minutes: credential refreshes fail and pods lose access.",
        ),
        dict(
            alert="STSGlobalEndpointUsed",
            expr=f'sum by (account, region) ({fresh(m("trailflow_sts_calls_total", q("endpoint", "=", "global")), CT)}) > 0',
            for_="0m",
            severity="info",
            summary="Calls to the global STS endpoint in {{ $labels.account }}/{{ $labels.region }}",
            description="{{ $value }} calls in 15 minutes went to sts.amazonaws.com instead of the regional endpoint: set AWS_STS_REGIONAL_ENDPOINTS=regional (IRSA's webhook does) or upgrade the SDK.",
        ),
    ],
    "trailflow-kms": [
        dict(
            alert="KMSCrossAccountThrottling",
            expr=f'sum by (key_arn, caller_account) ({fresh(m("trailflow_kms_decrypt_calls_total", q("cross_account", "=", "true"), q("outcome", "=", "throttled"), ONCE), CT)}) > 0',
            for_="2m",
            severity="warning",
            summary="Cross-account KMS Decrypt on {{ $labels.key_arn }} is throttled",
            description="Decrypt calls from account {{ $labels.caller_account }} on {{ $labels.key_arn }} hit ThrottlingException in the last 15 minutes.",
        ),
    ],
    "trailflow-controllers": [
        dict(
            alert="LBControllerPermissionErrors",
            expr=f'sum by (caller_role, event_name, account, region) ({fresh(m("trailflow_lb_controller_calls_total", q("outcome", "=", "access_denied")), CT)}) > 0',
            for_="0m",
            severity="warning",
            summary="The Load Balancer Controller may not call {{ $labels.event_name }}",
            description="{{ $labels.caller_role }} was denied {{ $labels.event_name }} in {{ $labels.account }}/{{ $labels.region }}: its IAM policy is older than the controller version.",
        ),
        dict(
            alert="ExternalDNSFailures",
            expr=f'sum by (caller_role, hosted_zone_id, error_code, account) ({fresh(m("trailflow_route53_changes_total", q("outcome", "=~", "error|access_denied|throttled")), CT)}) > 0',
            for_="5m",
            severity="warning",
            summary="ExternalDNS cannot change records in {{ $labels.hosted_zone_id }}",
            description="ChangeResourceRecordSets by {{ $labels.caller_role }} failed with {{ $labels.error_code }} in the last 15 minutes (PriorRequestNotComplete, a backlog, is left out).",
        ),
        dict(
            alert="AutoscalerFailures",
            expr=f'sum by (controller, caller_role, event_name, error_code, account, region) ({fresh(m("trailflow_autoscaling_actions_total", q("outcome", "!=", "success")), CT)}) > 0',
            for_="5m",
            severity="warning",
            summary="{{ $labels.controller }} failed {{ $labels.event_name }}",
            description="{{ $labels.caller_role }} got {{ $labels.error_code }} on {{ $labels.event_name }} in {{ $labels.account }}/{{ $labels.region }}: nodes are not added or removed as the cluster needs.",
        ),
    ],
    "trailflow-audit": [
        dict(
            alert="CloudTrailLoggingStopped",
            expr=f'sum by (account, region, event_name) ({fresh(m("trailflow_cloudtrail_trail_changes_total", q("event_name", "=~", "StopLogging|DeleteTrail"), q("outcome", "=", "success")), CT)}) > 0',
            for_="0m",
            severity="critical",
            summary="{{ $labels.event_name }} in {{ $labels.account }}/{{ $labels.region }}",
            description="A trail was stopped or deleted: audit logs may no longer be delivered.",
        ),
        dict(
            alert="CloudTrailStopAttempted",
            expr=f'sum by (account, region, event_name, outcome) ({fresh(m("trailflow_cloudtrail_trail_changes_total", q("event_name", "=~", "StopLogging|DeleteTrail"), q("outcome", "!=", "success")), CT)}) > 0',
            for_="0m",
            severity="warning",
            summary="Failed {{ $labels.event_name }} in {{ $labels.account }}/{{ $labels.region }}",
            description="Someone tried to stop or delete a trail and was refused ({{ $labels.outcome }}): the trail is intact, but find out who tried.",
        ),
        dict(
            alert="CloudTrailSelectorsChanged",
            expr=f'sum by (account, region, event_name) ({fresh(m("trailflow_cloudtrail_trail_changes_total", q("event_name", "=~", "PutEventSelectors|PutInsightSelectors"), q("outcome", "=", "success")), CT)}) > 0',
            for_="0m",
            severity="warning",
            summary="{{ $labels.event_name }} in {{ $labels.account }}/{{ $labels.region }}",
            description="A trail's event selectors changed: management or data events may no longer be logged.",
        ),
        dict(
            alert="CloudTrailDeliveryGap",
            expr="time() - max by (account, region) (max_over_time(trailflow_cloudtrail_last_event_time_seconds[1d])) > 3600",
            for_="15m",
            severity="warning",
            summary="No CloudTrail events from {{ $labels.account }}/{{ $labels.region }} for over an hour",
            description="The newest event any trailflow replica saw from {{ $labels.account }} in {{ $labels.region }} in the last day is {{ $value | humanizeDuration }} old.",
            comment="max_over_time over a day: after a restart, an account and region that has not delivered yet still reads the newest event time the previous incarnation exported.",
        ),
        dict(
            alert="CloudTrailFilesMissing",
            expr="max by (account, region) (trailflow_cloudtrail_digest_missing_files) > 0",
            for_="10m",
            severity="warning",
            summary="{{ $value }} CloudTrail log files of {{ $labels.account }}/{{ $labels.region }} were never counted",
            description="Digest files vouch for log files that trailflow has not counted, two hours (engine.digest_grace_secs) after the digest's end: the files were deleted, or their notifications never reached trailflow's queue.",
        ),
        dict(
            alert="SecurityGroupOpenedToWorld",
            expr=(
                'label_replace(sum by (account, event_name, target, direction, managed) ('
                + fresh(m("trailflow_risky_changes_total", q("event_name", "=~", "AuthorizeSecurityGroupIngress|ModifySecurityGroupRules"), q("managed", "!=", "lb_controller"), q("outcome", "=", "success")), CT)
                + ') > 0, "severity", "critical", "", "")\n'
                'or label_replace(sum by (account, event_name, target, direction, managed) ('
                + fresh(m("trailflow_risky_changes_total", q("event_name", "=", "AuthorizeSecurityGroupEgress"), q("outcome", "=", "success")), CT)
                + "\n  or "
                + fresh(m("trailflow_risky_changes_total", q("event_name", "=~", "AuthorizeSecurityGroupIngress|ModifySecurityGroupRules"), q("managed", "=", "lb_controller"), q("outcome", "=", "success")), CT)
                + ') > 0, "severity", "warning", "", "")'
            ),
            for_="0m",
            severity=None,
            summary="Security group {{ $labels.target }} opened to 0.0.0.0/0 or ::/0 ({{ $labels.direction }})",
            description="{{ $labels.event_name }} in account {{ $labels.account }} opened the group to the whole internet. Critical for ingress on a group nobody manages; a warning for egress and for groups the AWS Load Balancer Controller manages for internet-facing load balancers (managed={{ $labels.managed }}).",
            comment="The expression sets severity: critical for ingress (or a rule edit, whose direction CloudTrail does not say) on groups the Load Balancer Controller does not manage; warning for egress and for the controller's groups.",
        ),
        dict(
            alert="OIDCProviderChanged",
            expr=f'sum by (account, event_name, target) ({fresh(m("trailflow_risky_changes_total", q("event_name", "=~", "DeleteOpenIDConnectProvider|RemoveClientIDFromOpenIDConnectProvider"), q("outcome", "=", "success")), CT)}) > 0',
            for_="0m",
            severity="critical",
            summary="{{ $labels.event_name }} on {{ $labels.target }}",
            description="An IAM OIDC provider was deleted or lost a client id in account {{ $labels.account }}: IRSA for that cluster fails until it is restored.",
        ),
    ],
    "trailflow-network": [
        dict(
            alert="ControlPlaneRejects",
            expr=f'sum by (account, region, subnet, port, direction) ({fresh("trailflow_flow_control_plane_rejected_total", FLOW)}) > 20',
            for_="0m",
            severity="warning",
            summary="Flows on port {{ $labels.port }} rejected in {{ $labels.subnet }}",
            description="More than 20 rejected flows on control-plane port {{ $labels.port }} ({{ $labels.direction }}) in 20 minutes: a security group or NACL blocks the API server, the kubelet or a webhook.",
        ),
        dict(
            alert="RejectSpike",
            expr=(
                f'sum by (account, port, subnet_id) ({fresh(m("trailflow_flow_rejected_total", q("port", "=~", "443|10250")), FLOW)}) > 100\n'
                f'unless sum by (account, port, subnet_id) ({fresh(m("trailflow_flow_rejected_total", q("port", "=~", "443|10250")), FLOW)})\n'
                '  <= 3 * sum by (account, port, subnet_id) (increase(trailflow_flow_rejected_total{port=~"443|10250"}[3h] offset 20m)) / 9'
            ),
            comment="Without history (a subnet whose rejects are new) more than 100 counts as a spike.",
            for_="0m",
            severity="warning",
            summary="REJECT spike on port {{ $labels.port }} in {{ $labels.subnet_id }}",
            description="{{ $value }} rejected flows on {{ $labels.port }} in 20 minutes, three times the previous three hours' rate.",
        ),
        dict(
            alert="AWSEndpointRejects",
            expr=f'sum by (account, region, service, subnet_id) ({fresh("trailflow_flow_aws_endpoint_rejected_total", FLOW)}) > 10',
            for_="0m",
            severity="warning",
            summary="Flows to {{ $labels.service }} rejected in {{ $labels.subnet_id }}",
            description="{{ $value }} flows toward the {{ $labels.service }} endpoint were rejected in 20 minutes: a security group on the interface endpoint, or the nodes' egress rules, drop the traffic.",
        ),
        dict(
            alert="FlowLogRecordsSkipped",
            expr=f'sum by (account, region, interface_id) ({fresh("trailflow_flow_skipped_records_total", "30m")}) > 0',
            for_="0m",
            severity="warning",
            summary="Flow-log records of {{ $labels.interface_id }} were skipped",
            description="AWS wrote SKIPDATA for {{ $labels.interface_id }}: flows in that interval went unrecorded, so rejects there are invisible. NODATA (an idle interface) does not fire this.",
        ),
    ],
    "trailflow-kubernetes": [
        dict(
            alert="KubernetesAdminAccessGranted",
            expr=f'sum by (cluster, user, change, account) ({fresh(m("trailflow_k8s_access_changes_total", q("change", "=~", "cluster_admin_binding|system_masters_binding"), q("outcome", "=", "success")), CT)}) > 0',
            for_="0m",
            severity="critical",
            summary="{{ $labels.user }} granted cluster-admin in {{ $labels.cluster }}",
            description="{{ $labels.user }} created or changed a binding ({{ $labels.change }}) that gives full control of cluster {{ $labels.cluster }}.",
        ),
        dict(
            alert="AwsAuthConfigMapChanged",
            expr=f'sum by (cluster, user, verb, account) ({fresh(m("trailflow_k8s_access_changes_total", q("change", "=", "aws_auth"), q("outcome", "=", "success")), CT)}) > 0',
            for_="0m",
            severity="warning",
            summary="aws-auth in {{ $labels.cluster }} changed by {{ $labels.user }}",
            description="{{ $labels.user }} ran {{ $labels.verb }} on kube-system/aws-auth: the mapping of IAM roles to Kubernetes users and groups changed (a wrong edit locks nodes or people out).",
        ),
        dict(
            alert="EvictionsBlockedByPDB",
            expr=f'sum by (cluster, namespace) ({fresh("trailflow_k8s_evictions_blocked_total", CT)}) > 10',
            for_="10m",
            severity="warning",
            summary="Drains blocked by PodDisruptionBudgets in {{ $labels.cluster }}/{{ $labels.namespace }}",
            description="{{ $value }} evictions were refused with 429 in 15 minutes, for 10 minutes: a node drain (upgrade, Karpenter, cluster autoscaler) is stuck on the namespace's PodDisruptionBudget.",
        ),
        dict(
            alert="NamespaceWithoutPodSecurity",
            expr=f'sum by (cluster, namespace) ({fresh(m("trailflow_k8s_pod_security_total", q("finding", "=", "unlabelled")), "1h")}) > 0',
            for_="0m",
            severity="info",
            summary="Namespace {{ $labels.namespace }} in {{ $labels.cluster }} has no Pod Security level",
            description="The namespace was created or replaced without pod-security.kubernetes.io/enforce: its pods are admitted under the cluster default.",
        ),
        dict(
            alert="KubernetesAPISlow",
            expr='histogram_quantile(0.99, sum by (cluster, le) (rate(trailflow_k8s_request_duration_seconds_bucket{verb=~"create|update|patch|delete"}[15m]))) > 5',
            for_="5m",
            severity="warning",
            summary="Mutating API requests in {{ $labels.cluster }} take {{ $value | humanize }} s (p99)",
            description="The 99th percentile of create, update, patch and delete requests over 15 minutes is above 5 seconds: an admission webhook is slow or timing out.",
        ),
        dict(
            alert="KubernetesAuthFailures",
            expr=f'sum by (cluster) ({fresh(m("trailflow_k8s_auth_failures_total", q("kind", "=", "unauthenticated")), CT)}) > 20',
            for_="0m",
            severity="warning",
            summary="{{ $value }} requests to {{ $labels.cluster }} failed to authenticate",
            description="More than 20 requests got 401 in 15 minutes: expired or foreign tokens, or an IAM principal without an access entry or aws-auth mapping.",
        ),
    ],
    "trailflow-load-balancers": [
        dict(
            alert="LoadBalancer5xx",
            expr=f'sum by (elb, class, account, region) ({fresh(m("trailflow_elb_server_errors_total", q("origin", "=", "elb")), CT)}) > 10',
            for_="0m",
            severity="warning",
            summary="{{ $labels.elb }} answered {{ $value }} 5xx itself ({{ $labels.class }})",
            description="The load balancer generated more than 10 5xx in 15 minutes because targets gave no response: timeout (504, the idle timeout), reset (502) or unavailable (503, no healthy target).",
        ),
        dict(
            alert="TargetResponseSlow",
            expr='histogram_quantile(0.9, sum by (elb, target_group_arn, le) (rate(trailflow_elb_target_response_time_seconds_bucket[15m]))) > 2',
            for_="10m",
            severity="warning",
            summary="Targets of {{ $labels.target_group_arn }} answer in {{ $value | humanize }} s (p90)",
            description="The 90th percentile of target response time over 15 minutes is above 2 seconds.",
        ),
        dict(
            alert="WAFBlockSurge",
            expr=f'sum by (web_acl, host, account) ({fresh(m("trailflow_waf_requests_total", q("action", "=", "BLOCK")), CT)}) > 100',
            for_="0m",
            severity="info",
            summary="{{ $labels.web_acl }} blocked {{ $value }} requests to {{ $labels.host }}",
            description="More than 100 requests were blocked in 15 minutes: an attack, or a rule that blocks real users (compare with the application's 4xx on the Load balancers dashboard).",
        ),
    ],
    "trailflow-pipeline": [
        dict(
            alert="TrailflowDown",
            expr=f'absent_over_time(trailflow_export_last_success_time_seconds[15m])\nor max by (job, instance) (up{{job="{SCRAPE_JOB}"}}) == 0',
            for_="5m",
            severity="critical",
            summary="trailflow exports nothing",
            description="No trailflow replica has exported metrics for 15 minutes (or Prometheus cannot scrape it): every panel and alert of trailflow is blind.",
        ),
        dict(
            alert="TrailflowExportFailing",
            expr="time() - max(max_over_time(trailflow_export_last_success_time_seconds[1h])) > 600",
            for_="0m",
            severity="critical",
            summary="trailflow has not exported for {{ $value | humanizeDuration }}",
            description="No replica exported successfully for over 10 minutes: no message is deleted and the queue grows until the collector is back.",
            comment="The failure counter reaches an OTLP collector only with the next success; the time of the last success does not need one.",
        ),
        dict(
            alert="TrailflowQueueLagHigh",
            expr="histogram_quantile(0.9, sum by (le) (rate(trailflow_sqs_lag_seconds_bucket[15m]))) > 300",
            for_="10m",
            severity="warning",
            summary="trailflow receives notifications more than 5 minutes late",
            description="90% of notifications waited up to {{ $value | humanizeDuration }} in SQS: add replicas or raise receivers.",
        ),
        dict(
            alert="TrailflowBacklog",
            expr='max by (queue) (trailflow_sqs_queue_messages{state="visible"}) > 1000',
            for_="15m",
            severity="warning",
            summary="{{ $value }} notifications wait in {{ $labels.queue }}",
            description="The queue's backlog, as the replicas read it (max, not sum: every replica reads the same queue).",
        ),
        dict(
            alert="TrailflowDeadLetters",
            expr="max by (queue) (trailflow_sqs_dlq_messages) > 0",
            for_="5m",
            severity="warning",
            summary="{{ $value }} notifications in the dead-letter queue {{ $labels.queue }}",
            description="trailflow gave up on these objects (unreadable, undecodable or unrecognized notifications); their records are not counted.",
        ),
        dict(
            alert="TrailflowRecordErrors",
            expr=f'sum by (kind) ({fresh("trailflow_pipeline_record_errors_total", CT)}) > 0',
            for_="0m",
            severity="info",
            summary="{{ $labels.kind }} records could not be decoded",
            description="Records of some objects were skipped (the rest of each object was counted); the log names the objects.",
        ),
        dict(
            alert="TrailflowSeriesOverflow",
            expr=f'sum by (metric, label) ({fresh("trailflow_series_overflow_total", "1h")}) > 0',
            for_="0m",
            severity="info",
            summary="{{ $labels.metric }} reached its series limit",
            description="Past engine.series_limit, {{ $labels.label }} of {{ $labels.metric }} is folded to other (* : whole label sets went to the overflow series); outcomes and reasons keep their values.",
        ),
    ],
}

HEADER = """# trailflow alert rules (Prometheus rule format; Grafana and Alertmanager load them as is).
# GENERATED by dashboards/alerts/generate.py: edit that file and run it. Metric names are the
# Prometheus names of docs/metrics.md; runbook_url points at a section of docs/alerts.md under
# {base} (--runbook-base to change it). Checked by `promtool check rules` and unit-tested by
# `promtool test rules dashboards/alerts/trailflow.rules.test.yml` (cargo test --test dashboards).
#
# Counting rules read `(x unless x offset W) or increase(x[W])`: a label set seen for the first
# time arrives with its count already in it, which increase() alone reads as 0. W is 15 minutes
# or more (CloudTrail delivers every ~5 minutes, flow logs every 10), and `for` is shorter than
# the gap between files, so one file's burst fires and a quiet file cannot reset a pending alert.
# Counters are summed across replicas, gauges take max; cross-account calls count once
# (copy!="duplicate").
"""


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(base):
    out = [HEADER.format(base=base), "groups:\n"]
    for group, rules in RULES.items():
        out.append(f"  - name: {group}\n    rules:\n")
        for r in rules:
            if r.get("comment"):
                out.append(f"      # {r['comment']}\n")
            out.append(f"      - alert: {r['alert']}\n")
            expr = r["expr"]
            if "\n" in expr:
                out.append("        expr: |\n")
                out.extend(f"          {line}\n" for line in expr.split("\n"))
            else:
                out.append(f"        expr: {quote(expr) if expr.startswith(('{', '(')) else expr}\n")
            if r["for_"] != "0m":
                out.append(f"        for: {r['for_']}\n")
            if r["severity"]:
                out.append(f"        labels:\n          severity: {r['severity']}\n")
            out.append("        annotations:\n")
            out.append(f"          summary: {quote(r['summary'])}\n")
            out.append(f"          description: {quote(r['description'])}\n")
            out.append(f"          runbook_url: {quote(base + '#' + r['alert'].lower())}\n")
    return "".join(out)


def render_template(text, labels, value):
    """The annotation `text` as Prometheus renders it for an alert with `labels` and `$value`
    already rendered as `value` (the tests only use `{{ $labels.x }}` and `{{ $value ... }}`)."""
    out = re.sub(r"\{\{ \$labels\.([a-z_]+) \}\}", lambda m: labels.get(m[1], ""), text)
    if "$value" in out:
        if value is None:
            raise SystemExit(f"a test case must give $value for: {text}")
        out = re.sub(r"\{\{ \$value( \| [a-zA-Z]+)? \}\}", value, out)
    return out


def render_tests():
    """trailflow.rules.test.yml from cases.py."""
    import cases

    rules = {r["alert"]: r for group in RULES.values() for r in group}
    out = [
        "# Unit tests of trailflow.rules.yml: `promtool test rules trailflow.rules.test.yml`.\n",
        "# GENERATED from dashboards/alerts/cases.py by generate.py: edit the cases there.\n",
        "rule_files:\n  - trailflow.rules.yml\nevaluation_interval: 1m\ntests:\n",
    ]
    tested = set()
    for name, series, checks in cases.CASES:
        out.append(f"  - name: {quote(name)}\n    interval: 1m\n    input_series:\n")
        for selector, values in series:
            out.append(f"      - series: '{selector}'\n        values: '{values}'\n")
        out.append("    alert_rule_test:\n")
        for alert, at, want, value in checks:
            rule = rules[alert]
            tested.add((alert, bool(want)))
            out.append(f"      - eval_time: {at}m\n        alertname: {alert}\n")
            if not want:
                out.append("        exp_alerts: []\n")
                continue
            out.append("        exp_alerts:\n")
            for labels in want:
                labels = dict(labels)
                if rule["severity"]:
                    labels["severity"] = rule["severity"]
                out.append("          - exp_labels:\n")
                for k, v in sorted(labels.items()):
                    out.append(f"              {k}: {quote(v)}\n")
                out.append("            exp_annotations:\n")
                for key in ("summary", "description"):
                    out.append(f"              {key}: {quote(render_template(rule[key], labels, value))}\n")
                out.append(f"              runbook_url: {quote(DEFAULT_BASE + '#' + alert.lower())}\n")
    missing = [f"{a} ({'fires' if f else 'stays quiet'})" for a in rules for f in (True, False) if (a, f) not in tested]
    if missing:
        raise SystemExit("cases.py lacks: " + ", ".join(missing))
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runbook-base", default=DEFAULT_BASE, help="absolute URL of docs/alerts.md as the deployment hosts it")
    parser.add_argument("--output", default=str(HERE / "trailflow.rules.yml"))
    parser.add_argument("--check", action="store_true", help="fail when the output file is stale")
    args = parser.parse_args()
    if not args.runbook_base.startswith(("https://", "http://")):
        sys.exit("--runbook-base must be an absolute http(s) URL")
    outputs = {pathlib.Path(args.output): render(args.runbook_base)}
    # The tests run against the rules with the default links.
    outputs[HERE / "trailflow.rules.test.yml"] = render_tests()
    if args.runbook_base != DEFAULT_BASE and pathlib.Path(args.output) == HERE / "trailflow.rules.yml":
        sys.exit("write rules with another --runbook-base to another --output: the repository's copy keeps the default")
    for path, text in outputs.items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                sys.exit(f"{path} is stale: run python3 dashboards/alerts/generate.py")
        else:
            path.write_text(text)


if __name__ == "__main__":
    main()
