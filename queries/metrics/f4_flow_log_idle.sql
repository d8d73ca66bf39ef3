-- metric: trailflow.flow.idle_records
-- instrument: counter
-- unit: {record}
-- description: NODATA flow-log records by interface: no traffic to or from the interface in the aggregation interval. Normal for an idle interface; for one that should be busy, a sign that traffic goes elsewhere.
-- table: flowlog
-- value: records
-- labels: interface_id, account, region
-- fold: interface_id
-- serves: F4 · gaps in evidence
-- variants: log-status NODATA records of any version, text or Parquet.
-- leaves out: SKIPDATA (trailflow.flow.skipped_records): records lost, not absent traffic.
SELECT interface_id, account_id AS account, region, COUNT(*) AS records
FROM flowlog
WHERE log_status = 'NODATA'
GROUP BY interface_id, account_id, region
