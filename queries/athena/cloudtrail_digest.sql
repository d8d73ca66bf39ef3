-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE EXTERNAL TABLE IF NOT EXISTS `cloudtrail_digest` (
  `digest_start_time` timestamp COMMENT '`digestStartTime`, UTC.',
  `digest_end_time` timestamp COMMENT '`digestEndTime`, UTC.',
  `aws_account_id` string COMMENT '`awsAccountId`: the account the digest covers.',
  `digest_s3_bucket` string COMMENT '`digestS3Bucket`.',
  `digest_s3_object` string COMMENT '`digestS3Object`: the key of this digest file.',
  `previous_digest_s3_object` string COMMENT '`previousDigestS3Object`: the digest before this one (the chain).',
  `log_s3_bucket` string COMMENT '`logFiles[].s3Bucket`.',
  `log_s3_object` string COMMENT '`logFiles[].s3Object`: a log file this digest vouches for.',
  `log_hash_value` string COMMENT '`logFiles[].hashValue` (hex).',
  `log_hash_algorithm` string COMMENT '`logFiles[].hashAlgorithm`, e.g. `SHA-256`.',
  `log_oldest_event_time` timestamp COMMENT '`logFiles[].oldestEventTime`, UTC.',
  `log_newest_event_time` timestamp COMMENT '`logFiles[].newestEventTime`, UTC.'
)
PARTITIONED BY (`account` string, `region` string, `date` string)
STORED AS PARQUET
LOCATION '{{archive_url}}/cloudtrail_digest/'
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
  'storage.location.template' = '{{archive_url}}/cloudtrail_digest/account=${account}/region=${region}/date=${date}'
);
