-- metric: trailflow.route53.changes
-- instrument: counter
-- unit: {request}
-- description: Route 53 ChangeResourceRecordSets calls by ExternalDNS (the `external_dns` role patterns), by hosted zone, caller role and outcome (success, backlog for PriorRequestNotComplete, throttled, access_denied, error): backlog and throttling mean ExternalDNS is outrunning Route 53.
-- table: cloudtrail
-- value: requests
-- labels: hosted_zone_id, caller_role, outcome, error_code, account, region
-- fold: hosted_zone_id
-- serves: C9 · "Route53 RRSet change backlog length for noisy ExternalDNS deploys"
-- variants: route53.amazonaws.com ChangeResourceRecordSets whose caller's role (the session issuer, or the caller itself) matches `lookups.external_dns_role_patterns`.
-- leaves out: Record changes by anyone else (cert-manager, Terraform, people): they share Route 53's per-account rate but are not ExternalDNS's churn.
SELECT hosted_zone_id, caller_role, outcome, error_code, account, region, COUNT(*) AS requests
FROM (
    SELECT
        hosted_zone_id,
        COALESCE(session_issuer_arn, identity_arn) AS caller_role,
        CASE WHEN error_code = 'PriorRequestNotComplete' THEN 'backlog' ELSE outcome(error_code) END AS outcome,
        error_code,
        recipient_account_id AS account,
        aws_region AS region
    FROM cloudtrail
    WHERE event_source = 'route53.amazonaws.com' AND event_name = 'ChangeResourceRecordSets'
) AS changes
WHERE role_is('external_dns', caller_role)
GROUP BY hosted_zone_id, caller_role, outcome, error_code, account, region
