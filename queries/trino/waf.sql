-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE TABLE IF NOT EXISTS {{schema}}."waf" (
  "timestamp" timestamp(3) COMMENT '`timestamp` (milliseconds since the epoch), UTC.',
  "format_version" bigint COMMENT '`formatVersion`.',
  "web_acl_id" varchar COMMENT '`webaclId`: the web ACL''s ARN (WAF classic: its id).',
  "web_acl_name" varchar COMMENT 'Web ACL name, from `webaclId`.',
  "action" varchar COMMENT '`action`: `ALLOW`, `BLOCK`, `COUNT`, `CAPTCHA`, `CHALLENGE`.',
  "terminating_rule_id" varchar COMMENT '`terminatingRuleId`: the rule that decided (`Default_Action` when none matched).',
  "terminating_rule_type" varchar COMMENT '`terminatingRuleType`: `REGULAR`, `RATE_BASED`, `GROUP`, `MANAGED_RULE_GROUP`.',
  "terminating_rule_match_details" varchar COMMENT '`terminatingRuleMatchDetails`, JSON text.',
  "http_source_name" varchar COMMENT '`httpSourceName`: `ALB`, `CF`, `APIGW`, `APPSYNC`, `COGNITOIDP`, ...',
  "http_source_id" varchar COMMENT '`httpSourceId`: the protected resource.',
  "client_ip" varchar COMMENT '`httpRequest.clientIp`.',
  "country" varchar COMMENT '`httpRequest.country`.',
  "uri" varchar COMMENT '`httpRequest.uri`.',
  "args" varchar COMMENT '`httpRequest.args`, the query string.',
  "http_version" varchar COMMENT '`httpRequest.httpVersion`.',
  "http_method" varchar COMMENT '`httpRequest.httpMethod`.',
  "host" varchar COMMENT 'The request''s `Host` header.',
  "request_id" varchar COMMENT '`httpRequest.requestId` (CloudFront: its request id).',
  "headers" varchar COMMENT '`httpRequest.headers` as JSON text `[{"name", "value"}]`; the values of `Authorization`, `Proxy-Authorization` and `Cookie` are replaced by `REDACTED` while decoding.',
  "response_code_sent" bigint COMMENT '`responseCodeSent`: the status of a custom block response.',
  "labels" varchar COMMENT 'Names of the labels added to the request (`labels[].name`), JSON text array.',
  "rule_group_list" varchar COMMENT '`ruleGroupList`, JSON text.',
  "non_terminating_matching_rules" varchar COMMENT '`nonTerminatingMatchingRules` (COUNT matches), JSON text.',
  "rate_based_rule_list" varchar COMMENT '`rateBasedRuleList`, JSON text.',
  "ja3_fingerprint" varchar COMMENT '`ja3Fingerprint` of the TLS client hello.',
  "account" varchar,
  "region" varchar,
  "date" varchar
)
WITH (
  external_location = '{{archive_url}}/waf',
  format = 'PARQUET',
  partitioned_by = ARRAY['account', 'region', 'date']
);
-- New partitions appear after a sync (run it daily, or after `trailflow archive`):
CALL system.sync_partition_metadata('{{schema}}', 'waf', 'ADD');
