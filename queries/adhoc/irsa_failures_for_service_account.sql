-- name: irsa_failures_for_service_account
-- description: IRSA (AssumeRoleWithWebIdentity) failures for one Kubernetes service account, with the token audience and the error.
-- table: cloudtrail
-- param: namespace · Kubernetes namespace
-- param: service_account · service account name
SELECT event_time, role_arn, web_identity_subject, web_identity_audience, web_identity_provider, error_code, error_message, source_ip
FROM cloudtrail
WHERE event_name = 'AssumeRoleWithWebIdentity'
  AND error_code IS NOT NULL
  AND web_identity_subject = 'system:serviceaccount:${namespace}:${service_account}'
ORDER BY event_time
