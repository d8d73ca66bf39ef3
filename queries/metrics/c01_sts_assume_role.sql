-- metric: trailflow.sts.assume_role.calls
-- instrument: counter
-- unit: {call}
-- description: STS role assumptions (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML) by target role, API, outcome (success, throttled, access_denied, error), account that recorded the event and copy (same, caller, owner, duplicate: count `copy!="duplicate"` to count each call once).
-- table: cloudtrail
-- value: calls
-- labels: role_arn, api, outcome, error_code, account, copy
-- fold: role_arn
-- serves: C1 · "STS AssumeRole success vs failure rate tagged by IAM role ARN"
-- variants: Calls to every STS endpoint (global, regional, FIPS, dual-stack, VPC endpoint). A cross-account AssumeRole is logged in the caller's account and in the role owner's (same sharedEventID, the owner's copy with a userIdentity of type AWSAccount): the owner's copy is labelled `duplicate` when the caller's account is among `lookups.logged_accounts` (its own copy arrives too), `owner` when it is not (a vendor's account: the only copy).
-- leaves out: AssumeRoleForPodIdentity (EKS Pod Identity, counted by trailflow.irsa.assumptions), GetSessionToken, GetFederationToken and AssumeRoot, which assume no role.
SELECT role_arn, api, outcome, error_code, account, copy, COUNT(*) AS calls
FROM (
    SELECT
        role_arn,
        event_name AS api,
        outcome(error_code) AS outcome,
        error_code,
        recipient_account_id AS account,
        counted_copy(event_copy, identity_account_id) AS copy
    FROM cloudtrail
    WHERE event_source = 'sts.amazonaws.com'
      AND event_name IN ('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML')
) AS assumptions
GROUP BY role_arn, api, outcome, error_code, account, copy
