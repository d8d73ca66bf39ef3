-- metric: trailflow.record.age
-- instrument: histogram
-- unit: s
-- description: Age of each record when its window is evaluated (evaluation time minus event time for CloudTrail, flow end time for flow logs): end-to-end freshness, by log kind.
-- table: waf
-- value: seconds
-- labels: kind
-- serves: pipeline · end-to-end freshness
-- variants: Every record with a time (the record's timestamp).
-- leaves out: Records without a time.
SELECT 'waf' AS kind, date_part('epoch', now()) - date_part('epoch', "timestamp") AS seconds
FROM waf
WHERE "timestamp" IS NOT NULL
