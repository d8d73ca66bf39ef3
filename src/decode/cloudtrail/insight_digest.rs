//! CloudTrail Insights events and digest files, each to its own table.

use simd_json::prelude::*;

use super::fields::Record;
use super::json_text::{Json, encode, get, get_str};
use crate::decode::timestamp::parse_rfc3339_micros;
use crate::schema::cloudtrail::{DigestBuilder, DigestRow, InsightBuilder, InsightRow};

fn get_time(v: Option<Json<'_, '_>>, key: &str) -> Option<i64> {
    get_str(v, key).and_then(parse_rfc3339_micros)
}

/// True for an Insights event (`eventCategory: Insight` or an `insightDetails` block).
pub(super) fn is_insight(r: &Record<'_, '_>) -> bool {
    r.event_category.and_then(|v| v.into_string()) == Some("Insight")
        || r.event_type.and_then(|v| v.into_string()) == Some("AwsCloudTrailInsight")
        || r.insight_details.is_some()
}

/// True for a digest file (`digestStartTime` or `logFiles` with `awsAccountId`).
pub(super) fn is_digest(r: &Record<'_, '_>) -> bool {
    r.digest_start_time.is_some() || (r.log_files.is_some() && r.aws_account_id.is_some())
}

/// Appends one Insights event.
pub(super) fn append_insight(
    ev: Json<'_, '_>,
    builder: &mut InsightBuilder,
    details_json: &mut Vec<u8>,
) {
    let o = Some(ev);
    let details = get(o, "insightDetails");
    let stats = get(get(details, "insightContext"), "statistics");
    let has_details = encode(details, false, details_json);
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
pub(super) fn append_digest(digest: Json<'_, '_>, builder: &mut DigestBuilder) {
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
    let files = get(o, "logFiles").and_then(|f| f.as_array());
    if files.as_ref().is_none_or(|f| f.is_empty()) {
        builder.append(&base);
    }
    for file in files.iter().flat_map(|f| f.iter()) {
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
