-- metric: trailflow.lb_controller.calls
-- instrument: counter
-- unit: {call}
-- description: Elastic Load Balancing and EC2 calls made by the AWS Load Balancer Controller (the `lb_controller` role patterns), by action and outcome (success, throttled, access_denied, error).
-- table: cloudtrail
-- value: calls
-- labels: caller_role, event_name, outcome, error_code
-- serves: C10 · "Ingress controller reconcile queue depth alerting before AWS API storm"; "Insufficient ec2:* permissions surface as Ingress Events only"
SELECT caller_role, event_name, outcome, error_code, COUNT(*) AS calls
FROM (
    SELECT
        c.session_issuer_arn AS caller_role,
        c.event_name,
        CASE
            WHEN c.error_code IS NULL THEN 'success'
            WHEN c.error_code IN ('Throttling', 'ThrottlingException', 'RequestLimitExceeded') THEN 'throttled'
            WHEN c.error_code IN ('AccessDenied', 'AccessDeniedException') OR c.error_code LIKE '%UnauthorizedOperation' THEN 'access_denied'
            ELSE 'error'
        END AS outcome,
        c.error_code
    FROM cloudtrail AS c
    WHERE c.event_source IN ('elasticloadbalancing.amazonaws.com', 'ec2.amazonaws.com')
      AND EXISTS (SELECT 1 FROM role_patterns AS p WHERE p.kind = 'lb_controller' AND c.session_issuer_arn LIKE p.pattern)
) AS calls
GROUP BY caller_role, event_name, outcome, error_code
