-- metric: trailflow.lb_controller.calls
-- instrument: counter
-- unit: {call}
-- description: Elastic Load Balancing and EC2 calls made by the AWS Load Balancer Controller (the `lb_controller` role patterns), by action and outcome (success, throttled, access_denied, error).
-- table: cloudtrail
-- value: calls
-- labels: caller_role, event_name, outcome, error_code, account, region
-- serves: C10 · "Ingress controller reconcile queue depth alerting before AWS API storm"; "Insufficient ec2:* permissions surface as Ingress Events only"
-- variants: elasticloadbalancing.amazonaws.com and ec2.amazonaws.com events whose session issuer matches `lookups.lb_controller_role_patterns`; EC2's Client.RequestLimitExceeded and Client.UnauthorizedOperation are throttled and access_denied.
-- leaves out: Calls by other roles, and the controller's calls to other services (WAF, Shield, ACM).
SELECT caller_role, event_name, outcome, error_code, account, region, COUNT(*) AS calls
FROM (
    SELECT
        session_issuer_arn AS caller_role,
        event_name,
        outcome(error_code) AS outcome,
        error_code,
        recipient_account_id AS account,
        aws_region AS region
    FROM cloudtrail
    WHERE event_source IN ('elasticloadbalancing.amazonaws.com', 'ec2.amazonaws.com')
      AND role_is('lb_controller', session_issuer_arn)
) AS calls
GROUP BY caller_role, event_name, outcome, error_code, account, region
