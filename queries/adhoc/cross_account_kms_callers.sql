-- name: cross_account_kms_callers
-- description: Callers from other accounts using a KMS key (key ARN or LIKE pattern), with call counts and errors. The key owner's copy names a caller only by account and principal id.
-- table: cloudtrail
-- param: key · key ARN or LIKE pattern (default %)
SELECT identity_account_id AS caller_account, COALESCE(session_issuer_arn, identity_arn, identity_principal_id) AS caller, kms_key_arn, event_name,
       COUNT(*) AS calls, SUM(CASE WHEN error_code IS NOT NULL THEN 1 ELSE 0 END) AS errors
FROM cloudtrail
WHERE event_source = 'kms.amazonaws.com' AND cross_account AND kms_key_arn LIKE '${key:%}'
GROUP BY identity_account_id, COALESCE(session_issuer_arn, identity_arn, identity_principal_id), kms_key_arn, event_name
ORDER BY calls DESC
