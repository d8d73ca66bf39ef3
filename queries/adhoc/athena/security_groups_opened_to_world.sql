-- name: security_groups_opened_to_world
-- description: Athena/Trino form of security_groups_opened_to_world: the Load Balancer Controller is recognised by the default role patterns of lookups.lb_controller_role_patterns, written out (edit them to match yours).
-- table: cloudtrail
SELECT event_time, recipient_account_id AS account, aws_region AS region, security_group_id, event_name,
       COALESCE(session_issuer_arn, identity_arn, identity_principal_id) AS who,
       CASE WHEN session_issuer_arn LIKE '%load-balancer-controller%'
              OR session_issuer_arn LIKE '%AWSLoadBalancerController%'
              OR session_issuer_arn LIKE '%aws-lb-controller%' THEN 'lb_controller' ELSE 'none' END AS managed,
       source_ip, error_code, request_parameters
FROM cloudtrail
WHERE event_name IN ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'ModifySecurityGroupRules')
  AND open_to_world
ORDER BY event_time DESC
