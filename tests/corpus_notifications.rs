//! Notification envelopes from `../shared/corpus/` (AWS documentation, aws-lambda-go,
//! Grafana Loki): every one parses to the objects it announces, or is discardable, or
//! (for shapes that are not SQS bodies) is rejected. Runs whenever the corpus is present.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::corpus::corpus;
use trailflow::source::notification::{Envelope, parse};

fn read(root: &std::path::Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// (corpus file, envelope, announced bucket and key pairs)
type Case<'a> = (&'a str, Envelope, &'a [(&'a str, &'a str)]);

#[test]
fn created_objects_are_announced_with_decoded_keys() {
    let Some(root) = corpus() else { return };
    let cases: &[Case] = &[
        (
            "aws__aws-lambda-go/events/testdata/s3-event.json",
            Envelope::S3,
            &[("sourcebucket", "Happy Face.jpg")],
        ),
        (
            "aws__aws-lambda-go/events/testdata/s3-event-with-decoded.json",
            Envelope::S3,
            &[("sourcebucket", "Happy Face.jpg")],
        ),
        (
            "awsdocs__amazon-s3-userguide/doc_source/ev-events.md.extracted/01-eventbridge-Object_Created.json",
            Envelope::EventBridge,
            &[("DOC-EXAMPLE-BUCKET1", "example-key")],
        ),
        (
            "awsdocs__aws-cloudtrail-user-guide/doc_source/configure-sns-notifications-for-cloudtrail.md.extracted/01-sns-notification.json",
            Envelope::CloudTrail,
            &[(
                "your-bucket-name",
                "AWSLogs/123456789012/CloudTrail/us-east-2/2013/12/13/123456789012_CloudTrail_us-west-2_20131213T1920Z_LnPgDQnpkSKEsppV.json.gz",
            )],
        ),
    ];
    for (rel, envelope, objects) in cases {
        let n = parse(&read(&root, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(n.envelope, *envelope, "{rel}");
        let got: Vec<(&str, &str)> = n
            .objects
            .iter()
            .map(|o| (o.bucket.as_str(), o.key.as_str()))
            .collect();
        assert_eq!(got, *objects, "{rel}");
    }
    let three = "awsdocs__aws-cloudtrail-user-guide/doc_source/configure-sns-notifications-for-cloudtrail.md.extracted/02-sns-notification.json";
    assert_eq!(parse(&read(&root, three)).unwrap().objects.len(), 3);
    let loki = parse(&read(
        &root,
        "grafana__loki/tools/lambda-promtail/testdata/eventbridge-s3-event.json",
    ))
    .unwrap();
    assert_eq!(
        (loki.envelope, loki.objects.len()),
        (Envelope::EventBridge, 1)
    );
    assert_eq!(loki.objects[0].bucket, "bucket");
}

#[test]
fn other_s3_events_are_discardable() {
    let Some(root) = corpus() else { return };
    for rel in [
        "aws__aws-lambda-go/events/testdata/s3-glacier-event.json",
        "aws__aws-lambda-go/events/testdata/s3-lifecycle-event.json",
        "aws__aws-lambda-go/events/testdata/s3-replication-event.json",
        "aws__aws-lambda-go/events/testdata/s3-restore-event.json",
        "aws__aws-lambda-go/events/testdata/s3-intelligenttier-event.json",
        "awsdocs__amazon-s3-userguide/doc_source/ev-events.md.extracted/02-eventbridge-Object_Deleted.json",
        "awsdocs__amazon-s3-userguide/doc_source/ev-events.md.extracted/03-eventbridge-Object_Deleted.json",
        "awsdocs__amazon-s3-userguide/doc_source/ev-events.md.extracted/04-eventbridge-Object_Restore_Completed.json",
        // The documentation's template: placeholders everywhere, event name "event-type".
        "awsdocs__amazon-s3-userguide/doc_source/notification-content-structure.md.extracted/01-Records-event-type.json",
    ] {
        let n = parse(&read(&root, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert!(n.is_discardable(), "{rel}: {n:?}");
        assert!(!n.ignored.is_empty(), "{rel}");
    }
}

#[test]
fn lambda_event_shapes_are_not_sqs_bodies() {
    let Some(root) = corpus() else { return };
    // What Lambda receives (a batch of SNS or SQS records) never arrives as one SQS message body.
    for rel in [
        "aws__aws-lambda-go/events/testdata/sns-event.json",
        "aws__aws-lambda-go/events/testdata/sqs-event.json",
    ] {
        assert!(parse(&read(&root, rel)).is_err(), "{rel}");
    }
}
