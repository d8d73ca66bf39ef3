-- metric: trailflow.sts.calls
-- instrument: counter
-- unit: {call}
-- description: STS calls by region, endpoint kind (global sts.amazonaws.com, regional, fips, dualstack, vpce, unknown) and outcome (success, throttled, access_denied, error); a throttled global endpoint means SDKs not configured for regional STS.
-- table: cloudtrail
-- value: calls
-- labels: region, endpoint, outcome, error_code, account
-- serves: C6 · "STS throttling globally: regional STS endpoints"; "Private clusters mandate STS VPC endpoints"
-- variants: Every sts.amazonaws.com event, classified by tlsDetails.clientProvidedHostHeader: sts.amazonaws.com (global), sts.REGION.amazonaws.com (regional), sts-fips.REGION.amazonaws.com and sts-fips.REGION.api.aws (fips), sts.REGION.api.aws (dualstack); a vpcEndpointId makes it vpce whatever the host.
-- leaves out: The owner's copy of a cross-account call whose caller's copy is logged too (one call, counted once). Calls without TLS details are `unknown`.
SELECT region, endpoint, outcome, error_code, account, COUNT(*) AS calls
FROM (
    SELECT
        aws_region AS region,
        CASE
            WHEN vpc_endpoint_id IS NOT NULL THEN 'vpce'
            WHEN tls_client_host = 'sts.amazonaws.com' THEN 'global'
            WHEN starts_with(tls_client_host, 'sts-fips.') THEN 'fips'
            WHEN NOT starts_with(tls_client_host, 'sts.') THEN 'unknown'
            WHEN ends_with(tls_client_host, '.api.aws') THEN 'dualstack'
            WHEN ends_with(tls_client_host, '.amazonaws.com') OR ends_with(tls_client_host, '.amazonaws.com.cn') THEN 'regional'
            ELSE 'unknown'
        END AS endpoint,
        outcome(error_code) AS outcome,
        error_code,
        recipient_account_id AS account
    FROM cloudtrail
    WHERE event_source = 'sts.amazonaws.com'
      AND NOT (event_copy = 'owner' AND counted_copy(event_copy, identity_account_id) = 'duplicate')
) AS sts
GROUP BY region, endpoint, outcome, error_code, account
