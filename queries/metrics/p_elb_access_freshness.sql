-- metric: trailflow.record.age
-- instrument: histogram
-- unit: s
-- description: Age of each record when its window is evaluated (evaluation time minus event time for CloudTrail, flow end time for flow logs): end-to-end freshness, by log kind.
-- table: elb_access
-- value: seconds
-- labels: kind
-- serves: pipeline · end-to-end freshness
-- variants: Every record with a time (the entry's time).
-- leaves out: Records without a time.
SELECT 'elb_access' AS kind, date_part('epoch', now()) - date_part('epoch', "time") AS seconds
FROM elb_access
WHERE "time" IS NOT NULL
