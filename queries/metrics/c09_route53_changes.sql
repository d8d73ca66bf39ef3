-- metric: trailflow.route53.changes
-- instrument: counter
-- unit: {request}
-- description: Route 53 ChangeResourceRecordSets calls by hosted zone, caller role and outcome; PriorRequestNotComplete and Throttling mean ExternalDNS is outrunning Route 53.
-- table: cloudtrail
-- value: requests
-- labels: hosted_zone_id, caller_role, outcome, error_code
-- serves: C9 · "Route53 RRSet change backlog length for noisy ExternalDNS deploys"
SELECT hosted_zone_id, caller_role, outcome, error_code, COUNT(*) AS requests
FROM (
    SELECT
        hosted_zone_id,
        COALESCE(session_issuer_arn, identity_arn) AS caller_role,
        CASE
            WHEN error_code IS NULL THEN 'success'
            WHEN error_code IN ('Throttling', 'ThrottlingException', 'PriorRequestNotComplete') THEN 'throttled'
            ELSE 'error'
        END AS outcome,
        error_code
    FROM cloudtrail
    WHERE event_source = 'route53.amazonaws.com' AND event_name = 'ChangeResourceRecordSets'
) AS changes
GROUP BY hosted_zone_id, caller_role, outcome, error_code
