-- metric: trailflow.records
-- instrument: counter
-- unit: {record}
-- description: Records that reached the metric engine, by log kind.
-- table: flowlog
-- value: records
-- labels: kind
-- serves: pipeline · records processed by log kind
SELECT 'flowlog' AS kind, COUNT(*) AS records FROM flowlog
