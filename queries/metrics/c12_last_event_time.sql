-- metric: trailflow.cloudtrail.last_event.time
-- instrument: gauge
-- unit: s
-- aggregate: max
-- description: Unix time of the newest CloudTrail event seen per account and region; `time() - trailflow_cloudtrail_last_event_time_seconds` is the delivery gap.
-- table: cloudtrail
-- value: unix_seconds
-- labels: account, region
-- serves: C12 · audit trail completeness: delivery gaps per account and region
SELECT recipient_account_id AS account, aws_region AS region, MAX(date_part('epoch', event_time)) AS unix_seconds
FROM cloudtrail
WHERE event_time IS NOT NULL
GROUP BY recipient_account_id, aws_region
