-- metric: trailflow.cloudtrail.insights
-- instrument: counter
-- unit: {event}
-- description: CloudTrail Insights events (unusual API call or error rates) by account, region, type, state (Start/End) and the API concerned.
-- table: cloudtrail_insight
-- value: events
-- labels: account, region, insight_type, state, event_source, event_name
-- serves: C12 · "CloudTrail anomaly detection"
-- variants: CloudTrail Insights events (eventCategory Insight) from CloudTrail-Insight/ objects or among ordinary events, Start and End alike.
-- leaves out: Insights of an organization trail are recorded per member account; nothing is deduplicated across accounts because each account's insight is its own.
SELECT
    recipient_account_id AS account,
    aws_region AS region,
    insight_type,
    insight_state AS state,
    insight_event_source AS event_source,
    insight_event_name AS event_name,
    COUNT(*) AS events
FROM cloudtrail_insight
GROUP BY recipient_account_id, aws_region, insight_type, insight_state, insight_event_source, insight_event_name
