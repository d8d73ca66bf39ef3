-- metric: trailflow.sts.assume_role.calls
-- instrument: counter
-- unit: {call}
-- description: STS role assumptions (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML) by target role, API and outcome.
-- table: cloudtrail
-- value: calls
-- labels: role_arn, api, outcome, error_code, account
-- serves: C1 · "STS AssumeRole success vs failure rate tagged by IAM role ARN"
SELECT
    role_arn,
    event_name AS api,
    CASE WHEN error_code IS NULL THEN 'success' ELSE 'failure' END AS outcome,
    error_code,
    recipient_account_id AS account,
    COUNT(*) AS calls
FROM cloudtrail
WHERE event_source = 'sts.amazonaws.com'
  AND event_name IN ('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML')
GROUP BY role_arn, event_name, error_code, recipient_account_id
