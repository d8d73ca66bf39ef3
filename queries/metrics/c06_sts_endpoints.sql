-- metric: trailflow.sts.calls
-- instrument: counter
-- unit: {call}
-- description: All STS calls by region, endpoint kind (global sts.amazonaws.com, regional, vpce) and outcome; Throttling and RequestLimitExceeded show fleets outgrowing STS.
-- table: cloudtrail
-- value: calls
-- labels: region, endpoint, outcome, error_code
-- serves: C6 · "STS throttling globally: regional STS endpoints"; "Private clusters mandate STS VPC endpoints"
SELECT region, endpoint, outcome, error_code, COUNT(*) AS calls
FROM (
    SELECT
        aws_region AS region,
        CASE
            WHEN vpc_endpoint_id IS NOT NULL THEN 'vpce'
            WHEN tls_client_host = 'sts.amazonaws.com' THEN 'global'
            WHEN tls_client_host LIKE 'sts.%.amazonaws.com%' THEN 'regional'
            ELSE 'unknown'
        END AS endpoint,
        CASE
            WHEN error_code IS NULL THEN 'success'
            WHEN error_code IN ('Throttling', 'ThrottlingException', 'RequestLimitExceeded') THEN 'throttled'
            ELSE 'error'
        END AS outcome,
        error_code
    FROM cloudtrail
    WHERE event_source = 'sts.amazonaws.com'
) AS sts
GROUP BY region, endpoint, outcome, error_code
