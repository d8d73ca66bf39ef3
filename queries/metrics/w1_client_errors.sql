-- metric: trailflow.elb.client_errors
-- instrument: counter
-- unit: {request}
-- description: 4xx responses of Application and Classic load balancers by host (of the request URL, lowercase, without its port), origin (waf: AWS WAF blocked it, the load balancer's actions include waf and no target answered; target: the application's own 4xx; elb: the load balancer's, e.g. 460, 463), status code, load balancer, account and region. Beside trailflow.waf.requests, it says whether clients see WAF blocks or the application's 4xx.
-- table: elb_access
-- value: requests
-- labels: host, origin, status, elb, account, region
-- fold: host, elb
-- serves: W1 · "WAF blocks vs application 4xx"
-- variants: ALB and CLB entries with elb_status_code 400-499.
-- leaves out: CloudFront and API Gateway, which have no ELB access log (their WAF blocks are in trailflow.waf.requests).
SELECT host, origin, status, elb, account, region, COUNT(*) AS requests
FROM (
    SELECT
        lower(split_part(split_part(split_part(request_url, '://', 2), '/', 1), ':', 1)) AS host,
        CASE
            WHEN target_status_code BETWEEN 400 AND 499 THEN 'target'
            WHEN target_status_code IS NULL AND actions_executed LIKE '%waf%' THEN 'waf'
            ELSE 'elb'
        END AS origin,
        CAST(elb_status_code AS VARCHAR) AS status,
        elb,
        account,
        region
    FROM elb_access
    WHERE elb_status_code BETWEEN 400 AND 499
) AS errors
GROUP BY host, origin, status, elb, account, region
