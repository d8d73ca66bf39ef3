-- metric: trailflow.record.age
-- instrument: histogram
-- unit: s
-- description: Age of each record when its window is evaluated (evaluation time minus event time for CloudTrail, flow end time for flow logs): end-to-end freshness, by log kind.
-- table: flowlog
-- value: seconds
-- labels: kind
-- serves: pipeline · end-to-end freshness
-- variants: Every flow record with an end time, NODATA and SKIPDATA included.
-- leaves out: Records without an end time.
SELECT 'flowlog' AS kind, date_part('epoch', now()) - date_part('epoch', "end") AS seconds
FROM flowlog
WHERE "end" IS NOT NULL
