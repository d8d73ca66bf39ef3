-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE EXTERNAL TABLE IF NOT EXISTS `k8s_audit` (
  `audit_id` string COMMENT '`auditID`, shared by the stages of one request.',
  `stage` string COMMENT '`stage`: `RequestReceived`, `ResponseStarted`, `ResponseComplete`, `Panic`.',
  `level` string COMMENT '`level`: `Metadata`, `Request`, `RequestResponse`.',
  `verb` string COMMENT '`verb`: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, ...',
  `request_uri` string COMMENT '`requestURI`.',
  `user_username` string COMMENT '`user.username` (an IAM principal is mapped to a name by EKS, e.g. `kubernetes-admin` or `arn:aws:sts::...:assumed-role/...`).',
  `user_groups` string COMMENT '`user.groups`, JSON text array.',
  `user_arn` string COMMENT '`user.extra["arn"]`: the IAM ARN behind an EKS user, when the authenticator adds it.',
  `impersonated_user` string COMMENT '`impersonatedUser.username`.',
  `source_ips` string COMMENT '`sourceIPs`, comma-separated.',
  `user_agent` string COMMENT '`userAgent`.',
  `object_resource` string COMMENT '`objectRef.resource`, e.g. `configmaps`, `pods`.',
  `object_subresource` string COMMENT '`objectRef.subresource`, e.g. `eviction`, `exec`.',
  `object_namespace` string COMMENT '`objectRef.namespace`.',
  `object_name` string COMMENT '`objectRef.name`.',
  `object_api_group` string COMMENT '`objectRef.apiGroup` (empty for the core group is null).',
  `object_api_version` string COMMENT '`objectRef.apiVersion`.',
  `response_code` bigint COMMENT '`responseStatus.code`.',
  `response_reason` string COMMENT '`responseStatus.reason`, e.g. `Forbidden`, `TooManyRequests`.',
  `response_message` string COMMENT '`responseStatus.message`.',
  `request_received_time` timestamp COMMENT '`requestReceivedTimestamp`, UTC.',
  `stage_time` timestamp COMMENT '`stageTimestamp`, UTC; `stage_time - request_received_time` is how long the API server took.',
  `annotations` string COMMENT '`annotations`, JSON text (authorization decision and reason, Pod Security audit violations, ...).',
  `authorization_decision` string COMMENT '`annotations["authorization.k8s.io/decision"]`: `allow` or `forbid`.',
  `pod_security_violations` string COMMENT '`annotations["pod-security.kubernetes.io/audit-violations"]`: what a pod would violate under the namespace''s audit level.',
  `role_ref` string COMMENT 'For role bindings and cluster role bindings: `requestObject.roleRef.name` (needs the `Request` level or above).',
  `subjects` string COMMENT 'For role bindings and cluster role bindings: the `kind:name` of `requestObject.subjects`, comma-separated.',
  `pod_security_enforce` string COMMENT 'For namespaces: `requestObject.metadata.labels["pod-security.kubernetes.io/enforce"]`, empty text when the labels lack it (null when the event carries no object).',
  `cluster` string COMMENT 'EKS cluster, from the CloudWatch log group `/aws/eks/<cluster>/cluster`.',
  `log_stream` string COMMENT 'CloudWatch log stream, e.g. `kube-apiserver-audit-<id>`.'
)
PARTITIONED BY (`account` string, `region` string, `date` string)
STORED AS PARQUET
LOCATION '{{archive_url}}/k8s_audit/'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.account.type' = 'enum',
  'projection.account.values' = '{{accounts}}',
  'projection.region.type' = 'enum',
  'projection.region.values' = 'unknown',
  'projection.date.type' = 'date',
  'projection.date.format' = 'yyyy-MM-dd',
  'projection.date.range' = '{{start_date}},NOW',
  'projection.date.interval' = '1',
  'projection.date.interval.unit' = 'DAYS',
  'storage.location.template' = '{{archive_url}}/k8s_audit/account=${account}/region=${region}/date=${date}'
);
