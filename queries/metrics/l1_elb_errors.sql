-- metric: trailflow.elb.server_errors
-- instrument: counter
-- unit: {request}
-- description: 5xx responses of Application and Classic load balancers, by load balancer, target group, origin (elb: the load balancer answered itself because the target gave no response; target: the target's own 5xx), status code, class (timeout for a 504: the target did not answer within the idle timeout; reset for a 502: the target closed, reset or refused the connection or sent a malformed response; unavailable for a 503: no healthy target; elb_error for other ELB-generated 5xx; target for the target's own), the ALB's error reason, account and region.
-- table: elb_access
-- value: requests
-- labels: elb, target_group_arn, origin, status, class, error_reason, account, region
-- fold: target_group_arn, elb
-- serves: L1 · "504s and idle-timeout resets at the load balancer"; ELB vs target 5xx
-- variants: ALB (http, https, h2, grpcs, ws, wss) and CLB entries with elb_status_code 500-599; the target status `-` (null) marks the load balancer's own responses.
-- leaves out: NLB entries (TLS connections have no status code); 4xx (trailflow.elb.client_errors).
SELECT elb, target_group_arn, origin, status, class, error_reason, account, region, COUNT(*) AS requests
FROM (
    SELECT
        elb,
        target_group_arn,
        CASE WHEN target_status_code IS NULL THEN 'elb' ELSE 'target' END AS origin,
        CAST(elb_status_code AS VARCHAR) AS status,
        CASE
            WHEN target_status_code IS NOT NULL THEN 'target'
            WHEN elb_status_code = 504 THEN 'timeout'
            WHEN elb_status_code = 502 THEN 'reset'
            WHEN elb_status_code = 503 THEN 'unavailable'
            ELSE 'elb_error'
        END AS class,
        error_reason,
        account,
        region
    FROM elb_access
    WHERE elb_status_code BETWEEN 500 AND 599
) AS errors
GROUP BY elb, target_group_arn, origin, status, class, error_reason, account, region
