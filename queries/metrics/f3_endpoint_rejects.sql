-- metric: trailflow.flow.aws_endpoint_rejected
-- instrument: counter
-- unit: {flow}
-- description: Rejected flows toward AWS service APIs: to a VPC endpoint address of the vpc_endpoints lookup (service from the lookup) or to an address whose pkt-dst-aws-service names a service API (service from the record, lower-cased), by service and subnet.
-- table: flowlog
-- value: flows
-- labels: service, subnet_id, account, region
-- serves: F3 · "APIServer timeouts when endpoint SG blocks node SG"; "flaky IRSA timeouts during rollout storms"
-- variants: REJECT records to a configured interface-endpoint address (any flow-log version), and v5+ records with pkt-dst-aws-service such as S3, DYNAMODB, ROUTE53, API_GATEWAY.
-- leaves out: pkt-dst-aws-service values that cover hosts rather than a service's API: AMAZON and EC2 (any EC2-hosted address), CLOUDFRONT and GLOBALACCELERATOR (customers' content), ROUTE53_HEALTHCHECKS*, CHIME_*, WORKSPACES_GATEWAYS.
SELECT service, subnet_id, account, region, COUNT(*) AS flows
FROM (
    SELECT COALESCE(e.service, lower(f.pkt_dst_aws_service)) AS service, f.subnet_id,
           f.account_id AS account, f.region
    FROM flowlog AS f
    LEFT JOIN vpc_endpoints AS e ON f.dstaddr = e.address
    WHERE f.action = 'REJECT'
      AND (e.service IS NOT NULL
           OR (f.pkt_dst_aws_service IS NOT NULL
               AND f.pkt_dst_aws_service NOT IN ('AMAZON', 'EC2', 'CLOUDFRONT', 'GLOBALACCELERATOR', 'ROUTE53_HEALTHCHECKS',
                                                 'ROUTE53_HEALTHCHECKS_PUBLISHING', 'CHIME_MEETINGS', 'CHIME_VOICECONNECTOR',
                                                 'WORKSPACES_GATEWAYS')))
) AS rejected
GROUP BY service, subnet_id, account, region
