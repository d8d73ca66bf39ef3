"""The `promtool test rules` cases of trailflow's alerts, written to trailflow.rules.test.yml by
generate.py. Every rule has a case where it fires and one where it stays quiet. Input series are
shaped like a real deployment's: counters appear with their first file (absent before it) and
step when a file lands, every ~5 minutes for CloudTrail and every 10 for flow logs; several
replicas export the same names with their own `instance`. What a case expects (when, which label
sets) is written here by hand; only the annotation text is rendered from the rule's templates.
"""

ACCT = "111122223333"
OTHER = "444455556666"
R = "eu-west-1"


def run(*parts):
    """promtool values from (value, minutes) runs: value None is an absent sample."""
    out = []
    for value, minutes in parts:
        if minutes <= 0:
            continue
        if value is None:
            # promtool's `_xN` is N blanks, while `VxN` is N+1 values.
            out.append("_" if minutes == 1 else f"_x{minutes}")
        else:
            out.append(str(value) if minutes == 1 else f"{value}x{minutes - 1}")
    return " ".join(out)


def files(at, per_file, every, count, total=120):
    """A counter absent until `at`, then stepping by `per_file` every `every` minutes, `count`
    files, flat after the last, `total` minutes in all."""
    parts = [(None, at)]
    value = 0
    for i in range(count):
        value += per_file
        last = i == count - 1
        parts.append((value, total - at - every * i if last else every))
    return run(*parts)


def burst(at, value, total=120):
    """One file's worth: a counter absent until minute `at`, then `value` (flat)."""
    return run((None, at), (value, total - at))


def labels(**kv):
    return "{" + ",".join(f'{k}="{v}"' for k, v in kv.items()) + "}"


def s(name, values, **kv):
    return (name + labels(**kv), values)


def fire(alert, at, want, value=None):
    """At minute `at`, `alert` fires exactly for the label sets `want` (a list of dicts);
    `value` is the rendered $value of the annotations, where they use it."""
    return (alert, at, want, value)


def quiet(alert, at):
    return (alert, at, [], None)


ROLE = f"arn:aws:iam::{ACCT}:role/app"
PROVIDER = "oidc.eks.eu-west-1.amazonaws.com/id/5A1B2C3D4E5F60718293A4B5C6D7E8F9"
KEY = f"arn:aws:kms:{R}:{OTHER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NODE = f"arn:aws:iam::{ACCT}:role/prod-eks-node-group-NodeInstanceRole-1"
LBC = f"arn:aws:iam::{ACCT}:role/aws-load-balancer-controller"
DNS = f"arn:aws:iam::{ACCT}:role/external-dns"
KARPENTER = f"arn:aws:iam::{ACCT}:role/KarpenterControllerRole-prod"

CASES = [
    (
        "IRSA audience mismatch: one file's burst fires within minutes and clears after the window; expired tokens do not",
        [
            s("trailflow_irsa_token_rejections_total", burst(10, 3), role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod", reason="audience_mismatch", instance="a"),
            s("trailflow_irsa_token_rejections_total", burst(10, 3), role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod", reason="expired", instance="a"),
        ],
        [
            quiet("IRSAAudienceMismatch", 11),
            fire("IRSAAudienceMismatch", 13, [dict(role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod")]),
            fire("IRSAAudienceMismatch", 24, [dict(role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod")]),
            quiet("IRSAAudienceMismatch", 27),
            quiet("IRSAProviderNotFound", 13),
        ],
    ),
    (
        "IRSA audience mismatch: a steady problem in files 7 minutes apart stays firing",
        [
            s("trailflow_irsa_token_rejections_total", files(10, 1, 7, 6), role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod", reason="audience_mismatch", instance="a"),
        ],
        [
            fire("IRSAAudienceMismatch", 12, [dict(role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod")]),
            fire("IRSAAudienceMismatch", 40, [dict(role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod")]),
            fire("IRSAAudienceMismatch", 59, [dict(role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod")]),
            quiet("IRSAAudienceMismatch", 61),
        ],
    ),
    (
        "IRSA provider not found fires at once",
        [
            s("trailflow_irsa_token_rejections_total", burst(5, 1), role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod", reason="provider_not_found", instance="a"),
        ],
        [
            fire("IRSAProviderNotFound", 5, [dict(role_arn=ROLE, oidc_provider=PROVIDER, cluster="prod")]),
            quiet("IRSAProviderNotFound", 21),
            quiet("IRSAAudienceMismatch", 6),
        ],
    ),
    (
        "AssumeRole failure ratio above 20% for one role; the owner's duplicate copies do not count",
        [
            s("trailflow_sts_assume_role_calls_total", files(0, 3, 5, 20), role_arn=ROLE, api="AssumeRoleWithWebIdentity", outcome="access_denied", error_code="AccessDenied", account=ACCT, copy="same", instance="a"),
            s("trailflow_sts_assume_role_calls_total", files(0, 7, 5, 20), role_arn=ROLE, api="AssumeRoleWithWebIdentity", outcome="success", account=ACCT, copy="same", instance="a"),
            s("trailflow_sts_assume_role_calls_total", files(0, 1, 5, 20), role_arn=f"arn:aws:iam::{ACCT}:role/fine", api="AssumeRole", outcome="access_denied", error_code="AccessDenied", account=OTHER, copy="caller", instance="a"),
            s("trailflow_sts_assume_role_calls_total", files(0, 99, 5, 20), role_arn=f"arn:aws:iam::{ACCT}:role/fine", api="AssumeRole", outcome="success", account=OTHER, copy="caller", instance="a"),
            s("trailflow_sts_assume_role_calls_total", files(0, 30, 5, 20), role_arn=f"arn:aws:iam::{ACCT}:role/fine", api="AssumeRole", outcome="access_denied", error_code="AccessDenied", account=ACCT, copy="duplicate", instance="a"),
        ],
        [
            quiet("AssumeRoleFailureRatioHigh", 3),
            fire("AssumeRoleFailureRatioHigh", 30, [dict(role_arn=ROLE)], "30%"),
        ],
    ),
    (
        "Permissions-boundary denies alert for CI roles, with a path or assumed, not for others",
        [
            s("trailflow_access_denied_total", burst(5, 1), principal_arn=f"arn:aws:iam::{ACCT}:role/service-role/github-actions-deploy", event_source="iam.amazonaws.com", event_name="CreateRole", cause="permissions_boundary", account=ACCT, copy="same", instance="a"),
            s("trailflow_access_denied_total", burst(5, 2), principal_arn=f"arn:aws:sts::{ACCT}:assumed-role/ci-runner/run-42", event_source="s3.amazonaws.com", event_name="PutObject", cause="permissions_boundary", account=ACCT, copy="same", instance="b"),
            s("trailflow_access_denied_total", burst(5, 4), principal_arn=f"arn:aws:sts::{ACCT}:assumed-role/app/botocore-session-1", event_source="iam.amazonaws.com", event_name="CreateRole", cause="permissions_boundary", account=ACCT, copy="same", instance="a"),
            s("trailflow_access_denied_total", burst(5, 4), principal_arn=f"arn:aws:iam::{ACCT}:role/circus", event_source="iam.amazonaws.com", event_name="CreateRole", cause="permissions_boundary", account=ACCT, copy="same", instance="a"),
            s("trailflow_access_denied_total", burst(5, 4), principal_arn=f"arn:aws:sts::{ACCT}:assumed-role/ci-runner/run-43", event_source="s3.amazonaws.com", event_name="GetObject", cause="identity_policy", account=ACCT, copy="same", instance="a"),
        ],
        [
            fire("PermissionBoundaryDeniesCI", 6, [
                dict(principal_arn=f"arn:aws:iam::{ACCT}:role/service-role/github-actions-deploy", event_name="CreateRole", account=ACCT),
                dict(principal_arn=f"arn:aws:sts::{ACCT}:assumed-role/ci-runner/run-42", event_name="PutObject", account=ACCT),
            ]),
            quiet("PermissionBoundaryDeniesCI", 21),
        ],
    ),
    (
        "Break-glass assumptions fire at once; failed ones do not",
        [
            s("trailflow_break_glass_assumptions_total", burst(5, 1), role_arn=f"arn:aws:iam::{ACCT}:role/break-glass-admin", mfa="false", outcome="success", account=ACCT, region=R, instance="a"),
            s("trailflow_break_glass_assumptions_total", burst(5, 1), role_arn=f"arn:aws:iam::{ACCT}:role/break-glass-ro", mfa="true", outcome="access_denied", account=ACCT, region=R, instance="a"),
        ],
        [
            fire("BreakGlassRoleAssumed", 5, [dict(role_arn=f"arn:aws:iam::{ACCT}:role/break-glass-admin", mfa="false", account=ACCT)]),
            quiet("BreakGlassRoleAssumed", 21),
        ],
    ),
    (
        "Node-role fallback above the day's baseline fires; a node role that always does this does not",
        [
            s("trailflow_node_role_workload_calls_total", "0+1x1499 1500+10x40", node_role_arn=NODE, event_source="sqs.amazonaws.com", event_name="ReceiveMessage", account=ACCT, region=R, instance="a"),
            s("trailflow_node_role_workload_calls_total", "0+3x1540", node_role_arn=f"arn:aws:iam::{ACCT}:role/legacy-nodes", event_source="s3.amazonaws.com", event_name="GetObject", account=ACCT, region=R, instance="a"),
        ],
        [
            quiet("NodeRoleFallbackAboveBaseline", 1490),
            fire("NodeRoleFallbackAboveBaseline", 1525, [dict(node_role_arn=NODE, account=ACCT)], "150"),
        ],
    ),
    (
        "A node role that never fell back before has no baseline: above 20 calls it fires",
        [
            s("trailflow_node_role_workload_calls_total", burst(5, 30), node_role_arn=NODE, event_source="secretsmanager.amazonaws.com", event_name="GetSecretValue", account=ACCT, region=R, instance="a"),
            s("trailflow_node_role_workload_calls_total", burst(5, 12), node_role_arn=f"arn:aws:iam::{ACCT}:role/other-nodes", event_source="sqs.amazonaws.com", event_name="ReceiveMessage", account=ACCT, region=R, instance="a"),
        ],
        [
            quiet("NodeRoleFallbackAboveBaseline", 8),
            fire("NodeRoleFallbackAboveBaseline", 11, [dict(node_role_arn=NODE, account=ACCT)], "30"),
        ],
    ),
    (
        "STS throttling above 5 calls in 15 minutes, and global endpoint use",
        [
            s("trailflow_sts_calls_total", burst(5, 8), region=R, endpoint="regional", outcome="throttled", error_code="Throttling", account=ACCT, instance="a"),
            s("trailflow_sts_calls_total", burst(5, 3), region="us-east-1", endpoint="regional", outcome="throttled", error_code="Throttling", account=ACCT, instance="a"),
            s("trailflow_sts_calls_total", burst(5, 40), region="us-east-1", endpoint="global", outcome="success", account=ACCT, instance="a"),
            s("trailflow_sts_calls_total", burst(5, 400), region=R, endpoint="regional", outcome="success", account=ACCT, instance="a"),
        ],
        [
            quiet("STSThrottling", 6),
            fire("STSThrottling", 7, [dict(account=ACCT, region=R)], "8"),
            fire("STSGlobalEndpointUsed", 6, [dict(account=ACCT, region="us-east-1")], "40"),
            quiet("STSGlobalEndpointUsed", 21),
        ],
    ),
    (
        "KMS cross-account throttling: files 7 minutes apart keep it firing; duplicates and same-account throttles do not",
        [
            s("trailflow_kms_decrypt_calls_total", files(10, 2, 7, 4), key_arn=KEY, caller_account=ACCT, key_account=OTHER, cross_account="true", outcome="throttled", error_code="ThrottlingException", copy="caller", instance="a"),
            s("trailflow_kms_decrypt_calls_total", files(10, 50, 7, 4), key_arn=KEY, caller_account=ACCT, key_account=OTHER, cross_account="true", outcome="throttled", error_code="ThrottlingException", copy="duplicate", instance="b"),
            s("trailflow_kms_decrypt_calls_total", files(10, 5, 7, 4), key_arn=f"arn:aws:kms:{R}:{ACCT}:key/own", caller_account=ACCT, key_account=ACCT, cross_account="false", outcome="throttled", error_code="ThrottlingException", copy="same", instance="a"),
        ],
        [
            quiet("KMSCrossAccountThrottling", 11),
            fire("KMSCrossAccountThrottling", 12, [dict(key_arn=KEY, caller_account=ACCT)]),
            fire("KMSCrossAccountThrottling", 35, [dict(key_arn=KEY, caller_account=ACCT)]),
            quiet("KMSCrossAccountThrottling", 47),
        ],
    ),
    (
        "Load Balancer Controller denied: fires; throttled calls do not",
        [
            s("trailflow_lb_controller_calls_total", burst(5, 2), caller_role=LBC, event_name="CreateSecurityGroup", outcome="access_denied", error_code="Client.UnauthorizedOperation", account=ACCT, region=R, instance="a"),
            s("trailflow_lb_controller_calls_total", burst(5, 9), caller_role=LBC, event_name="DescribeTargetHealth", outcome="throttled", error_code="Throttling", account=ACCT, region=R, instance="a"),
        ],
        [
            fire("LBControllerPermissionErrors", 5, [dict(caller_role=LBC, event_name="CreateSecurityGroup", account=ACCT, region=R)]),
            quiet("LBControllerPermissionErrors", 21),
        ],
    ),
    (
        "ExternalDNS failures fire after 5 minutes; a change backlog does not",
        [
            s("trailflow_route53_changes_total", burst(5, 2), hosted_zone_id="Z1", caller_role=DNS, outcome="access_denied", error_code="AccessDenied", account=ACCT, region="us-east-1", instance="a"),
            s("trailflow_route53_changes_total", burst(5, 9), hosted_zone_id="Z2", caller_role=DNS, outcome="backlog", error_code="PriorRequestNotComplete", account=ACCT, region="us-east-1", instance="a"),
        ],
        [
            quiet("ExternalDNSFailures", 8),
            fire("ExternalDNSFailures", 11, [dict(caller_role=DNS, hosted_zone_id="Z1", error_code="AccessDenied", account=ACCT)]),
        ],
    ),
    (
        "Karpenter failing to create fleets fires; successes do not",
        [
            s("trailflow_autoscaling_actions_total", files(5, 2, 5, 3), asg_name="", caller_role=KARPENTER, controller="karpenter", event_name="CreateFleet", outcome="throttled", error_code="Client.RequestLimitExceeded", account=ACCT, region=R, instance="a"),
            s("trailflow_autoscaling_actions_total", files(5, 20, 5, 3), caller_role=KARPENTER, controller="karpenter", event_name="CreateFleet", outcome="success", account=ACCT, region=R, instance="a"),
        ],
        [
            quiet("AutoscalerFailures", 8),
            fire("AutoscalerFailures", 11, [dict(controller="karpenter", caller_role=KARPENTER, event_name="CreateFleet", error_code="Client.RequestLimitExceeded", account=ACCT, region=R)]),
        ],
    ),
    (
        "Trail changes: a stopped trail is critical, a refused attempt and new selectors are warnings, UpdateTrail is neither",
        [
            s("trailflow_cloudtrail_trail_changes_total", burst(5, 1), account=ACCT, region=R, event_name="StopLogging", outcome="success", instance="a"),
            s("trailflow_cloudtrail_trail_changes_total", burst(5, 1), account=OTHER, region=R, event_name="DeleteTrail", outcome="access_denied", instance="a"),
            s("trailflow_cloudtrail_trail_changes_total", burst(5, 1), account=ACCT, region=R, event_name="PutEventSelectors", outcome="success", instance="a"),
            s("trailflow_cloudtrail_trail_changes_total", burst(5, 1), account=ACCT, region=R, event_name="UpdateTrail", outcome="success", instance="a"),
        ],
        [
            fire("CloudTrailLoggingStopped", 5, [dict(account=ACCT, region=R, event_name="StopLogging")]),
            fire("CloudTrailStopAttempted", 5, [dict(account=OTHER, region=R, event_name="DeleteTrail", outcome="access_denied")]),
            fire("CloudTrailSelectorsChanged", 5, [dict(account=ACCT, region=R, event_name="PutEventSelectors")]),
            quiet("CloudTrailLoggingStopped", 21),
            quiet("CloudTrailStopAttempted", 21),
            quiet("CloudTrailSelectorsChanged", 21),
        ],
    ),
    (
        "Delivery gap: a lagging replica does not page while the other sees fresh events",
        [
            # Replica a stopped reading this account at minute 0; replica b reads an event file every 5 minutes.
            s("trailflow_cloudtrail_last_event_time_seconds", "-600x200", account=ACCT, region=R, instance="a"),
            s("trailflow_cloudtrail_last_event_time_seconds", "-300+60x200", account=ACCT, region=R, instance="b"),
        ],
        [
            quiet("CloudTrailDeliveryGap", 150),
        ],
    ),
    (
        "Delivery gap after a restart: the account never delivers again, and the new incarnation has no series for it",
        [
            s("trailflow_cloudtrail_last_event_time_seconds", run(("-300+60x59", 1)) + " " + run((None, 140)), account=ACCT, region=R, instance="a"),
            s("trailflow_cloudtrail_last_event_time_seconds", run((None, 60), ("3300+60x139", 1)), account=OTHER, region=R, instance="a2"),
        ],
        [
            quiet("CloudTrailDeliveryGap", 120),
            fire("CloudTrailDeliveryGap", 132, [dict(account=ACCT, region=R)], "1h 18m 0s"),
        ],
    ),
    (
        "Files missing from a digest: the replica that judged it pages, the others read 0",
        [
            s("trailflow_cloudtrail_digest_missing_files", "0x4 2x60", account=ACCT, region=R, instance="a"),
            s("trailflow_cloudtrail_digest_missing_files", "0x64", account=ACCT, region=R, instance="b"),
            s("trailflow_cloudtrail_digest_missing_files", "0x64", account=OTHER, region=R, instance="b"),
        ],
        [
            quiet("CloudTrailFilesMissing", 10),
            fire("CloudTrailFilesMissing", 20, [dict(account=ACCT, region=R)], "2"),
        ],
    ),
    (
        "An operator opens SSH to the world: critical; the LB controller's internet-facing group and an egress rule: warnings",
        [
            s("trailflow_risky_changes_total", burst(5, 1), account=ACCT, event_name="AuthorizeSecurityGroupIngress", target="sg-ops", direction="ingress", managed="none", outcome="success", instance="a"),
            s("trailflow_risky_changes_total", burst(5, 1), account=ACCT, event_name="AuthorizeSecurityGroupIngress", target="sg-k8s-elb", direction="ingress", managed="lb_controller", outcome="success", instance="b"),
            s("trailflow_risky_changes_total", burst(5, 1), account=ACCT, event_name="AuthorizeSecurityGroupEgress", target="sg-app", direction="egress", managed="none", outcome="success", instance="a"),
            s("trailflow_risky_changes_total", burst(5, 1), account=ACCT, event_name="AuthorizeSecurityGroupIngress", target="sg-denied", direction="ingress", managed="none", outcome="access_denied", instance="a"),
            s("trailflow_risky_changes_total", burst(5, 1), account=ACCT, event_name="RevokeSecurityGroupEgress", target="sg-app", direction="egress", managed="none", outcome="success", instance="a"),
        ],
        [
            fire("SecurityGroupOpenedToWorld", 6, [
                dict(severity="critical", account=ACCT, event_name="AuthorizeSecurityGroupIngress", target="sg-ops", direction="ingress", managed="none"),
                dict(severity="warning", account=ACCT, event_name="AuthorizeSecurityGroupIngress", target="sg-k8s-elb", direction="ingress", managed="lb_controller"),
                dict(severity="warning", account=ACCT, event_name="AuthorizeSecurityGroupEgress", target="sg-app", direction="egress", managed="none"),
            ]),
            quiet("SecurityGroupOpenedToWorld", 21),
        ],
    ),
    (
        "An OIDC provider deleted or narrowed fires; a trust-policy update does not",
        [
            s("trailflow_risky_changes_total", burst(5, 1), account=ACCT, event_name="RemoveClientIDFromOpenIDConnectProvider", target=PROVIDER, managed="none", outcome="success", instance="a"),
            s("trailflow_risky_changes_total", burst(5, 1), account=ACCT, event_name="UpdateAssumeRolePolicy", target="app", managed="none", outcome="success", instance="a"),
        ],
        [
            fire("OIDCProviderChanged", 5, [dict(account=ACCT, event_name="RemoveClientIDFromOpenIDConnectProvider", target=PROVIDER)]),
            quiet("OIDCProviderChanged", 21),
        ],
    ),
    (
        "Control-plane rejects in flow-log files every 10 minutes: two files past 20 fire; a trickle does not",
        [
            s("trailflow_flow_control_plane_rejected_total", files(10, 15, 10, 3), subnet="nodes-eu-west-1a", port="10250", direction="control_plane_to_node", account=ACCT, region=R, instance="a"),
            s("trailflow_flow_control_plane_rejected_total", files(10, 5, 10, 6), subnet="nodes-eu-west-1b", port="443", direction="node_to_control_plane", account=ACCT, region=R, instance="a"),
        ],
        [
            quiet("ControlPlaneRejects", 15),
            fire("ControlPlaneRejects", 20, [dict(subnet="nodes-eu-west-1a", port="10250", direction="control_plane_to_node", account=ACCT, region=R)]),
            fire("ControlPlaneRejects", 29, [dict(subnet="nodes-eu-west-1a", port="10250", direction="control_plane_to_node", account=ACCT, region=R)]),
            quiet("ControlPlaneRejects", 51),
        ],
    ),
    (
        "A REJECT spike against three hours of history fires; a steady high rate does not",
        [
            s("trailflow_flow_rejected_total", files(0, 10, 10, 20, 240), interface_id="other", vpc_id="vpc-1", subnet_id="subnet-a", az_id="euw1-az1", direction="ingress", port="443", protocol="6", account=ACCT, region=R, instance="a"),
            s("trailflow_flow_rejected_total", burst(200, 200, 240), interface_id="eni-1", vpc_id="vpc-1", subnet_id="subnet-a", az_id="euw1-az1", direction="ingress", port="443", protocol="6", account=ACCT, region=R, instance="a"),
            s("trailflow_flow_rejected_total", files(0, 60, 10, 24, 240), interface_id="eni-2", vpc_id="vpc-1", subnet_id="subnet-b", az_id="euw1-az2", direction="ingress", port="443", protocol="6", account=ACCT, region=R, instance="a"),
        ],
        [
            quiet("RejectSpike", 195),
            fire("RejectSpike", 201, [dict(account=ACCT, port="443", subnet_id="subnet-a")], "210"),
        ],
    ),
    (
        "Rejects in a subnet without history: more than 100 is a spike",
        [
            s("trailflow_flow_rejected_total", burst(10, 150), interface_id="eni-9", vpc_id="vpc-1", subnet_id="subnet-new", az_id="euw1-az3", direction="ingress", port="10250", protocol="6", account=ACCT, region=R, instance="a"),
            s("trailflow_flow_rejected_total", burst(10, 500), interface_id="eni-9", vpc_id="vpc-1", subnet_id="subnet-new", az_id="euw1-az3", direction="ingress", port="other", protocol="6", account=ACCT, region=R, instance="a"),
        ],
        [
            fire("RejectSpike", 10, [dict(account=ACCT, port="10250", subnet_id="subnet-new")], "150"),
            quiet("RejectSpike", 31),
        ],
    ),
    (
        "Rejects toward an AWS service endpoint fire above 10 per 20 minutes",
        [
            s("trailflow_flow_aws_endpoint_rejected_total", burst(10, 15), service="s3", subnet_id="subnet-a", account=ACCT, region=R, instance="a"),
            s("trailflow_flow_aws_endpoint_rejected_total", burst(10, 4), service="sts", subnet_id="subnet-a", account=ACCT, region=R, instance="a"),
        ],
        [
            fire("AWSEndpointRejects", 11, [dict(account=ACCT, region=R, service="s3", subnet_id="subnet-a")], "15"),
            quiet("AWSEndpointRejects", 31),
        ],
    ),
    (
        "SKIPDATA fires for half an hour; NODATA does not",
        [
            s("trailflow_flow_skipped_records_total", burst(10, 1), interface_id="eni-3", account=ACCT, region=R, instance="a"),
            s("trailflow_flow_idle_records_total", burst(10, 6), interface_id="eni-2", account=ACCT, region=R, instance="a"),
        ],
        [
            fire("FlowLogRecordsSkipped", 10, [dict(account=ACCT, region=R, interface_id="eni-3")]),
            fire("FlowLogRecordsSkipped", 39, [dict(account=ACCT, region=R, interface_id="eni-3")]),
            quiet("FlowLogRecordsSkipped", 41),
        ],
    ),
    (
        "trailflow stops exporting: down after 15 minutes without its series, export failing after 10 without a success",
        [
            s("trailflow_export_last_success_time_seconds", run(("0+60x19", 1), (None, 60)), instance="a"),
        ],
        [
            quiet("TrailflowDown", 19),
            quiet("TrailflowExportFailing", 25),
            fire("TrailflowExportFailing", 31, [dict()], "12m 0s"),
            quiet("TrailflowDown", 37),
            fire("TrailflowDown", 40, [dict()]),
        ],
    ),
    (
        "One replica cannot export while another can: no page; a scrape target down does page",
        [
            s("trailflow_export_last_success_time_seconds", "0+60x10 600x60", instance="a"),
            s("trailflow_export_last_success_time_seconds", "0+60x70", instance="b"),
            s("up", "1x10 0x60", job="trailflow", instance="10.0.1.7:9090"),
        ],
        [
            quiet("TrailflowExportFailing", 60),
            quiet("TrailflowDown", 14),
            fire("TrailflowDown", 16, [dict(job="trailflow", instance="10.0.1.7:9090")]),
        ],
    ),
    (
        "Queue lag p90 above 5 minutes across two replicas",
        [
            s("trailflow_sqs_lag_seconds_bucket", "0+1x60", le="60", instance="a"),
            s("trailflow_sqs_lag_seconds_bucket", "0+1x60", le="300", instance="a"),
            s("trailflow_sqs_lag_seconds_bucket", "0+10x60", le="900", instance="a"),
            s("trailflow_sqs_lag_seconds_bucket", "0+10x60", le="+Inf", instance="a"),
            s("trailflow_sqs_lag_seconds_bucket", "0+10x60", le="60", instance="b"),
            s("trailflow_sqs_lag_seconds_bucket", "0+10x60", le="300", instance="b"),
            s("trailflow_sqs_lag_seconds_bucket", "0+10x60", le="900", instance="b"),
            s("trailflow_sqs_lag_seconds_bucket", "0+10x60", le="+Inf", instance="b"),
        ],
        [
            quiet("TrailflowQueueLagHigh", 5),
            fire("TrailflowQueueLagHigh", 40, [dict()], "12m 46s"),
        ],
    ),
    (
        "Backlog and dead letters read the queue once, not once per replica",
        [
            s("trailflow_sqs_queue_messages", "1500x40", queue="trailflow-prod", state="visible", instance="a"),
            s("trailflow_sqs_queue_messages", "1500x40", queue="trailflow-prod", state="visible", instance="b"),
            s("trailflow_sqs_queue_messages", "800x40", queue="trailflow-dev", state="visible", instance="a"),
            s("trailflow_sqs_queue_messages", "800x40", queue="trailflow-dev", state="visible", instance="b"),
            s("trailflow_sqs_dlq_messages", "0x9 3x30", queue="trailflow-prod-dlq", instance="a"),
            s("trailflow_sqs_dlq_messages", "0x9 3x30", queue="trailflow-prod-dlq", instance="b"),
            s("trailflow_sqs_dlq_messages", "0x40", queue="trailflow-dev-dlq", instance="a"),
        ],
        [
            quiet("TrailflowBacklog", 10),
            fire("TrailflowBacklog", 20, [dict(queue="trailflow-prod")], "1500"),
            quiet("TrailflowDeadLetters", 12),
            fire("TrailflowDeadLetters", 16, [dict(queue="trailflow-prod-dlq")], "3"),
        ],
    ),
    (
        "Record errors and folded series go to the ticket queue",
        [
            s("trailflow_pipeline_record_errors_total", "0x9 4x30", kind="cloudtrail", instance="a"),
            s("trailflow_pipeline_record_errors_total", "0x40", kind="flowlog", instance="a"),
            s("trailflow_series_overflow_total", "0x9 7x70", metric="trailflow.kms.decrypt.calls", label="key_arn", instance="a"),
            s("trailflow_series_overflow_total", "0x80", metric="trailflow.flow.rejected", label="interface_id", instance="a"),
        ],
        [
            fire("TrailflowRecordErrors", 12, [dict(kind="cloudtrail")]),
            quiet("TrailflowRecordErrors", 30),
            fire("TrailflowSeriesOverflow", 12, [dict(metric="trailflow.kms.decrypt.calls", label="key_arn")]),
            quiet("TrailflowSeriesOverflow", 75),
        ],
    ),
    (
        "Access granted in a cluster: a cluster-admin binding pages, aws-auth edits warn, refused ones do neither",
        [
            s("trailflow_k8s_access_changes_total", burst(5, 1), cluster="prod-eks", user="arn:aws:sts::111122223333:assumed-role/platform-admin/alice", change="cluster_admin_binding", verb="create", outcome="success", account=ACCT, instance="a"),
            s("trailflow_k8s_access_changes_total", burst(5, 1), cluster="prod-eks", user="arn:aws:sts::111122223333:assumed-role/platform-admin/alice", change="aws_auth", verb="update", outcome="success", account=ACCT, instance="a"),
            s("trailflow_k8s_access_changes_total", burst(5, 2), cluster="prod-eks", user="bob", change="system_masters_binding", verb="create", outcome="denied", account=ACCT, instance="a"),
        ],
        [
            fire("KubernetesAdminAccessGranted", 6, [dict(cluster="prod-eks", user="arn:aws:sts::111122223333:assumed-role/platform-admin/alice", change="cluster_admin_binding", account=ACCT)]),
            fire("AwsAuthConfigMapChanged", 6, [dict(cluster="prod-eks", user="arn:aws:sts::111122223333:assumed-role/platform-admin/alice", verb="update", account=ACCT)]),
            quiet("KubernetesAdminAccessGranted", 21),
            quiet("AwsAuthConfigMapChanged", 21),
        ],
    ),
    (
        "A drain stuck on a PDB: evictions refused every few minutes for 10 minutes fire; a few do not",
        [
            s("trailflow_k8s_evictions_blocked_total", files(5, 6, 3, 12), cluster="prod-eks", namespace="payments", account=ACCT, instance="a"),
            s("trailflow_k8s_evictions_blocked_total", burst(5, 3), cluster="prod-eks", namespace="tools", account=ACCT, instance="a"),
        ],
        [
            quiet("EvictionsBlockedByPDB", 12),
            fire("EvictionsBlockedByPDB", 20, [dict(cluster="prod-eks", namespace="payments")], "30"),
        ],
    ),
    (
        "A namespace without a Pod Security level is a ticket; an audit violation alone is not",
        [
            s("trailflow_k8s_pod_security_total", burst(5, 1), cluster="prod-eks", namespace="scratch", finding="unlabelled", account=ACCT, instance="a"),
            s("trailflow_k8s_pod_security_total", burst(5, 1), cluster="prod-eks", namespace="tools", finding="audit_violation", account=ACCT, instance="a"),
        ],
        [
            fire("NamespaceWithoutPodSecurity", 6, [dict(cluster="prod-eks", namespace="scratch")]),
            quiet("NamespaceWithoutPodSecurity", 66),
        ],
    ),
    (
        "Slow mutating API requests (a webhook) fire; slow watches and reads do not count",
        [
            s("trailflow_k8s_request_duration_seconds_bucket", "0+1x60", cluster="prod-eks", verb="patch", resource="deployments", code="200", account=ACCT, le="1", instance="a"),
            s("trailflow_k8s_request_duration_seconds_bucket", "0+1x60", cluster="prod-eks", verb="patch", resource="deployments", code="200", account=ACCT, le="5", instance="a"),
            s("trailflow_k8s_request_duration_seconds_bucket", "0+10x60", cluster="prod-eks", verb="patch", resource="deployments", code="200", account=ACCT, le="10", instance="a"),
            s("trailflow_k8s_request_duration_seconds_bucket", "0+10x60", cluster="prod-eks", verb="patch", resource="deployments", code="200", account=ACCT, le="+Inf", instance="a"),
            s("trailflow_k8s_request_duration_seconds_bucket", "0+1x60", cluster="dev-eks", verb="get", resource="pods", code="200", account=ACCT, le="1", instance="a"),
            s("trailflow_k8s_request_duration_seconds_bucket", "0+10x60", cluster="dev-eks", verb="get", resource="pods", code="200", account=ACCT, le="+Inf", instance="a"),
        ],
        [
            quiet("KubernetesAPISlow", 3),
            fire("KubernetesAPISlow", 30, [dict(cluster="prod-eks")], "9.944"),
        ],
    ),
    (
        "Authentication failures above 20 in 15 minutes; anonymous requests do not page",
        [
            s("trailflow_k8s_auth_failures_total", burst(5, 25), cluster="prod-eks", kind="unauthenticated", outcome="denied", account=ACCT, instance="a"),
            s("trailflow_k8s_auth_failures_total", burst(5, 50), cluster="dev-eks", kind="anonymous", outcome="allowed", account=ACCT, instance="a"),
        ],
        [
            fire("KubernetesAuthFailures", 6, [dict(cluster="prod-eks")], "25"),
            quiet("KubernetesAuthFailures", 21),
        ],
    ),
    (
        "The load balancer's own 5xx fire above 10; the application's own 5xx do not",
        [
            s("trailflow_elb_server_errors_total", burst(5, 12), elb="app/k8s-web/0a1b", target_group_arn="tg-1", origin="elb", status="504", **{"class": "timeout"}, account=ACCT, region=R, instance="a"),
            s("trailflow_elb_server_errors_total", burst(5, 40), elb="app/k8s-web/0a1b", target_group_arn="tg-1", origin="target", status="500", **{"class": "target"}, account=ACCT, region=R, instance="a"),
        ],
        [
            fire("LoadBalancer5xx", 6, [{"elb": "app/k8s-web/0a1b", "class": "timeout", "account": ACCT, "region": R}], "12"),
            quiet("LoadBalancer5xx", 21),
        ],
    ),
    (
        "Slow targets: p90 above 2 s for 10 minutes fires; a fast target group does not",
        [
            s("trailflow_elb_target_response_time_seconds_bucket", "0+1x60", elb="app/k8s-web/0a1b", target_group_arn="tg-slow", account=ACCT, region=R, le="1", instance="a"),
            s("trailflow_elb_target_response_time_seconds_bucket", "0+10x60", elb="app/k8s-web/0a1b", target_group_arn="tg-slow", account=ACCT, region=R, le="5", instance="a"),
            s("trailflow_elb_target_response_time_seconds_bucket", "0+10x60", elb="app/k8s-web/0a1b", target_group_arn="tg-slow", account=ACCT, region=R, le="+Inf", instance="a"),
            s("trailflow_elb_target_response_time_seconds_bucket", "0+10x60", elb="app/k8s-web/0a1b", target_group_arn="tg-fast", account=ACCT, region=R, le="1", instance="a"),
            s("trailflow_elb_target_response_time_seconds_bucket", "0+10x60", elb="app/k8s-web/0a1b", target_group_arn="tg-fast", account=ACCT, region=R, le="+Inf", instance="a"),
        ],
        [
            quiet("TargetResponseSlow", 5),
            fire("TargetResponseSlow", 30, [dict(elb="app/k8s-web/0a1b", target_group_arn="tg-slow")], "4.556"),
        ],
    ),
    (
        "WAF blocks above 100 in 15 minutes; allowed requests do not count",
        [
            s("trailflow_waf_requests_total", burst(5, 150), web_acl="prod-web-acl", action="BLOCK", rule="AWS-AWSManagedRulesSQLiRuleSet", rule_type="MANAGED_RULE_GROUP", host="shop.example.com", account=ACCT, region=R, instance="a"),
            s("trailflow_waf_requests_total", burst(5, 5000), web_acl="prod-web-acl", action="ALLOW", rule="Default_Action", rule_type="REGULAR", host="shop.example.com", account=ACCT, region=R, instance="a"),
        ],
        [
            fire("WAFBlockSurge", 6, [dict(web_acl="prod-web-acl", host="shop.example.com", account=ACCT)], "150"),
            quiet("WAFBlockSurge", 21),
        ],
    ),
]
