-- metric: trailflow.ecr.requests
-- instrument: counter
-- unit: {request}
-- description: ECR image-pull API calls (BatchGetImage, GetDownloadUrlForLayer, GetAuthorizationToken) by repository, API, outcome (success, throttled, access_denied, error) and the caller's Availability Zone (from the subnet_azs lookup; `unknown` when no subnet matches).
-- table: cloudtrail
-- value: requests
-- labels: repository, api, outcome, error_code, az, account, region
-- fold: repository
-- serves: C8 · "ECR image pull durations split by repo and node AZ"
-- variants: ecr.amazonaws.com BatchGetImage, GetDownloadUrlForLayer and GetAuthorizationToken (which names no repository), from any caller.
-- leaves out: The owner's copy of a pull from another account's registry when the pulling account is logged too (one pull, counted once).
SELECT repository, api, outcome, error_code, az, account, region, COUNT(*) AS requests
FROM (
    SELECT
        ecr_repository AS repository,
        event_name AS api,
        outcome(error_code) AS outcome,
        error_code,
        COALESCE(subnet_az(source_ip), 'unknown') AS az,
        recipient_account_id AS account,
        aws_region AS region
    FROM cloudtrail
    WHERE event_source = 'ecr.amazonaws.com'
      AND event_name IN ('BatchGetImage', 'GetDownloadUrlForLayer', 'GetAuthorizationToken')
      AND counted_copy(event_copy, identity_account_id) <> 'duplicate'
) AS pulls
GROUP BY repository, api, outcome, error_code, az, account, region
