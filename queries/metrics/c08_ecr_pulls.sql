-- metric: trailflow.ecr.requests
-- instrument: counter
-- unit: {request}
-- description: ECR image-pull API calls (BatchGetImage, GetDownloadUrlForLayer, GetAuthorizationToken) by repository, outcome and the caller's Availability Zone (from the subnet_azs lookup; `unknown` when no subnet matches).
-- table: cloudtrail
-- value: requests
-- labels: repository, api, outcome, error_code, az
-- serves: C8 · "ECR image pull durations split by repo and node AZ"
SELECT repository, api, outcome, error_code, az, COUNT(*) AS requests
FROM (
    SELECT
        ecr_repository AS repository,
        event_name AS api,
        CASE WHEN error_code IS NULL THEN 'success' ELSE 'failure' END AS outcome,
        error_code,
        COALESCE(subnet_az(source_ip), 'unknown') AS az
    FROM cloudtrail
    WHERE event_source = 'ecr.amazonaws.com'
      AND event_name IN ('BatchGetImage', 'GetDownloadUrlForLayer', 'GetAuthorizationToken')
) AS pulls
GROUP BY repository, api, outcome, error_code, az
