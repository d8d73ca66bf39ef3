-- metric: trailflow.risky_changes
-- instrument: counter
-- unit: {call}
-- description: Risky network and identity changes by account, action, target, direction (ingress, egress, unknown for rule edits), whether a controller manages the target (lb_controller, none) and outcome (success, throttled, access_denied, error): security groups opened to the world or stripped of their egress rule, the EKS public endpoint opened to 0.0.0.0/0, OIDC providers deleted or narrowed, EKS access entries, trust policies, KMS key policies, disabled or deleted keys, and node roles widened.
-- table: cloudtrail
-- value: calls
-- labels: account, event_name, target, direction, managed, outcome
-- fold: target
-- serves: C13 · "Sticky 0.0.0.0/0"; "Broken OIDC discovery"; "Stale aws-auth mapping"; "audit quarterly"; node role widened
-- variants: AuthorizeSecurityGroupIngress/Egress and ModifySecurityGroupRules (group id nested in ModifySecurityGroupRulesRequest) whose CIDR fields name a /0; RevokeSecurityGroupEgress of a /0 rule (the default egress removed); EKS UpdateClusterConfig opening the public endpoint to 0.0.0.0/0; IAM DeleteOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider and UpdateAssumeRolePolicy; EKS CreateAccessEntry, DeleteAccessEntry, UpdateAccessEntry, AssociateAccessPolicy, DisassociateAccessPolicy; KMS PutKeyPolicy, DisableKey, ScheduleKeyDeletion; IAM AttachRolePolicy and PutRolePolicy on a role matching the `node` patterns. Security groups changed by the AWS Load Balancer Controller's role (internet-facing load balancers open their own groups) are `managed="lb_controller"`.
-- leaves out: A rule whose description, not its CIDR, mentions /0; aws-auth ConfigMap edits, which are Kubernetes API calls (the audit log, not CloudTrail).
SELECT account, event_name, target, direction, managed, outcome, COUNT(*) AS calls
FROM (
    SELECT
        recipient_account_id AS account,
        event_name,
        CASE
            WHEN event_source = 'ec2.amazonaws.com' THEN security_group_id
            WHEN oidc_provider_arn IS NOT NULL THEN regexp_replace(oidc_provider_arn, '^arn:aws[a-z-]*:iam::[0-9]+:oidc-provider/', '')
            WHEN event_source = 'iam.amazonaws.com' THEN iam_role_name
            WHEN event_source = 'kms.amazonaws.com' THEN kms_key_arn
            ELSE eks_cluster_name
        END AS target,
        CASE
            WHEN event_name LIKE '%Ingress' THEN 'ingress'
            WHEN event_name LIKE '%Egress' THEN 'egress'
            WHEN event_name = 'ModifySecurityGroupRules' THEN 'unknown'
        END AS direction,
        CASE
            WHEN event_source = 'ec2.amazonaws.com' AND role_is('lb_controller', session_issuer_arn) THEN 'lb_controller'
            ELSE 'none'
        END AS managed,
        outcome(error_code) AS outcome
    FROM cloudtrail
    WHERE event_name IN ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'ModifySecurityGroupRules',
                         'RevokeSecurityGroupEgress', 'UpdateClusterConfig', 'CreateAccessEntry', 'DeleteAccessEntry',
                         'UpdateAccessEntry', 'AssociateAccessPolicy', 'DisassociateAccessPolicy',
                         'DeleteOpenIDConnectProvider', 'RemoveClientIDFromOpenIDConnectProvider', 'UpdateAssumeRolePolicy',
                         'PutKeyPolicy', 'DisableKey', 'ScheduleKeyDeletion', 'AttachRolePolicy', 'PutRolePolicy')
      AND ((event_source = 'ec2.amazonaws.com' AND event_name LIKE '%SecurityGroup%' AND open_to_world)
        OR (event_source = 'eks.amazonaws.com' AND (event_name <> 'UpdateClusterConfig' OR open_to_world))
        OR (event_source = 'iam.amazonaws.com' AND event_name NOT IN ('AttachRolePolicy', 'PutRolePolicy'))
        OR (event_source = 'kms.amazonaws.com')
        OR (event_source = 'iam.amazonaws.com'
            AND role_is('node', concat('arn:aws:iam::', recipient_account_id, ':role/', iam_role_name))))
) AS changes
GROUP BY account, event_name, target, direction, managed, outcome
