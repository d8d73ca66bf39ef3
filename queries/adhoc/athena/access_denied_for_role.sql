-- name: access_denied_for_role
-- description: Athena/Trino form of access_denied_for_role: trailflow's access_denied() written out (AccessDenied, *AccessDeniedException, *UnauthorizedOperation).
-- table: cloudtrail
-- param: role · role ARN or LIKE pattern, e.g. %ci-deployer%
SELECT event_time, COALESCE(session_issuer_arn, identity_arn) AS principal, event_source, event_name, error_code, error_message, source_ip
FROM cloudtrail
WHERE (error_code = 'AccessDenied' OR error_code LIKE '%AccessDeniedException' OR error_code LIKE '%UnauthorizedOperation')
  AND (session_issuer_arn LIKE '${role}' OR identity_arn LIKE '${role}')
ORDER BY event_time
