-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE TABLE IF NOT EXISTS {{schema}}."cloudtrail_digest" (
  "digest_start_time" timestamp(3) COMMENT '`digestStartTime`, UTC.',
  "digest_end_time" timestamp(3) COMMENT '`digestEndTime`, UTC.',
  "aws_account_id" varchar COMMENT '`awsAccountId`: the account the digest covers.',
  "digest_s3_bucket" varchar COMMENT '`digestS3Bucket`.',
  "digest_s3_object" varchar COMMENT '`digestS3Object`: the key of this digest file.',
  "previous_digest_s3_object" varchar COMMENT '`previousDigestS3Object`: the digest before this one (the chain).',
  "log_s3_bucket" varchar COMMENT '`logFiles[].s3Bucket`.',
  "log_s3_object" varchar COMMENT '`logFiles[].s3Object`: a log file this digest vouches for.',
  "log_hash_value" varchar COMMENT '`logFiles[].hashValue` (hex).',
  "log_hash_algorithm" varchar COMMENT '`logFiles[].hashAlgorithm`, e.g. `SHA-256`.',
  "log_oldest_event_time" timestamp(3) COMMENT '`logFiles[].oldestEventTime`, UTC.',
  "log_newest_event_time" timestamp(3) COMMENT '`logFiles[].newestEventTime`, UTC.',
  "account" varchar,
  "region" varchar,
  "date" varchar
)
WITH (
  external_location = '{{archive_url}}/cloudtrail_digest',
  format = 'PARQUET',
  partitioned_by = ARRAY['account', 'region', 'date']
);
-- New partitions appear after a sync (run it daily, or after `trailflow archive`):
CALL system.sync_partition_metadata('{{schema}}', 'cloudtrail_digest', 'ADD');
