-- name: access_denied_for_role
-- description: Every AccessDenied for a role (matched on the session issuer or caller ARN, SQL LIKE pattern), with the full error message.
-- table: cloudtrail
-- param: role · role ARN or LIKE pattern, e.g. %ci-deployer%
SELECT event_time, COALESCE(session_issuer_arn, identity_arn) AS principal, event_source, event_name, error_code, error_message, source_ip
FROM cloudtrail
WHERE access_denied(error_code)
  AND (session_issuer_arn LIKE '${role}' OR identity_arn LIKE '${role}')
ORDER BY event_time
