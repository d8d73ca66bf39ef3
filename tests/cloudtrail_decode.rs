//! The CloudTrail decoder through its public entry point: object shapes,
//! extracted and derived columns, secrets, and bad input.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{decode, gzip, rows, s};
use serde_json::{Value, json};
use trailflow::decode::{
    ColumnSelection, ContentFormat, DecodeError, DecodeOptions, KindHint, SplitLimits,
    decode_object,
};
use trailflow::schema::LogKind;

const KEY: &str = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/x.json.gz";

/// A real-shaped IRSA `AssumeRoleWithWebIdentity` event as EKS pods produce it.
fn irsa_event() -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "WebIdentityUser",
            "principalId": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC:sts.amazonaws.com:system:serviceaccount:payments:app",
            "userName": "system:serviceaccount:payments:app",
            "identityProvider": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
        },
        "eventTime": "2026-11-27T10:00:00Z",
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRoleWithWebIdentity",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "10.0.1.25",
        "userAgent": "aws-sdk-java/2.20",
        "requestParameters": { "roleArn": "arn:aws:iam::111122223333:role/app", "roleSessionName": "s-1" },
        "responseElements": {
            "credentials": { "accessKeyId": "ASIAX", "sessionToken": "SECRET-TOKEN-1", "expiration": "Nov 27, 2026" },
            "subjectFromWebIdentityToken": "system:serviceaccount:payments:app",
            "audience": "sts.amazonaws.com",
            "provider": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
        },
        "requestID": "r-1",
        "eventID": "e-1",
        "readOnly": true,
        "resources": [{ "accountId": "111122223333", "type": "AWS::IAM::Role", "ARN": "arn:aws:iam::111122223333:role/app" }],
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management",
        "tlsDetails": { "clientProvidedHostHeader": "sts.eu-west-1.amazonaws.com" }
    })
}

fn one_row(bytes: &[u8]) -> Value {
    let decoded = decode(KEY, bytes);
    assert!(
        decoded.is_clean(),
        "{:?} {:?}",
        decoded.errors,
        decoded.fatal
    );
    let mut r = rows(&decoded, LogKind::CloudTrail);
    assert_eq!(r.len(), 1);
    r.remove(0)
}

#[test]
fn every_object_shape_gives_the_same_rows() {
    let e = irsa_event();
    let e2 = json!({ "eventName": "Decrypt", "eventSource": "kms.amazonaws.com", "eventTime": "2026-11-27T10:00:01Z" });
    let shapes: Vec<(&str, String)> = vec![
        ("log file", json!({ "Records": [e, e2] }).to_string()),
        ("pretty log file", serde_json::to_string_pretty(&json!({ "Records": [e, e2] })).unwrap()),
        ("bare array", json!([e, e2]).to_string()),
        ("ndjson", format!("{e}\n{e2}\n")),
        ("concatenated pretty", format!("{}{}", serde_json::to_string_pretty(&e).unwrap(), e2)),
        ("lookup-events output", json!({ "Events": [e, e2], "NextToken": "x" }).to_string()),
        (
            "lookup-events CloudTrailEvent strings",
            json!({ "Events": [{ "EventId": "e-1", "CloudTrailEvent": e.to_string() }, { "CloudTrailEvent": e2.to_string() }] }).to_string(),
        ),
    ];
    let expected = rows(&decode(KEY, shapes[0].1.as_bytes()), LogKind::CloudTrail);
    assert_eq!(expected.len(), 2);
    for (name, text) in &shapes {
        for bytes in [text.as_bytes().to_vec(), gzip(text.as_bytes())] {
            let decoded = decode(KEY, &bytes);
            assert!(decoded.is_clean(), "{name}: {:?}", decoded.errors);
            assert_eq!(rows(&decoded, LogKind::CloudTrail), expected, "{name}");
        }
    }
    let single = one_row(irsa_event().to_string().as_bytes());
    assert_eq!(single, expected[0], "a single event");
}

#[test]
fn identity_sts_and_raw_columns() {
    let r = one_row(irsa_event().to_string().as_bytes());
    assert_eq!(s(&r, "event_time"), Some("2026-11-27T10:00:00Z"));
    assert_eq!(s(&r, "identity_type"), Some("WebIdentityUser"));
    assert_eq!(
        s(&r, "role_arn"),
        Some("arn:aws:iam::111122223333:role/app")
    );
    assert_eq!(s(&r, "role_session_name"), Some("s-1"));
    assert_eq!(
        s(&r, "web_identity_subject"),
        Some("system:serviceaccount:payments:app")
    );
    assert_eq!(s(&r, "web_identity_audience"), Some("sts.amazonaws.com"));
    assert_eq!(
        s(&r, "web_identity_provider"),
        Some("arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC")
    );
    assert_eq!(
        s(&r, "tls_client_host"),
        Some("sts.eu-west-1.amazonaws.com")
    );
    assert_eq!(r["read_only"], json!(true));
    assert_eq!(s(&r, "resource_account_ids"), Some("111122223333"));
    let req: Value = serde_json::from_str(s(&r, "request_parameters").unwrap()).unwrap();
    assert_eq!(req["roleSessionName"], "s-1");
    let resp: Value = serde_json::from_str(s(&r, "response_elements").unwrap()).unwrap();
    assert!(
        resp.get("credentials").is_none(),
        "credentials must be dropped: {resp}"
    );
    assert_eq!(
        resp["audience"], "sts.amazonaws.com",
        "the rest of responseElements is kept"
    );
}

#[test]
fn audience_of_a_rejected_token_comes_from_the_principal() {
    let mut e = irsa_event();
    e["errorCode"] = json!("InvalidIdentityToken");
    e["errorMessage"] = json!("Incorrect token audience");
    e["responseElements"] = Value::Null;
    e["userIdentity"]["principalId"] = json!(
        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC:https://kubernetes.default.svc:system:serviceaccount:payments:app"
    );
    let r = one_row(e.to_string().as_bytes());
    assert_eq!(
        s(&r, "web_identity_audience"),
        Some("https://kubernetes.default.svc")
    );
    assert_eq!(
        s(&r, "web_identity_subject"),
        Some("system:serviceaccount:payments:app")
    );
    assert_eq!(s(&r, "error_code"), Some("InvalidIdentityToken"));
    assert_eq!(r.get("response_elements"), None);
}

#[test]
fn secrets_never_leave_the_decoder() {
    let mut e = irsa_event();
    e["responseElements"]["accessKey"] =
        json!({ "accessKeyId": "AKIAX", "secretAccessKey": "SECRET-KEY-2", "status": "Active" });
    e["requestParameters"]["nested"] = json!([{ "sessionToken": "SECRET-TOKEN-3" }]);
    e["additionalEventData"] =
        json!({ "credentials": { "sessionToken": "SECRET-TOKEN-4" }, "MFAUsed": "Yes" });
    let decoded = decode(KEY, e.to_string().as_bytes());
    let text = rows(&decoded, LogKind::CloudTrail)[0].to_string();
    for secret in [
        "SECRET-TOKEN-1",
        "SECRET-KEY-2",
        "SECRET-TOKEN-3",
        "SECRET-TOKEN-4",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("AKIAX"), "non-secret siblings stay");
}

#[test]
fn derived_columns() {
    let assumed = |account: &str, mfa: &str| {
        json!({
            "type": "AssumedRole",
            "arn": format!("arn:aws:sts::{account}:assumed-role/r/s"),
            "accountId": account,
            "sessionContext": {
                "sessionIssuer": { "type": "Role", "arn": format!("arn:aws:iam::{account}:role/r"), "userName": "r" },
                "attributes": { "mfaAuthenticated": mfa }
            }
        })
    };
    let kms = json!({
        "eventName": "Decrypt", "eventSource": "kms.amazonaws.com", "recipientAccountId": "111122223333",
        "userIdentity": assumed("444455556666", "false"),
        "errorCode": "ThrottlingException",
        "resources": [{ "accountId": "111122223333", "type": "AWS::KMS::Key", "ARN": "arn:aws:kms:eu-west-1:111122223333:key/k" }]
    });
    let r = one_row(kms.to_string().as_bytes());
    assert_eq!(
        s(&r, "kms_key_arn"),
        Some("arn:aws:kms:eu-west-1:111122223333:key/k")
    );
    assert_eq!(r["cross_account"], json!(true));
    assert_eq!(
        s(&r, "session_issuer_arn"),
        Some("arn:aws:iam::444455556666:role/r")
    );
    assert_eq!(s(&r, "session_issuer_name"), Some("r"));
    assert_eq!(r["session_mfa"], json!(false));
    assert_eq!(r["mfa_used"], json!(false));

    let same = json!({ "eventName": "Decrypt", "recipientAccountId": "111122223333", "userIdentity": assumed("111122223333", "true"),
        "requestParameters": { "keyId": "alias/app" } });
    let r = one_row(same.to_string().as_bytes());
    assert_eq!(r["cross_account"], json!(false));
    assert_eq!(s(&r, "kms_key_arn"), Some("alias/app"));
    assert_eq!(r["mfa_used"], json!(true), "from the session attribute");

    let mfa_no = json!({ "eventName": "ConsoleLogin", "userIdentity": assumed("111122223333", "true"), "additionalEventData": { "MFAUsed": "No" } });
    assert_eq!(
        one_row(mfa_no.to_string().as_bytes())["mfa_used"],
        json!(false),
        "MFAUsed wins"
    );

    let unknown_caller = json!({ "eventName": "AssumeRole", "userIdentity": { "type": "AWSService", "invokedBy": "ec2.amazonaws.com" }, "recipientAccountId": "1" });
    let r = one_row(unknown_caller.to_string().as_bytes());
    assert_eq!(r.get("cross_account"), None);
    assert_eq!(s(&r, "invoked_by"), Some("ec2.amazonaws.com"));
}

#[test]
fn security_group_openings_and_request_fields() {
    let sg = |req: Value| json!({ "eventName": "AuthorizeSecurityGroupIngress", "eventSource": "ec2.amazonaws.com", "requestParameters": req });
    let world = sg(
        json!({ "groupId": "sg-1", "ipPermissions": { "items": [{ "ipRanges": { "items": [{ "cidrIp": "0.0.0.0/0" }] } }] } }),
    );
    let r = one_row(world.to_string().as_bytes());
    assert_eq!(r["open_to_world"], json!(true));
    assert_eq!(s(&r, "security_group_id"), Some("sg-1"));
    let flat_v6 = sg(json!({ "groupId": "sg-2", "cidrIpv6": "::/0" }));
    assert_eq!(
        one_row(flat_v6.to_string().as_bytes())["open_to_world"],
        json!(true)
    );
    let odd_zero = sg(json!({ "groupId": "sg-3", "cidrIp": "208.236.235.254/0" }));
    assert_eq!(
        one_row(odd_zero.to_string().as_bytes())["open_to_world"],
        json!(true),
        "any /0 is the world"
    );
    let private = sg(json!({ "groupId": "sg-4", "cidrIp": "10.0.0.0/8" }));
    assert_eq!(
        one_row(private.to_string().as_bytes())["open_to_world"],
        json!(false)
    );
    let other = json!({ "eventName": "DescribeSecurityGroups", "requestParameters": { "cidrIp": "0.0.0.0/0" } });
    assert_eq!(
        one_row(other.to_string().as_bytes()).get("open_to_world"),
        None
    );

    let dns = json!({ "eventName": "ChangeResourceRecordSets", "requestParameters": { "hostedZoneId": "/hostedzone/Z123" } });
    assert_eq!(
        s(&one_row(dns.to_string().as_bytes()), "hosted_zone_id"),
        Some("Z123")
    );
    let eks = json!({ "eventName": "CreateAccessEntry", "eventSource": "eks.amazonaws.com", "requestParameters": { "clusterName": "prod" } });
    assert_eq!(
        s(&one_row(eks.to_string().as_bytes()), "eks_cluster_name"),
        Some("prod")
    );
}

#[test]
fn tolerates_missing_unknown_and_wrongly_typed_fields() {
    let odd = json!({
        "eventVersion": "9.99",
        "eventTime": 1234,
        "eventName": ["AssumeRole"],
        "readOnly": "true",
        "userIdentity": ["not", "an", "object"],
        "requestParameters": "a string",
        "resources": { "not": "an array" },
        "brandNewField": { "deep": [1, 2, 3] }
    });
    let r = one_row(odd.to_string().as_bytes());
    assert_eq!(s(&r, "event_version"), Some("9.99"));
    assert_eq!(r.get("event_time"), None);
    assert_eq!(r.get("event_name"), None);
    assert_eq!(r["read_only"], json!(true));
    assert_eq!(s(&r, "request_parameters"), Some("\"a string\""));
    assert_eq!(r.get("resource_account_ids"), None);
}

#[test]
fn a_bad_record_costs_only_itself() {
    let good = irsa_event().to_string();
    let text = format!(
        r#"{{"Records": [{good}, {{"eventName": "x", "bad": tru}}, 42, {{"hello": "world"}}, {{"eventSource": "aws:s3", "s3": {{}}}}, {good}]}}"#
    );
    let decoded = decode(KEY, text.as_bytes());
    assert_eq!(decoded.rows_of(LogKind::CloudTrail), 2);
    assert_eq!(decoded.errors.count, 4);
    let msgs: Vec<String> = decoded
        .errors
        .details
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(msgs[0].starts_with("record 2 "), "{msgs:?}");
    assert!(msgs[0].contains("invalid JSON"), "{msgs:?}");
    assert!(
        msgs[1].starts_with("record 3 ") && msgs[1].contains("not a JSON object"),
        "{msgs:?}"
    );
    assert!(
        msgs[2].starts_with("record 4 ") && msgs[2].contains("not a CloudTrail event"),
        "{msgs:?}"
    );
    assert!(
        msgs[3].starts_with("record 5 ") && msgs[3].contains("aws:s3"),
        "{msgs:?}"
    );
}

#[test]
fn truncated_and_hostile_objects_fail_clearly() {
    let good = irsa_event().to_string();
    let text = format!(r#"{{"Records": [{good}, {good}]}}"#);
    let gz = gzip(text.as_bytes());
    let truncated = decode(KEY, &gz[..gz.len() - 30]);
    assert!(
        matches!(truncated.fatal, Some(DecodeError::Inflate(_))),
        "{:?}",
        truncated.fatal
    );

    let cut = decode(KEY, &text.as_bytes()[..text.len() - 40]);
    assert_eq!(cut.rows(), 1, "the complete record before the cut is kept");
    assert!(
        cut.errors
            .details
            .iter()
            .any(|e| e.message.contains("truncated"))
    );

    let deep = format!(
        "{{\"Records\": [{}{}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let decoded = decode(KEY, deep.as_bytes());
    assert_eq!(decoded.rows(), 0);
    assert!(
        decoded.errors.details[0].message.contains("deeper"),
        "{:?}",
        decoded.errors
    );

    let options = DecodeOptions {
        split: SplitLimits {
            max_value_bytes: 1000,
            ..Default::default()
        },
        ..Default::default()
    };
    let big = format!(
        r#"{{"Records": [{{"eventName": "{}"}}, {good}]}}"#,
        "x".repeat(5000)
    );
    let decoded = decode_object(KEY, big.as_bytes(), KindHint::Auto, &options);
    assert_eq!(decoded.rows(), 0, "the good record is over 1000 bytes too");
    assert!(decoded.errors.details[0].message.contains("exceeds"));

    let empty = decode(KEY, b"");
    assert!(matches!(empty.fatal, Some(DecodeError::Empty)));
    let not_gzip = decode(
        "AWSLogs/1/CloudTrail/r/2026/01/01/x.json.gz",
        good.as_bytes(),
    );
    assert_eq!(not_gzip.rows(), 1, "content decides, not the .gz suffix");
    let invalid_utf8 = decode(KEY, b"{\"eventName\": \"\xff\xfe\"}");
    assert_eq!(invalid_utf8.rows(), 0);
    assert_eq!(invalid_utf8.errors.count, 1);
}

#[test]
fn digests_and_insights_have_their_own_tables() {
    let digest = json!({
        "awsAccountId": "111122223333",
        "digestStartTime": "2026-11-27T10:00:00Z",
        "digestEndTime": "2026-11-27T11:00:00Z",
        "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/d.json.gz",
        "logFiles": [
            { "s3Bucket": "b", "s3Object": "k1", "hashValue": "aa", "hashAlgorithm": "SHA-256", "oldestEventTime": "2026-11-27T10:00:00Z", "newestEventTime": "2026-11-27T10:05:00Z" },
            { "s3Bucket": "b", "s3Object": "k2" }
        ]
    });
    let decoded = decode(
        "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/d.json.gz",
        &gzip(digest.to_string().as_bytes()),
    );
    let r = rows(&decoded, LogKind::CloudTrailDigest);
    assert_eq!(r.len(), 2);
    assert_eq!(s(&r[0], "log_s3_object"), Some("k1"));
    assert_eq!(s(&r[1], "digest_end_time"), Some("2026-11-27T11:00:00Z"));
    let empty_digest =
        json!({ "awsAccountId": "1", "digestStartTime": "2026-11-27T10:00:00Z", "logFiles": [] });
    assert_eq!(
        rows(
            &decode(KEY, empty_digest.to_string().as_bytes()),
            LogKind::CloudTrailDigest
        )
        .len(),
        1
    );

    let insight = json!({ "Records": [{
        "eventVersion": "1.08", "eventTime": "2026-11-27T10:30:00Z", "eventID": "i-1", "eventType": "AwsCloudTrailInsight",
        "eventCategory": "Insight", "recipientAccountId": "1",
        "insightDetails": { "state": "Start", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "insightType": "ApiErrorRateInsight",
            "errorCode": "AccessDenied", "insightContext": { "statistics": { "baseline": { "average": 0.5 }, "insight": { "average": 7.25 }, "insightDuration": 4 } } }
    }]});
    let decoded = decode(KEY, insight.to_string().as_bytes());
    assert_eq!(decoded.rows_of(LogKind::CloudTrail), 0);
    let r = rows(&decoded, LogKind::CloudTrailInsight);
    assert_eq!(s(&r[0], "insight_type"), Some("ApiErrorRateInsight"));
    assert_eq!(s(&r[0], "insight_error_code"), Some("AccessDenied"));
    assert_eq!(r[0]["insight_average"], json!(7.25));
    assert_eq!(r[0]["insight_duration_minutes"], json!(4));
}

#[test]
fn batches_follow_batch_rows_and_formats_are_reported() {
    let e = irsa_event().to_string();
    let text = format!("[{}]", vec![e; 10].join(","));
    let options = DecodeOptions {
        batch_rows: 4,
        ..Default::default()
    };
    let decoded = decode_object(KEY, text.as_bytes(), KindHint::Auto, &options);
    let sizes: Vec<usize> = decoded.batches.iter().map(|(_, b)| b.num_rows()).collect();
    assert_eq!(sizes, vec![4, 4, 2]);
    assert_eq!(decoded.format, ContentFormat::CloudTrailJson);
    assert_eq!(decoded.content_bytes, text.len() as u64);
}

#[test]
fn a_column_selection_fills_only_its_columns_and_keeps_rows_and_errors() {
    let good = irsa_event().to_string();
    let text = format!(
        r#"{{"Records": [{good}, {{"eventName": "x", "bad": tru}}, {good}, {{"hello": "world"}}]}}"#
    );
    let schema = LogKind::CloudTrail.schema();
    // The audience is derived from responseElements, whose raw column is not selected.
    let kept = [
        "event_name",
        "error_code",
        "request_parameters",
        "web_identity_audience",
    ];
    let options = DecodeOptions {
        columns: ColumnSelection::all().only(
            LogKind::CloudTrail,
            kept.iter().map(|c| schema.index_of(c).unwrap()),
        ),
        ..DecodeOptions::default()
    };
    let full = decode(KEY, text.as_bytes());
    let selected = decode_object(KEY, text.as_bytes(), KindHint::Auto, &options);
    assert_eq!(selected.errors.count, 2);
    assert_eq!(
        format!("{:?}", selected.errors.details),
        format!("{:?}", full.errors.details)
    );
    let (full, selected) = (&full.batches[0].1, &selected.batches[0].1);
    assert_eq!(selected.num_rows(), 2);
    assert_eq!(selected.schema(), schema);
    for (i, field) in schema.fields().iter().enumerate() {
        if kept.contains(&field.name().as_str()) {
            assert_eq!(selected.column(i), full.column(i), "{}", field.name());
        } else {
            assert_eq!(selected.column(i).null_count(), 2, "{}", field.name());
        }
    }
    let audience = selected.column_by_name("web_identity_audience").unwrap();
    assert_eq!(audience.null_count(), 0);
}
