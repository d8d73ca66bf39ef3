-- metric: trailflow.node_role.workload_calls
-- instrument: counter
-- unit: {call}
-- description: Application API calls (SQS, DynamoDB, Secrets Manager, KMS, SSM parameters, S3 objects) made with a node instance role from an instance session (i-...): a pod falling back to the node's credentials. Node roles are the `node` role patterns.
-- table: cloudtrail
-- value: calls
-- labels: node_role_arn, event_source, event_name, account, region
-- fold: node_role_arn
-- serves: C7 · "Creds silently too powerful: workload uses node IAM role fallback"
-- variants: Calls whose userIdentity is an assumed-role session of a node role named after an EC2 instance (i-...). S3 object, SQS and DynamoDB item calls are data events: they reach CloudTrail only when the trail logs data events for them.
-- leaves out: Calls a service made on the node's behalf (userIdentity.invokedBy set: an S3 replication, a KMS call by EBS), which no pod made; the node's own calls to EC2, ECR and EKS, which nodes need.
SELECT session_issuer_arn AS node_role_arn, event_source, event_name,
       recipient_account_id AS account, aws_region AS region, COUNT(*) AS calls
FROM cloudtrail
WHERE (
        event_source IN ('sqs.amazonaws.com', 'dynamodb.amazonaws.com', 'secretsmanager.amazonaws.com', 'kms.amazonaws.com')
     OR (event_source = 'ssm.amazonaws.com' AND event_name LIKE 'GetParameter%')
     OR (event_source = 's3.amazonaws.com' AND event_name IN ('GetObject', 'PutObject', 'DeleteObject', 'DeleteObjects', 'CopyObject', 'HeadObject'))
  )
  AND invoked_by IS NULL
  AND split_part(identity_arn, '/', 3) LIKE 'i-%'
  AND role_is('node', session_issuer_arn)
GROUP BY session_issuer_arn, event_source, event_name, recipient_account_id, aws_region
