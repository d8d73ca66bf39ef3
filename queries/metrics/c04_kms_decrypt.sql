-- metric: trailflow.kms.decrypt.calls
-- instrument: counter
-- unit: {call}
-- description: KMS Decrypt calls by key, caller account, key account, cross-account flag and outcome; ThrottlingException on cross-account keys is the runbook's signal.
-- table: cloudtrail
-- value: calls
-- labels: key_arn, caller_account, key_account, cross_account, outcome, error_code
-- serves: C4 · "Cross-account KMS DecryptThrottle events"
SELECT key_arn, caller_account, key_account, cross_account, outcome, error_code, COUNT(*) AS calls
FROM (
    SELECT
        kms_key_arn AS key_arn,
        identity_account_id AS caller_account,
        split_part(kms_key_arn, ':', 5) AS key_account,
        CASE WHEN cross_account THEN 'true' ELSE 'false' END AS cross_account,
        CASE
            WHEN error_code IS NULL THEN 'success'
            WHEN error_code IN ('ThrottlingException', 'Throttling') THEN 'throttled'
            ELSE 'error'
        END AS outcome,
        error_code
    FROM cloudtrail
    WHERE event_source = 'kms.amazonaws.com' AND event_name = 'Decrypt'
) AS decrypts
GROUP BY key_arn, caller_account, key_account, cross_account, outcome, error_code
