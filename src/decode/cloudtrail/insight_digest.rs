//! CloudTrail Insights events and digest files, each to its own table.

use simd_json::BorrowedValue as Value;
use simd_json::prelude::*;

use crate::decode::timestamp::parse_rfc3339_micros;
use crate::schema::cloudtrail::{DigestBuilder, DigestRow, InsightBuilder, InsightRow};

fn get<'v, 'a>(v: Option<&'v Value<'a>>, key: &str) -> Option<&'v Value<'a>> {
    v.and_then(|v| v.get(key))
}

fn get_str<'v>(v: Option<&'v Value<'_>>, key: &str) -> Option<&'v str> {
    get(v, key).and_then(|x| x.as_str())
}

fn get_time(v: Option<&Value<'_>>, key: &str) -> Option<i64> {
    get_str(v, key).and_then(parse_rfc3339_micros)
}

/// True for an Insights event (`eventCategory: Insight` or an `insightDetails` block).
pub(super) fn is_insight(obj: &Value<'_>) -> bool {
    obj.get_str("eventCategory") == Some("Insight")
        || obj.get_str("eventType") == Some("AwsCloudTrailInsight")
        || obj.get("insightDetails").is_some()
}

/// True for a digest file (`digestStartTime` or `logFiles` with `awsAccountId`).
pub(super) fn is_digest(obj: &Value<'_>) -> bool {
    obj.get("digestStartTime").is_some()
        || (obj.get("logFiles").is_some() && obj.get("awsAccountId").is_some())
}

/// Appends one Insights event.
pub(super) fn append_insight(
    ev: &Value<'_>,
    builder: &mut InsightBuilder,
    details_json: &mut Vec<u8>,
) {
    let o = Some(ev);
    let details = get(o, "insightDetails");
    let stats = get(get(details, "insightContext"), "statistics");
    details_json.clear();
    let has_details = details.is_some_and(|d| !d.is_null() && d.write(details_json).is_ok());
    let row = InsightRow {
        event_time: get_time(o, "eventTime"),
        event_version: get_str(o, "eventVersion"),
        event_id: get_str(o, "eventID"),
        shared_event_id: get_str(o, "sharedEventID"),
        aws_region: get_str(o, "awsRegion"),
        recipient_account_id: get_str(o, "recipientAccountId"),
        insight_state: get_str(details, "state"),
        insight_event_source: get_str(details, "eventSource"),
        insight_event_name: get_str(details, "eventName"),
        insight_type: get_str(details, "insightType"),
        insight_error_code: get_str(details, "errorCode"),
        baseline_average: get(get(stats, "baseline"), "average").and_then(|v| v.as_f64()),
        insight_average: get(get(stats, "insight"), "average").and_then(|v| v.as_f64()),
        insight_duration_minutes: get(stats, "insightDuration").and_then(|v| v.as_i64()),
        insight_details: if has_details {
            std::str::from_utf8(details_json).ok()
        } else {
            None
        },
        _lifetime: std::marker::PhantomData,
    };
    builder.append(&row);
}

/// Appends one row per log file a digest vouches for (one row with null `log_*` when it lists none).
pub(super) fn append_digest(digest: &Value<'_>, builder: &mut DigestBuilder) {
    let o = Some(digest);
    let base = DigestRow {
        digest_start_time: get_time(o, "digestStartTime"),
        digest_end_time: get_time(o, "digestEndTime"),
        aws_account_id: get_str(o, "awsAccountId"),
        digest_s3_bucket: get_str(o, "digestS3Bucket"),
        digest_s3_object: get_str(o, "digestS3Object"),
        previous_digest_s3_object: get_str(o, "previousDigestS3Object"),
        ..Default::default()
    };
    let files = get(o, "logFiles")
        .and_then(|f| f.as_array())
        .map(|f| f.as_slice())
        .unwrap_or(&[]);
    if files.is_empty() {
        builder.append(&base);
    }
    for file in files {
        let f = Some(file);
        builder.append(&DigestRow {
            log_s3_bucket: get_str(f, "s3Bucket"),
            log_s3_object: get_str(f, "s3Object"),
            log_hash_value: get_str(f, "hashValue"),
            log_hash_algorithm: get_str(f, "hashAlgorithm"),
            log_oldest_event_time: get_time(f, "oldestEventTime"),
            log_newest_event_time: get_time(f, "newestEventTime"),
            ..base.clone()
        });
    }
}
