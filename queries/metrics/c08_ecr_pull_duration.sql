-- metric: trailflow.ecr.pull.duration
-- instrument: histogram
-- unit: s
-- description: Image pull duration, one observation per pull: from the first to the last ECR call of one node session on one repository, where a pull ends at a gap of more than 5 minutes between calls or when a new manifest request follows layer requests; by repository and AZ of the caller.
-- table: cloudtrail
-- value: seconds
-- labels: repository, az, account, region
-- fold: repository
-- serves: C8 · "ECR image pull durations split by repo and node AZ"
-- variants: Successful BatchGetImage (manifest) and GetDownloadUrlForLayer (layer) calls by the same identity (a node's assumed-role session i-...) on the same repository. The AZ is the `subnet_azs` zone of the caller's address.
-- leaves out: Manifest checks that fetch no layer (the image was cached: nothing was pulled), layer requests without a manifest request before them (a pull split across windows), layers served from a pull-through cache or another registry, and pulls split across two windows (each part is measured where it falls). Two images of one repository pulled by one node at the same moment count as one pull: layer requests do not name their image.
SELECT repository, MIN(az) AS az, MIN(account) AS account, MIN(region) AS region, date_part('epoch', MAX(event_time)) - date_part('epoch', MIN(event_time)) AS seconds
FROM (
    SELECT
        repository,
        identity_arn,
        event_time,
        event_name,
        az,
        account,
        region,
        SUM(starts) OVER (PARTITION BY identity_arn, repository ORDER BY event_time, event_name ROWS UNBOUNDED PRECEDING) AS pull
    FROM (
        SELECT
            ecr_repository AS repository,
            identity_arn,
            event_time,
            event_name,
            COALESCE(subnet_az(source_ip), 'unknown') AS az,
            recipient_account_id AS account,
            aws_region AS region,
            CASE
                WHEN LAG(event_time) OVER (PARTITION BY identity_arn, ecr_repository ORDER BY event_time, event_name) IS NULL THEN 1
                WHEN event_time > LAG(event_time) OVER (PARTITION BY identity_arn, ecr_repository ORDER BY event_time, event_name) + INTERVAL '5 minutes' THEN 1
                WHEN event_name = 'BatchGetImage'
                 AND LAG(event_name) OVER (PARTITION BY identity_arn, ecr_repository ORDER BY event_time, event_name) = 'GetDownloadUrlForLayer' THEN 1
                ELSE 0
            END AS starts
        FROM cloudtrail AS c
        WHERE event_source = 'ecr.amazonaws.com'
          AND event_name IN ('BatchGetImage', 'GetDownloadUrlForLayer')
          AND error_code IS NULL
          AND identity_arn IS NOT NULL
          AND ecr_repository IS NOT NULL
          AND event_time IS NOT NULL
          -- Most manifest requests find the image cached: only sessions that fetched a layer
          -- of the repository can hold a pull, and the others skip the window pass.
          AND EXISTS (
              SELECT 1 FROM cloudtrail AS l
              WHERE l.event_name = 'GetDownloadUrlForLayer'
                AND l.error_code IS NULL
                AND l.identity_arn = c.identity_arn
                AND l.ecr_repository = c.ecr_repository
          )
    ) AS steps
) AS calls
GROUP BY identity_arn, repository, pull
HAVING SUM(CASE WHEN event_name = 'GetDownloadUrlForLayer' THEN 1 ELSE 0 END) > 0
   AND SUM(CASE WHEN event_name = 'BatchGetImage' THEN 1 ELSE 0 END) > 0
