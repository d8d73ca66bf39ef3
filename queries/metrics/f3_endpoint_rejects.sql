-- metric: trailflow.flow.aws_endpoint_rejected
-- instrument: counter
-- unit: {flow}
-- description: Rejected flows toward AWS APIs: to a VPC endpoint address of the vpc_endpoints lookup (service from the lookup) or with pkt-dst-aws-service set (service from the record), by service and subnet.
-- table: flowlog
-- value: flows
-- labels: service, subnet_id
-- serves: F3 · "APIServer timeouts when endpoint SG blocks node SG"; "flaky IRSA timeouts during rollout storms"
SELECT service, subnet_id, COUNT(*) AS flows
FROM (
    SELECT COALESCE(e.service, f.pkt_dst_aws_service) AS service, f.subnet_id
    FROM flowlog AS f
    LEFT JOIN vpc_endpoints AS e ON f.dstaddr = e.address
    WHERE f.action = 'REJECT' AND (e.service IS NOT NULL OR f.pkt_dst_aws_service IS NOT NULL)
) AS rejected
GROUP BY service, subnet_id
