-- metric: trailflow.kms.decrypt.calls
-- instrument: counter
-- unit: {call}
-- description: KMS Decrypt calls by key, caller account, key account, cross-account flag (true, false, unknown), outcome (success, throttled, access_denied, error) and copy; throttled cross-account decrypts are the runbook's signal. Count `copy!="duplicate"` to count each call once.
-- table: cloudtrail
-- value: calls
-- labels: key_arn, caller_account, key_account, cross_account, outcome, error_code, copy
-- fold: key_arn, caller_account
-- serves: C4 · "Cross-account KMS DecryptThrottle events"
-- variants: kms.amazonaws.com Decrypt, direct or by a service on the caller's behalf. The key is the resources[] key ARN, else requestParameters.keyId; the key account comes from that ARN, else (a bare key id or alias, which names a key in the account that recorded the event) from recipientAccountId. Both copies of a cross-account decrypt: the key owner's is `duplicate` when the caller's account is logged too.
-- leaves out: Other KMS operations (GenerateDataKey, Encrypt): their throttling shares the same quota but is not the runbook's signal.
SELECT key_arn, caller_account, key_account, cross_account, outcome, error_code, copy, COUNT(*) AS calls
FROM (
    SELECT
        kms_key_arn AS key_arn,
        identity_account_id AS caller_account,
        COALESCE(NULLIF(split_part(kms_key_arn, ':', 5), ''), recipient_account_id) AS key_account,
        CASE WHEN cross_account THEN 'true' WHEN NOT cross_account THEN 'false' ELSE 'unknown' END AS cross_account,
        outcome(error_code) AS outcome,
        error_code,
        counted_copy(event_copy, identity_account_id) AS copy
    FROM cloudtrail
    WHERE event_source = 'kms.amazonaws.com' AND event_name = 'Decrypt'
) AS decrypts
GROUP BY key_arn, caller_account, key_account, cross_account, outcome, error_code, copy
