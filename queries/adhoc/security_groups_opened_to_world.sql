-- name: security_groups_opened_to_world
-- description: Security-group rules opened to 0.0.0.0/0 or ::/0, newest first (use --since 1d for the last day).
-- table: cloudtrail
SELECT event_time, recipient_account_id AS account, aws_region AS region, security_group_id, event_name,
       COALESCE(identity_arn, identity_principal_id) AS who, source_ip, error_code, request_parameters
FROM cloudtrail
WHERE open_to_world
ORDER BY event_time DESC
