-- metric: trailflow.flow.rejected
-- instrument: counter
-- unit: {flow}
-- description: Rejected flow records by interface, VPC, subnet, AZ, direction, destination port (ports of 32768 and up are `ephemeral`), protocol and reject reason.
-- table: flowlog
-- value: flows
-- labels: interface_id, vpc_id, subnet_id, az_id, direction, dstport, protocol, reject_reason
-- serves: F1 · "Security group DENY saved queries"; "Overlapping LB SG rules"
SELECT interface_id, vpc_id, subnet_id, az_id, direction, dstport, protocol, reject_reason, COUNT(*) AS flows
FROM (
    SELECT
        interface_id,
        vpc_id,
        subnet_id,
        az_id,
        flow_direction AS direction,
        CASE WHEN dstport >= 32768 THEN 'ephemeral' ELSE CAST(dstport AS VARCHAR) END AS dstport,
        CAST(protocol AS VARCHAR) AS protocol,
        reject_reason
    FROM flowlog
    WHERE action = 'REJECT'
) AS rejected
GROUP BY interface_id, vpc_id, subnet_id, az_id, direction, dstport, protocol, reject_reason
