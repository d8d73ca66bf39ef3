-- metric: trailflow.node_role.workload_calls
-- instrument: counter
-- unit: {call}
-- description: Application API calls (SQS, DynamoDB, Secrets Manager, KMS, SSM parameters, S3 objects) made with a node instance role from an instance session (i-...): a pod falling back to the node's credentials. Node roles are the `node` patterns of the role_patterns lookup.
-- table: cloudtrail
-- value: calls
-- labels: node_role_arn, event_source, event_name
-- serves: C7 · "Creds silently too powerful: workload uses node IAM role fallback"
SELECT session_issuer_arn AS node_role_arn, event_source, event_name, COUNT(*) AS calls
FROM cloudtrail AS c
WHERE split_part(c.identity_arn, '/', 3) LIKE 'i-%'
  AND EXISTS (SELECT 1 FROM role_patterns AS p WHERE p.kind = 'node' AND c.session_issuer_arn LIKE p.pattern)
  AND (
        c.event_source IN ('sqs.amazonaws.com', 'dynamodb.amazonaws.com', 'secretsmanager.amazonaws.com', 'kms.amazonaws.com')
     OR (c.event_source = 'ssm.amazonaws.com' AND c.event_name LIKE 'GetParameter%')
     OR (c.event_source = 's3.amazonaws.com' AND c.event_name IN ('GetObject', 'PutObject', 'DeleteObject', 'DeleteObjects', 'CopyObject', 'HeadObject'))
  )
GROUP BY session_issuer_arn, event_source, event_name
