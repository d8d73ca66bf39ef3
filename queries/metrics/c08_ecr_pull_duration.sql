-- metric: trailflow.ecr.pull.duration
-- instrument: histogram
-- unit: s
-- description: Image pull duration: from a caller's BatchGetImage on a repository to its last GetDownloadUrlForLayer on the same repository within 10 minutes, by repository and AZ. A pull split across two windows is measured in the window that holds its BatchGetImage.
-- table: cloudtrail
-- value: seconds
-- labels: repository, az
-- serves: C8 · "ECR image pull durations split by repo and node AZ"
SELECT
    p.ecr_repository AS repository,
    COALESCE(subnet_az(p.source_ip), 'unknown') AS az,
    date_part('epoch', MAX(l.event_time)) - date_part('epoch', p.event_time) AS seconds
FROM cloudtrail AS p
JOIN cloudtrail AS l
  ON l.identity_arn = p.identity_arn
 AND l.ecr_repository = p.ecr_repository
 AND l.event_name = 'GetDownloadUrlForLayer'
 AND l.error_code IS NULL
 AND l.event_time >= p.event_time
 AND l.event_time <= p.event_time + INTERVAL '10 minutes'
WHERE p.event_source = 'ecr.amazonaws.com'
  AND p.event_name = 'BatchGetImage'
  AND p.error_code IS NULL
GROUP BY p.identity_arn, p.ecr_repository, p.event_time, p.source_ip
