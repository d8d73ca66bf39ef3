-- metric: trailflow.break_glass.assumptions
-- instrument: counter
-- unit: {assumption}
-- description: Role assumptions into break-glass roles (the `break_glass` role patterns), by role, whether MFA was used and outcome; break-glass without MFA should never happen.
-- table: cloudtrail
-- value: assumptions
-- labels: role_arn, mfa, outcome
-- serves: C14 · "Time-limited break-glass role with mandatory MFA"
SELECT role_arn, mfa, outcome, COUNT(*) AS assumptions
FROM (
    SELECT
        c.role_arn,
        CASE WHEN c.mfa_used THEN 'true' ELSE 'false' END AS mfa,
        CASE WHEN c.error_code IS NULL THEN 'success' ELSE 'failure' END AS outcome
    FROM cloudtrail AS c
    WHERE c.event_name IN ('AssumeRole', 'SwitchRole')
      AND EXISTS (SELECT 1 FROM role_patterns AS p WHERE p.kind = 'break_glass' AND c.role_arn LIKE p.pattern)
) AS assumptions
GROUP BY role_arn, mfa, outcome
