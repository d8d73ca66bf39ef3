//! Conformance against real public CloudTrail samples in `../shared/corpus/` (captures,
//! AWS documentation examples, notification envelopes). When the corpus is present every
//! check must pass: nothing is skipped because a file fails to parse. Expected values were
//! read off the files by hand.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::corpus::*;
use common::{decode, rows, s};
use serde_json::{Value, json};
use trailflow::schema::LogKind;

/// (file, cloudtrail rows, insight rows, digest rows); every file must decode without any error.
const CLOUDTRAIL_FILES: &[(&str, usize, usize, usize)] = &[
    ("credential-access.ec2-get-password-data.json", 34, 0, 0),
    (
        "credential-access.ec2-steal-instance-credentials.json",
        45,
        0,
        0,
    ),
    (
        "credential-access.secretsmanager-batch-retrieve-secrets.json",
        5,
        0,
        0,
    ),
    (
        "credential-access.secretsmanager-retrieve-secrets.json",
        21,
        0,
        0,
    ),
    (
        "credential-access.ssm-retrieve-securestring-parameters.json",
        10,
        0,
        0,
    ),
    ("defense-evasion.cloudtrail-delete.json", 1, 0, 0),
    ("defense-evasion.cloudtrail-event-selectors.json", 1, 0, 0),
    ("defense-evasion.cloudtrail-stop.json", 1, 0, 0),
    ("defense-evasion.dns-delete-logs.json", 1, 0, 0),
    ("defense-evasion.organizations-leave.json", 3, 0, 0),
    ("defense-evasion.vpc-remove-flow-logs.json", 1, 0, 0),
    ("discovery.ec2-download-user-data.json", 19, 0, 0),
    ("execution.ec2-launch-unusual-instances.json", 3, 0, 0),
    ("execution.ec2-user-data.json", 35, 0, 0),
    ("execution.ssm-send-command.json", 56, 0, 0),
    ("execution.ssm-start-session.json", 29, 0, 0),
    (
        "exfiltration.ec2-security-group-open-port-22-ingress.json",
        1,
        0,
        0,
    ),
    ("exfiltration.ec2-share-ami.json", 1, 0, 0),
    ("exfiltration.ec2-share-ebs-snapshot.json", 1, 0, 0),
    ("exfiltration.rds-share-snapshot.json", 1, 0, 0),
    ("impact.bedrock-invoke-model.json", 15, 0, 0),
    ("initial-access.console-login-without-mfa.json", 1, 0, 0),
    ("lateral-movement.ec2-instance-connect.json", 3, 0, 0),
    (
        "lateral-movement.ec2-serial-console-send-ssh-public-key.json",
        4,
        0,
        0,
    ),
    ("persistence.iam-backdoor-role.json", 1, 0, 0),
    ("persistence.iam-backdoor-user.json", 1, 0, 0),
    ("persistence.iam-create-admin-user.json", 3, 0, 0),
    ("persistence.iam-create-backdoor-role.json", 2, 0, 0),
    ("persistence.iam-create-user-login-profile.json", 3, 0, 0),
    ("persistence.lambda-backdoor-function.json", 1, 0, 0),
    ("persistence.lambda-layer-extension.json", 1, 0, 0),
    ("persistence.lambda-overwrite-code.json", 1, 0, 0),
    (
        "persistence.rolesanywhere-create-trust-anchor.json",
        2,
        0,
        0,
    ),
    ("persistence.sts-federation-token.json", 2, 0, 0),
    (
        "privilege-escalation.iam-update-user-login-profile.json",
        1,
        0,
        0,
    ),
];

const DOC_FILES: &[(&str, usize, usize, usize)] = &[
    (
        "awsdocs__amazon-s3-userguide/doc_source/cloudtrail-logging-understanding-s3-entries.md.extracted/01-Records-ListBuckets.json",
        3,
        0,
        0,
    ),
    (
        "awsdocs__amazon-s3-userguide/doc_source/cloudtrail-logging-understanding-s3-entries.md.extracted/02-PutObject.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/01-Records-ConsoleLogin.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/02-ConsoleLogin.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/03-ConsoleLogin.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/04-CheckMfa.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/05-CheckMfa.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/06-ConsoleLogin.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/07-ConsoleLogin.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/08-ConsoleLogin.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/09-EnableMFADevice.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-aws-console-sign-in-events.md.extracted/10-PasswordUpdated.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-event-reference-insight-details.md.extracted/01-insightDetails-fragment.wrapped.json",
        0,
        1,
        0,
    ),
    (
        "cloudtrail-event-reference-user-identity.md.extracted/01-partial-userIdentity.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/01-Records-StartInstances.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/02-Records-StopInstances.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/03-Records-CreateKeyPair.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/04-Records-CreateUser.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/05-Records-AddUserToGroup.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/06-Records-CreateRole.minimal-fix.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/07-Records-UpdateTrail.json",
        1,
        0,
        0,
    ),
    (
        "cloudtrail-log-file-examples.md.extracted/08-Records-AwsCloudTrailInsight.json",
        0,
        2,
        0,
    ),
    (
        "cloudtrail-log-file-validation-digest-file-structure.md.extracted/01-digest.json",
        0,
        0,
        1,
    ),
    (
        "cloudtrail-log-file-validation-digest-file-structure.md.extracted/02-digest.json",
        0,
        0,
        1,
    ),
    (
        "view-insights-events-cli.md.extracted/01-lookup-events-output-AwsCloudTrailInsight.json",
        0,
        2,
        0,
    ),
];

const IAM_FILES: &[(&str, usize)] = &[
    ("01-GetUserPolicy.json", 1),
    ("02-AssumeRole.json", 1),
    ("03-AssumeRole.json", 1),
    ("04-AssumeRole.json", 1),
    ("05-DeleteBucket.json", 1),
    ("06-AssumeRoleWithSAML.minimal-fix.json", 1),
    ("07-AssumeRoleWithWebIdentity.minimal-fix.json", 1),
    ("08-ConsoleLogin.minimal-fix.json", 1),
    ("09-ConsoleLogin.json", 1),
    ("10-ConsoleLogin.json", 1),
];

fn check_counts(root: &Path, rel: &str, events: usize, insights: usize, digests: usize) {
    let d = decode_file(root, rel);
    assert!(d.is_clean(), "{rel}: {:?} {:?}", d.errors, d.fatal);
    assert_eq!(d.rows_of(LogKind::CloudTrail), events, "{rel}: events");
    assert_eq!(
        d.rows_of(LogKind::CloudTrailInsight),
        insights,
        "{rel}: insights"
    );
    assert_eq!(
        d.rows_of(LogKind::CloudTrailDigest),
        digests,
        "{rel}: digests"
    );
}

#[test]
fn cloudtrail_files_decode_with_the_right_counts() {
    let Some(root) = corpus() else { return };
    for (file, e, i, g) in CLOUDTRAIL_FILES {
        check_counts(&root, &format!("{STRATUS}{file}"), *e, *i, *g);
    }
    for (file, e, i, g) in DOC_FILES {
        let rel = if file.starts_with("awsdocs__") {
            file.to_string()
        } else {
            format!("{CT_GUIDE}{file}")
        };
        check_counts(&root, &rel, *e, *i, *g);
    }
    for (file, e) in IAM_FILES {
        check_counts(&root, &format!("{IAM_GUIDE}{file}"), *e, 0, 0);
    }
    for file in [
        "example-cloudwatch-cloudtrail-assumed-role.json",
        "example-cloudwatch-cloudtrail-unknown-federate.json",
        "example-cloudwatch-cloudtrail-unknown-user-auth.json",
    ] {
        check_counts(&root, &format!("{RUST_RT}{file}"), 1, 0, 0);
    }
    check_counts(
        &root,
        &format!("{LOKI}cloudtrail-log-file.json.gz"),
        2,
        0,
        0,
    );
}

#[test]
fn invalid_originals_fail_clearly_and_their_fixes_decode() {
    let Some(root) = corpus() else { return };
    for original in [
        format!(
            "{CT_GUIDE}cloudtrail-log-file-examples.md.extracted/06-Records-CreateRole.ORIGINAL-INVALID.json.txt"
        ),
        format!("{IAM_GUIDE}06-AssumeRoleWithSAML.ORIGINAL-INVALID.json.txt"),
        format!("{IAM_GUIDE}07-AssumeRoleWithWebIdentity.ORIGINAL-INVALID.json.txt"),
        format!("{IAM_GUIDE}08-ConsoleLogin.ORIGINAL-INVALID.json.txt"),
    ] {
        let d = decode_file(&root, &original);
        assert_eq!(d.rows(), 0, "{original}");
        assert_eq!(d.errors.count, 1, "{original}: {:?}", d.errors);
        assert!(
            d.errors.details[0].message.starts_with("invalid JSON"),
            "{original}: {:?}",
            d.errors
        );
        let fixed = original.replace("ORIGINAL-INVALID.json.txt", "minimal-fix.json");
        assert!(decode_file(&root, &fixed).is_clean(), "{fixed}");
    }
}

fn only_row(root: &Path, rel: &str, kind: LogKind, index: usize) -> Value {
    let d = decode_file(root, rel);
    assert!(d.is_clean(), "{rel}: {:?}", d.errors);
    rows(&d, kind).swap_remove(index)
}

#[test]
fn cloudtrail_key_fields_match_the_files() {
    let Some(root) = corpus() else { return };
    let web = only_row(
        &root,
        &format!("{IAM_GUIDE}07-AssumeRoleWithWebIdentity.minimal-fix.json"),
        LogKind::CloudTrail,
        0,
    );
    assert_eq!(s(&web, "event_time"), Some("2016-03-23T01:39:51Z"));
    assert_eq!(s(&web, "identity_type"), Some("WebIdentityUser"));
    assert_eq!(
        s(&web, "role_arn"),
        Some("arn:aws:iam::444455556666:role/FederatedWebIdentityRole")
    );
    assert_eq!(
        s(&web, "role_session_name"),
        Some("MyAssignedRoleSessionName")
    );
    assert_eq!(s(&web, "web_identity_subject"), Some("<id of user>"));
    assert_eq!(
        s(&web, "web_identity_audience"),
        Some("<id of application>.apps.googleusercontent.com")
    );
    assert_eq!(
        s(&web, "web_identity_provider"),
        Some("accounts.google.com")
    );
    assert_eq!(s(&web, "recipient_account_id"), Some("444455556666"));
    let response = s(&web, "response_elements").unwrap();
    assert!(
        !response.contains("sessionToken") && !response.contains("ASIACQRSTUVWRAOEXAMPLE"),
        "{response}"
    );
    assert!(response.contains("assumedRoleUser"));

    let assume = only_row(
        &root,
        &format!("{IAM_GUIDE}03-AssumeRole.json"),
        LogKind::CloudTrail,
        0,
    );
    assert_eq!(s(&assume, "identity_type"), Some("AWSAccount"));
    assert_eq!(s(&assume, "identity_account_id"), Some("777788889999"));
    assert_eq!(
        s(&assume, "role_arn"),
        Some("arn:aws:iam::111122223333:role/EC2-dev")
    );
    assert_eq!(s(&assume, "resource_account_ids"), Some("111122223333"));
    assert_eq!(assume["cross_account"], json!(true));
    assert_eq!(
        s(&assume, "shared_event_id"),
        Some("bEXAMPLE-efea-4a70-b951-19a88EXAMPLE")
    );

    let stop = only_row(
        &root,
        &format!("{STRATUS}defense-evasion.cloudtrail-stop.json"),
        LogKind::CloudTrail,
        0,
    );
    assert_eq!(s(&stop, "event_name"), Some("StopLogging"));
    assert_eq!(s(&stop, "event_time"), Some("2024-07-31T13:06:24Z"));
    assert_eq!(s(&stop, "aws_region"), Some("apiso-centralnorth-2r"));
    assert_eq!(
        s(&stop, "identity_arn"),
        Some("arn:aws:iam::143434273843:user/christophe")
    );
    assert_eq!(s(&stop, "identity_user_name"), Some("christophe"));
    assert_eq!(
        s(&stop, "tls_client_host"),
        Some("cloudtrail.apiso-centralnorth-2r.amazonaws.com")
    );
    assert_eq!(stop["read_only"], json!(false));
    assert_eq!(stop["management_event"], json!(true));

    let sg = only_row(
        &root,
        &format!("{STRATUS}exfiltration.ec2-security-group-open-port-22-ingress.json"),
        LogKind::CloudTrail,
        0,
    );
    assert_eq!(s(&sg, "security_group_id"), Some("sg-003dc7f1f1c686164"));
    assert_eq!(
        sg["open_to_world"],
        json!(true),
        "cidrIp 208.236.235.254/0 covers every address"
    );

    let loki = format!("{LOKI}cloudtrail-log-file.json.gz");
    let service = only_row(&root, &loki, LogKind::CloudTrail, 0);
    assert_eq!(s(&service, "identity_type"), Some("AWSService"));
    assert_eq!(s(&service, "invoked_by"), Some("ec2.amazonaws.com"));
    assert!(!s(&service, "response_elements").unwrap().contains("TOKEN"));
    let pull = only_row(&root, &loki, LogKind::CloudTrail, 1);
    assert_eq!(s(&pull, "event_name"), Some("BatchGetImage"));
    assert_eq!(s(&pull, "ecr_repository"), Some("repositoryName"));
    assert_eq!(s(&pull, "vpc_endpoint_id"), Some("vpce-0ebef659b2671eea7"));
    assert_eq!(
        s(&pull, "session_issuer_arn"),
        Some("arn:aws:iam::123456789:role/rolename")
    );
    assert_eq!(pull["session_mfa"], json!(false));

    let digest = only_row(
        &root,
        &format!(
            "{CT_GUIDE}cloudtrail-log-file-validation-digest-file-structure.md.extracted/01-digest.json"
        ),
        LogKind::CloudTrailDigest,
        0,
    );
    assert_eq!(s(&digest, "aws_account_id"), Some("111122223333"));
    assert_eq!(
        s(&digest, "log_s3_object"),
        Some(
            "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz"
        )
    );
    assert_eq!(
        s(&digest, "digest_start_time"),
        Some("2015-08-17T14:01:31Z")
    );

    let insight = only_row(
        &root,
        &format!(
            "{CT_GUIDE}view-insights-events-cli.md.extracted/01-lookup-events-output-AwsCloudTrailInsight.json"
        ),
        LogKind::CloudTrailInsight,
        0,
    );
    assert_eq!(s(&insight, "insight_state"), Some("Start"));
    assert_eq!(
        s(&insight, "insight_event_source"),
        Some("autoscaling.amazonaws.com")
    );
    assert_eq!(
        s(&insight, "insight_event_name"),
        Some("CompleteLifecycleAction")
    );
    assert_eq!(s(&insight, "insight_type"), Some("ApiCallRateInsight"));
    assert_eq!(insight["insight_average"], json!(0.6));
    assert_eq!(insight["insight_duration_minutes"], json!(5));
}

#[test]
fn panther_events_decode_one_row_each() {
    let Some(root) = corpus() else { return };
    let text = std::fs::read_to_string(root.join(
        "panther-labs__panther-analysis/panther-analysis__cloudtrail_rule_test_events.jsonl",
    ))
    .unwrap();
    let mut events = 0;
    for (n, line) in text.lines().enumerate() {
        let wrapper: Value = serde_json::from_str(line).unwrap();
        let log = &wrapper["log"];
        let is_event = [
            "eventVersion",
            "eventTime",
            "eventName",
            "eventSource",
            "eventID",
            "userIdentity",
        ]
        .iter()
        .any(|k| log.get(*k).is_some());
        let is_insight = log.get("insightDetails").is_some();
        let d = decode("panther.json", log.to_string().as_bytes());
        if is_insight {
            assert_eq!(d.rows_of(LogKind::CloudTrailInsight), 1, "line {}", n + 1);
        } else if is_event
            && !log["eventSource"]
                .as_str()
                .is_some_and(|s| s.starts_with("aws:"))
        {
            events += 1;
            assert!(d.is_clean(), "line {}: {:?}", n + 1, d.errors);
            let r = rows(&d, LogKind::CloudTrail);
            assert_eq!(r.len(), 1, "line {}", n + 1);
            assert_eq!(
                r[0].get("event_name"),
                log.get("eventName").filter(|v| v.is_string()),
                "line {}",
                n + 1
            );
            assert_eq!(
                r[0].get("error_code"),
                log.get("errorCode").filter(|v| v.is_string()),
                "line {}",
                n + 1
            );
        } else {
            assert_eq!(d.rows(), 0, "line {}", n + 1);
            assert!(
                d.errors.count > 0,
                "line {}: a non-event must be reported",
                n + 1
            );
        }
    }
    assert!(events >= 400, "only {events} panther events decoded");
}

/// (file, rows, line errors). The transit-gateway example has a `...` line

#[test]
fn envelopes_and_other_json_are_not_taken_for_cloudtrail() {
    let Some(root) = corpus() else { return };
    let envelopes = [
        "aws__aws-lambda-go/events/testdata/s3-event.json",
        "aws__aws-lambda-go/events/testdata/sns-event.json",
        "aws__aws-lambda-go/events/testdata/sqs-event.json",
        "aws__aws-lambda-go/events/testdata/ecr-image-push-event.json",
        "aws__aws-lambda-go/events/testdata/config-event.json",
        "aws__aws-lambda-go/events/testdata/kinesis-firehose-event.json",
        "awsdocs__amazon-s3-userguide/doc_source/ev-events.md.extracted/01-eventbridge-Object_Created.json",
        "awsdocs__amazon-s3-userguide/doc_source/notification-content-structure.md.extracted/01-Records-event-type.json",
        "awsdocs__aws-cloudtrail-user-guide/doc_source/configure-sns-notifications-for-cloudtrail.md.extracted/01-sns-notification.json",
        "awslabs__aws-lambda-rust-runtime/lambda-events/src/fixtures/example-ses-s3-event.json",
        "awslabs__aws-lambda-rust-runtime/lambda-events/src/fixtures/example-sqs-api-event-obj.json",
        "awslabs__aws-lambda-rust-runtime/lambda-events/src/fixtures/example-eventbridge-schedule.json",
        "grafana__loki/tools/lambda-promtail/testdata/eventbridge-s3-event.json",
    ];
    for rel in envelopes {
        let d = decode_file(&root, rel);
        assert_eq!(d.rows(), 0, "{rel} decoded as log records");
        assert!(d.errors.count > 0, "{rel}: must be reported");
    }
}
