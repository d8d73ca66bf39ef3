-- metric: trailflow.flow.skipped_records
-- instrument: counter
-- unit: {record}
-- description: SKIPDATA flow-log records by interface: flow records AWS could not write in the aggregation interval (an internal capacity limit or error). Traffic on these interfaces went unrecorded: the alertable gap in evidence.
-- table: flowlog
-- value: records
-- labels: interface_id, account, region
-- fold: interface_id
-- serves: F4 · gaps in evidence
-- variants: log-status SKIPDATA records of any version, text or Parquet.
-- leaves out: NODATA (trailflow.flow.idle_records), which is normal.
SELECT interface_id, account_id AS account, region, COUNT(*) AS records
FROM flowlog
WHERE log_status = 'SKIPDATA'
GROUP BY interface_id, account_id, region
