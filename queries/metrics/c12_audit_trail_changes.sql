-- metric: trailflow.cloudtrail.trail_changes
-- instrument: counter
-- unit: {call}
-- description: Changes to CloudTrail itself (StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors, PutInsightSelectors) by account, region and action: any of them can blind the audit trail.
-- table: cloudtrail
-- value: calls
-- labels: account, region, event_name, outcome
-- serves: C12 · "CloudTrail anomaly detection suppressed reasons audit trail completeness"
SELECT account, region, event_name, outcome, COUNT(*) AS calls
FROM (
    SELECT
        recipient_account_id AS account,
        aws_region AS region,
        event_name,
        CASE WHEN error_code IS NULL THEN 'success' ELSE 'failure' END AS outcome
    FROM cloudtrail
    WHERE event_source = 'cloudtrail.amazonaws.com'
      AND event_name IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors')
) AS changes
GROUP BY account, region, event_name, outcome
