-- Generated from trailflow's schema (src/archive/ddl.rs); do not edit.
-- Replace the {{...}} placeholders first: see docs/archive.md.
CREATE EXTERNAL TABLE IF NOT EXISTS `cloudtrail_insight` (
  `event_time` timestamp COMMENT '`eventTime`, UTC.',
  `event_version` string COMMENT '`eventVersion`.',
  `event_id` string COMMENT '`eventID`.',
  `shared_event_id` string COMMENT '`sharedEventID`, shared by the start and end events of one Insight.',
  `aws_region` string COMMENT '`awsRegion`.',
  `recipient_account_id` string COMMENT '`recipientAccountId`.',
  `insight_state` string COMMENT '`insightDetails.state`: `Start` or `End`.',
  `insight_event_source` string COMMENT '`insightDetails.eventSource`: the service whose API activity is unusual.',
  `insight_event_name` string COMMENT '`insightDetails.eventName`: the API whose activity is unusual.',
  `insight_type` string COMMENT '`insightDetails.insightType`: `ApiCallRateInsight` or `ApiErrorRateInsight`.',
  `insight_error_code` string COMMENT '`insightDetails.errorCode` of error-rate Insights.',
  `baseline_average` double COMMENT '`insightDetails.insightContext.statistics.baseline.average`.',
  `insight_average` double COMMENT '`insightDetails.insightContext.statistics.insight.average`.',
  `insight_duration_minutes` bigint COMMENT '`insightDetails.insightContext.statistics.insightDuration`, in minutes.',
  `insight_details` string COMMENT '`insightDetails` as JSON text.'
)
PARTITIONED BY (`account` string, `region` string, `date` string)
STORED AS PARQUET
LOCATION '{{archive_url}}/cloudtrail_insight/'
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
  'storage.location.template' = '{{archive_url}}/cloudtrail_insight/account=${account}/region=${region}/date=${date}'
);
