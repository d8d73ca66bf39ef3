-- metric: trailflow.break_glass.assumptions
-- instrument: counter
-- unit: {assumption}
-- description: Assumptions of break-glass roles (the `break_glass` role patterns) by API or console switch, by role, whether MFA backed them (true, false, unknown) and outcome (success, throttled, access_denied, error); break-glass without MFA should never happen.
-- table: cloudtrail
-- value: assumptions
-- labels: role_arn, mfa, outcome, account, region
-- serves: C14 · "Time-limited break-glass role with mandatory MFA"
-- variants: sts.amazonaws.com AssumeRole (role from requestParameters.roleArn; MFA when requestParameters.serialNumber is set, else the caller session's mfaAuthenticated) and the console's signin.amazonaws.com SwitchRole (role from additionalEventData.SwitchTo, else the assumed-role identity; a responseElements.SwitchRole of Failure is an error). MFA is `unknown` when the event does not say, never `false`.
-- leaves out: The owner's copy of a cross-account assumption whose caller's account is logged too (one assumption, counted once), and use of the role's session after the assumption.
SELECT role_arn, mfa, outcome, account, region, COUNT(*) AS assumptions
FROM (
    SELECT
        role_arn,
        CASE WHEN mfa_used THEN 'true' WHEN NOT mfa_used THEN 'false' ELSE 'unknown' END AS mfa,
        CASE WHEN signin_result = 'Failure' AND error_code IS NULL THEN 'error' ELSE outcome(error_code) END AS outcome,
        recipient_account_id AS account,
        aws_region AS region
    FROM cloudtrail
    WHERE ((event_source = 'sts.amazonaws.com' AND event_name = 'AssumeRole')
        OR (event_source = 'signin.amazonaws.com' AND event_name = 'SwitchRole'))
      AND role_is('break_glass', role_arn)
      AND counted_copy(event_copy, identity_account_id) <> 'duplicate'
) AS assumptions
GROUP BY role_arn, mfa, outcome, account, region
