-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE EXTERNAL TABLE IF NOT EXISTS `waf` (
  `timestamp` timestamp COMMENT '`timestamp` (milliseconds since the epoch), UTC.',
  `format_version` bigint COMMENT '`formatVersion`.',
  `web_acl_id` string COMMENT '`webaclId`: the web ACL''s ARN (WAF classic: its id).',
  `web_acl_name` string COMMENT 'Web ACL name, from `webaclId`.',
  `action` string COMMENT '`action`: `ALLOW`, `BLOCK`, `COUNT`, `CAPTCHA`, `CHALLENGE`.',
  `terminating_rule_id` string COMMENT '`terminatingRuleId`: the rule that decided (`Default_Action` when none matched).',
  `terminating_rule_type` string COMMENT '`terminatingRuleType`: `REGULAR`, `RATE_BASED`, `GROUP`, `MANAGED_RULE_GROUP`.',
  `terminating_rule_match_details` string COMMENT '`terminatingRuleMatchDetails`, JSON text.',
  `http_source_name` string COMMENT '`httpSourceName`: `ALB`, `CF`, `APIGW`, `APPSYNC`, `COGNITOIDP`, ...',
  `http_source_id` string COMMENT '`httpSourceId`: the protected resource.',
  `client_ip` string COMMENT '`httpRequest.clientIp`.',
  `country` string COMMENT '`httpRequest.country`.',
  `uri` string COMMENT '`httpRequest.uri`.',
  `args` string COMMENT '`httpRequest.args`, the query string.',
  `http_version` string COMMENT '`httpRequest.httpVersion`.',
  `http_method` string COMMENT '`httpRequest.httpMethod`.',
  `host` string COMMENT 'The request''s `Host` header.',
  `request_id` string COMMENT '`httpRequest.requestId` (CloudFront: its request id).',
  `headers` string COMMENT '`httpRequest.headers` as JSON text `[{"name", "value"}]`; the values of `Authorization`, `Proxy-Authorization` and `Cookie` are replaced by `REDACTED` while decoding.',
  `response_code_sent` bigint COMMENT '`responseCodeSent`: the status of a custom block response.',
  `labels` string COMMENT 'Names of the labels added to the request (`labels[].name`), JSON text array.',
  `rule_group_list` string COMMENT '`ruleGroupList`, JSON text.',
  `non_terminating_matching_rules` string COMMENT '`nonTerminatingMatchingRules` (COUNT matches), JSON text.',
  `rate_based_rule_list` string COMMENT '`rateBasedRuleList`, JSON text.',
  `ja3_fingerprint` string COMMENT '`ja3Fingerprint` of the TLS client hello.'
)
PARTITIONED BY (`account` string, `region` string, `date` string)
STORED AS PARQUET
LOCATION '{{archive_url}}/waf/'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.account.type' = 'enum',
  'projection.account.values' = '{{accounts}}',
  'projection.region.type' = 'enum',
  'projection.region.values' = '{{regions}}',
  'projection.date.type' = 'date',
  'projection.date.format' = 'yyyy-MM-dd',
  'projection.date.range' = '{{start_date}},NOW',
  'projection.date.interval' = '1',
  'projection.date.interval.unit' = 'DAYS',
  'storage.location.template' = '{{archive_url}}/waf/account=${account}/region=${region}/date=${date}'
);
