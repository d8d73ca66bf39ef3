-- metric: trailflow.cloudtrail.trail_changes
-- instrument: counter
-- unit: {call}
-- description: Changes to CloudTrail itself (StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors, PutInsightSelectors) by account, region, action and outcome (success, throttled, access_denied, error): any of them can blind the audit trail.
-- table: cloudtrail
-- value: calls
-- labels: account, region, event_name, outcome
-- serves: C12 · "CloudTrail anomaly detection suppressed reasons audit trail completeness"
-- variants: cloudtrail.amazonaws.com management events of these names, in the account that recorded them (an organization trail's changes are recorded in the management account).
-- leaves out: Trail changes that fail validation before CloudTrail logs them, and StartLogging, CreateTrail (they restore, not blind).
SELECT account, region, event_name, outcome, COUNT(*) AS calls
FROM (
    SELECT
        recipient_account_id AS account,
        aws_region AS region,
        event_name,
        outcome(error_code) AS outcome
    FROM cloudtrail
    WHERE event_source = 'cloudtrail.amazonaws.com'
      AND event_name IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors')
) AS changes
GROUP BY account, region, event_name, outcome
