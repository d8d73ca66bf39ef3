-- metric: trailflow.record.age
-- instrument: histogram
-- unit: s
-- description: Age of each record when its window is evaluated (evaluation time minus event time for CloudTrail, flow end time for flow logs): end-to-end freshness, by log kind.
-- table: cloudtrail
-- value: seconds
-- labels: kind
-- serves: pipeline · end-to-end freshness
-- variants: Every CloudTrail event with an eventTime.
-- leaves out: Events without an eventTime.
SELECT 'cloudtrail' AS kind, date_part('epoch', now()) - date_part('epoch', event_time) AS seconds
FROM cloudtrail
WHERE event_time IS NOT NULL
