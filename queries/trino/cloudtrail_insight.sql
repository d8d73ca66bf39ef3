-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE TABLE IF NOT EXISTS {{schema}}."cloudtrail_insight" (
  "event_time" timestamp(3) COMMENT '`eventTime`, UTC.',
  "event_version" varchar COMMENT '`eventVersion`.',
  "event_id" varchar COMMENT '`eventID`.',
  "shared_event_id" varchar COMMENT '`sharedEventID`, shared by the start and end events of one Insight.',
  "aws_region" varchar COMMENT '`awsRegion`.',
  "recipient_account_id" varchar COMMENT '`recipientAccountId`.',
  "insight_state" varchar COMMENT '`insightDetails.state`: `Start` or `End`.',
  "insight_event_source" varchar COMMENT '`insightDetails.eventSource`: the service whose API activity is unusual.',
  "insight_event_name" varchar COMMENT '`insightDetails.eventName`: the API whose activity is unusual.',
  "insight_type" varchar COMMENT '`insightDetails.insightType`: `ApiCallRateInsight` or `ApiErrorRateInsight`.',
  "insight_error_code" varchar COMMENT '`insightDetails.errorCode` of error-rate Insights.',
  "baseline_average" double COMMENT '`insightDetails.insightContext.statistics.baseline.average`.',
  "insight_average" double COMMENT '`insightDetails.insightContext.statistics.insight.average`.',
  "insight_duration_minutes" bigint COMMENT '`insightDetails.insightContext.statistics.insightDuration`, in minutes.',
  "insight_details" varchar COMMENT '`insightDetails` as JSON text.',
  "account" varchar,
  "region" varchar,
  "date" varchar
)
WITH (
  external_location = '{{archive_url}}/cloudtrail_insight',
  format = 'PARQUET',
  partitioned_by = ARRAY['account', 'region', 'date']
);
-- New partitions appear after a sync (run it daily, or after `trailflow archive`):
CALL system.sync_partition_metadata('{{schema}}', 'cloudtrail_insight', 'ADD');
