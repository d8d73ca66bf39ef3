-- metric: trailflow.cloudtrail.last_event.time
-- instrument: gauge
-- unit: s
-- aggregate: max
-- description: Unix time of the newest CloudTrail event seen per account and region; `time() - trailflow_cloudtrail_last_event_time_seconds` is the delivery gap.
-- table: cloudtrail
-- value: unix_seconds
-- labels: account, region
-- serves: C12 · audit trail completeness: delivery gaps per account and region
-- variants: Every decoded CloudTrail event with an eventTime, per recipient account and region (an organization trail's events count for the member account that recorded them).
-- leaves out: Digest files and Insights events, which say nothing about whether events are still delivered; completeness of delivered files is trailflow.cloudtrail.digest.missing_files.
SELECT recipient_account_id AS account, aws_region AS region, MAX(date_part('epoch', event_time)) AS unix_seconds
FROM cloudtrail
WHERE event_time IS NOT NULL
GROUP BY recipient_account_id, aws_region
