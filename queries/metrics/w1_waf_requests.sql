-- metric: trailflow.waf.requests
-- instrument: counter
-- unit: {request}
-- description: Requests AWS WAF inspected, by web ACL, action (ALLOW, BLOCK, COUNT, CAPTCHA, CHALLENGE), the rule that decided (Default_Action when none matched), its type, the request's Host header, account and region.
-- table: waf
-- value: requests
-- labels: web_acl, action, rule, rule_type, host, account, region
-- fold: host, rule
-- serves: W1 · "WAF blocks vs application 4xx"
-- variants: WAF (v2) logs of ALB, CloudFront, API Gateway, AppSync and Cognito web ACLs, delivered to S3 or through Firehose; WAF Classic logs (the ACL id has no name or region).
-- leaves out: Rules that only counted (COUNT matches inside the record: the nonterminating_matching_rules column).
SELECT web_acl, action, "rule", rule_type, host, account, region, COUNT(*) AS requests
FROM (
    SELECT
        COALESCE(web_acl_name, web_acl_id) AS web_acl,
        action,
        terminating_rule_id AS "rule",
        terminating_rule_type AS rule_type,
        lower(split_part(host, ':', 1)) AS host,
        account,
        region
    FROM waf
) AS requests
GROUP BY web_acl, action, "rule", rule_type, host, account, region
