-- metric: trailflow.records
-- instrument: counter
-- unit: {record}
-- description: Records that reached the metric engine, by log kind.
-- table: cloudtrail
-- value: records
-- labels: kind
-- serves: pipeline · records processed by log kind
SELECT 'cloudtrail' AS kind, COUNT(*) AS records FROM cloudtrail
