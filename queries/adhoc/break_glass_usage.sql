-- name: break_glass_usage
-- description: Who assumed a break-glass role, from where, and whether MFA was used.
-- table: cloudtrail
-- param: role · break-glass role ARN or LIKE pattern (default %break-glass%)
SELECT event_time, role_arn, COALESCE(identity_arn, identity_principal_id) AS who, identity_type, role_session_name, source_ip, user_agent, mfa_used, error_code
FROM cloudtrail
WHERE event_name IN ('AssumeRole', 'SwitchRole') AND role_arn LIKE '${role:%break-glass%}'
ORDER BY event_time
