-- metric: trailflow.record.age
-- instrument: histogram
-- unit: s
-- description: Age of each record when its window is evaluated (evaluation time minus event time for CloudTrail, flow end time for flow logs): end-to-end freshness, by log kind.
-- table: k8s_audit
-- value: seconds
-- labels: kind
-- serves: pipeline · end-to-end freshness
-- variants: Every record with a time (the stage's time).
-- leaves out: Records without a time.
SELECT 'k8s_audit' AS kind, date_part('epoch', now()) - date_part('epoch', "stage_time") AS seconds
FROM k8s_audit
WHERE "stage_time" IS NOT NULL
