-- metric: trailflow.elb.target.response_time
-- instrument: histogram
-- unit: s
-- description: Seconds from the load balancer sending a request to the target to the target starting its response (target_processing_time), by load balancer, target group, account and region.
-- table: elb_access
-- value: seconds
-- labels: elb, target_group_arn, account, region
-- fold: target_group_arn, elb
-- serves: L2 · target response time by target group
-- variants: ALB and CLB entries whose target answered (a timing of -1, no answer, is left out and shows in trailflow.elb.server_errors).
-- leaves out: NLB entries (no request timing), WebSocket sessions' timings beyond the upgrade.
SELECT elb, target_group_arn, account, region, target_processing_time AS seconds
FROM elb_access
WHERE target_processing_time IS NOT NULL
