-- metric: trailflow.flow.rejected
-- instrument: counter
-- unit: {flow}
-- description: Rejected flow records by interface, VPC, subnet, AZ, direction, destination port class (a port of `lookups.service_ports`, a named range such as `nodeport`, else `other`), protocol number and reject reason. The source addresses and exact ports of a scan are in the ad-hoc query top_rejected_sources.
-- table: flowlog
-- value: flows
-- labels: interface_id, vpc_id, subnet_id, az_id, direction, port, protocol, reject_reason, account, region
-- fold: interface_id, subnet_id
-- serves: F1 · "Security group DENY saved queries"; "Overlapping LB SG rules"
-- variants: action REJECT records of any flow-log version and field order, text or Parquet; direction, reject reason, VPC, subnet and AZ when the log format has them (v3-v8 fields).
-- leaves out: Accepted flows and NODATA/SKIPDATA records (trailflow.flow.idle_records, trailflow.flow.skipped_records). Addresses and exact ports are never labels.
SELECT interface_id, vpc_id, subnet_id, az_id, direction, port, protocol, reject_reason, account, region, COUNT(*) AS flows
FROM (
    SELECT
        interface_id,
        vpc_id,
        subnet_id,
        az_id,
        flow_direction AS direction,
        port_class(dstport) AS port,
        CAST(protocol AS VARCHAR) AS protocol,
        reject_reason,
        account_id AS account,
        region
    FROM flowlog
    WHERE action = 'REJECT'
) AS rejected
GROUP BY interface_id, vpc_id, subnet_id, az_id, direction, port, protocol, reject_reason, account, region
