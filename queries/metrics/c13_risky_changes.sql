-- metric: trailflow.risky_changes
-- instrument: counter
-- unit: {call}
-- description: Risky network and identity changes by account, action and target: security-group rules opened to 0.0.0.0/0 or ::/0 (target: the group), OIDC provider deletions (the provider), EKS access-entry changes (the cluster), trust-policy updates (the role).
-- table: cloudtrail
-- value: calls
-- labels: account, event_name, target, outcome
-- serves: C13 · "Sticky 0.0.0.0/0"; "Broken OIDC discovery"; "Stale aws-auth mapping"; "audit quarterly"
SELECT account, event_name, target, outcome, COUNT(*) AS calls
FROM (
    SELECT
        recipient_account_id AS account,
        event_name,
        CASE
            WHEN security_group_id IS NOT NULL THEN security_group_id
            WHEN event_name = 'DeleteOpenIDConnectProvider' THEN regexp_replace(json_field(request_parameters, 'openIDConnectProviderArn'), '^arn:aws[a-z-]*:iam::[0-9]+:oidc-provider/', '')
            WHEN event_name = 'UpdateAssumeRolePolicy' THEN json_field(request_parameters, 'roleName')
            ELSE eks_cluster_name
        END AS target,
        CASE WHEN error_code IS NULL THEN 'success' ELSE 'failure' END AS outcome
    FROM cloudtrail
    WHERE (event_name IN ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'ModifySecurityGroupRules') AND open_to_world)
       OR event_name IN ('DeleteOpenIDConnectProvider', 'CreateAccessEntry', 'DeleteAccessEntry', 'UpdateAccessEntry',
                         'AssociateAccessPolicy', 'DisassociateAccessPolicy', 'UpdateAssumeRolePolicy')
) AS changes
GROUP BY account, event_name, target, outcome
