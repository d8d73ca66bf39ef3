-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE TABLE IF NOT EXISTS {{schema}}."k8s_audit" (
  "audit_id" varchar COMMENT '`auditID`, shared by the stages of one request.',
  "stage" varchar COMMENT '`stage`: `RequestReceived`, `ResponseStarted`, `ResponseComplete`, `Panic`.',
  "level" varchar COMMENT '`level`: `Metadata`, `Request`, `RequestResponse`.',
  "verb" varchar COMMENT '`verb`: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, ...',
  "request_uri" varchar COMMENT '`requestURI`.',
  "user_username" varchar COMMENT '`user.username` (an IAM principal is mapped to a name by EKS, e.g. `kubernetes-admin` or `arn:aws:sts::...:assumed-role/...`).',
  "user_groups" varchar COMMENT '`user.groups`, JSON text array.',
  "user_arn" varchar COMMENT '`user.extra["arn"]`: the IAM ARN behind an EKS user, when the authenticator adds it.',
  "impersonated_user" varchar COMMENT '`impersonatedUser.username`.',
  "source_ips" varchar COMMENT '`sourceIPs`, comma-separated.',
  "user_agent" varchar COMMENT '`userAgent`.',
  "object_resource" varchar COMMENT '`objectRef.resource`, e.g. `configmaps`, `pods`.',
  "object_subresource" varchar COMMENT '`objectRef.subresource`, e.g. `eviction`, `exec`.',
  "object_namespace" varchar COMMENT '`objectRef.namespace`.',
  "object_name" varchar COMMENT '`objectRef.name`.',
  "object_api_group" varchar COMMENT '`objectRef.apiGroup` (empty for the core group is null).',
  "object_api_version" varchar COMMENT '`objectRef.apiVersion`.',
  "response_code" bigint COMMENT '`responseStatus.code`.',
  "response_reason" varchar COMMENT '`responseStatus.reason`, e.g. `Forbidden`, `TooManyRequests`.',
  "response_message" varchar COMMENT '`responseStatus.message`.',
  "request_received_time" timestamp(3) COMMENT '`requestReceivedTimestamp`, UTC.',
  "stage_time" timestamp(3) COMMENT '`stageTimestamp`, UTC; `stage_time - request_received_time` is how long the API server took.',
  "annotations" varchar COMMENT '`annotations`, JSON text (authorization decision and reason, Pod Security audit violations, ...).',
  "authorization_decision" varchar COMMENT '`annotations["authorization.k8s.io/decision"]`: `allow` or `forbid`.',
  "pod_security_violations" varchar COMMENT '`annotations["pod-security.kubernetes.io/audit-violations"]`: what a pod would violate under the namespace''s audit level.',
  "role_ref" varchar COMMENT 'For role bindings and cluster role bindings: `requestObject.roleRef.name` (needs the `Request` level or above).',
  "subjects" varchar COMMENT 'For role bindings and cluster role bindings: the `kind:name` of `requestObject.subjects`, comma-separated.',
  "pod_security_enforce" varchar COMMENT 'For namespaces: `requestObject.metadata.labels["pod-security.kubernetes.io/enforce"]`, empty text when the labels lack it (null when the event carries no object).',
  "cluster" varchar COMMENT 'EKS cluster, from the CloudWatch log group `/aws/eks/<cluster>/cluster`.',
  "log_stream" varchar COMMENT 'CloudWatch log stream, e.g. `kube-apiserver-audit-<id>`.',
  "account" varchar,
  "region" varchar,
  "date" varchar
)
WITH (
  external_location = '{{archive_url}}/k8s_audit',
  format = 'PARQUET',
  partitioned_by = ARRAY['account', 'region', 'date']
);
-- New partitions appear after a sync (run it daily, or after `trailflow archive`):
CALL system.sync_partition_metadata('{{schema}}', 'k8s_audit', 'ADD');
