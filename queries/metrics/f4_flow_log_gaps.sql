-- metric: trailflow.flow.gap_records
-- instrument: counter
-- unit: {record}
-- description: Flow-log records that carry no traffic evidence, by interface and status: NODATA (no traffic in the interval) and SKIPDATA (records skipped, e.g. capacity).
-- table: flowlog
-- value: records
-- labels: interface_id, status
-- serves: F4 · gaps in evidence
SELECT interface_id, log_status AS status, COUNT(*) AS records
FROM flowlog
WHERE log_status IN ('NODATA', 'SKIPDATA')
GROUP BY interface_id, log_status
