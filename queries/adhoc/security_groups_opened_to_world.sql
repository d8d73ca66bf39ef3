-- name: security_groups_opened_to_world
-- description: Security-group rules opened to 0.0.0.0/0 or ::/0 (CIDR fields only, never a description), newest first, with whether the AWS Load Balancer Controller made them (use --since 1d for the last day).
-- table: cloudtrail
SELECT event_time, recipient_account_id AS account, aws_region AS region, security_group_id, event_name,
       COALESCE(session_issuer_arn, identity_arn, identity_principal_id) AS who,
       CASE WHEN role_is('lb_controller', session_issuer_arn) THEN 'lb_controller' ELSE 'none' END AS managed,
       source_ip, error_code, request_parameters
FROM cloudtrail
WHERE event_name IN ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'ModifySecurityGroupRules')
  AND open_to_world
ORDER BY event_time DESC
