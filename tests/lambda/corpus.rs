//! Lambda events built from the notification envelopes of `../shared/corpus/`: AWS's own SQS
//! event fixture as the record shape, carrying an S3 event notification, the same inside an
//! SNS notification, an EventBridge "Object Created" event and CloudTrail's SNS message. Each
//! envelope keeps its structure; only its bucket and key are pointed at a sample in moto.
//! Every record must be counted (no failures) and the export must match replay's totals.

use std::path::Path;

use serde_json::{Value, json};

use super::common::corpus::corpus;
use super::common::daemon::{assert_totals_eq, exported_totals};
use super::{failures, invoke, stack_with_samples};

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `text` with the corpus's bucket and key replaced by ours (both spell the same in raw and
/// in escaped JSON: neither has characters that JSON or URL encoding would change).
fn pointed(text: &str, (bucket, key): (&str, &str), (to_bucket, to_key): (&str, &str)) -> String {
    assert!(
        text.contains(bucket) && text.contains(key),
        "{bucket} {key}"
    );
    text.replace(key, to_key).replace(bucket, to_bucket)
}

const S3_EVENT: &str = "aws__aws-lambda-go/events/testdata/s3-event.json";
const S3_EVENT_OBJECT: (&str, &str) = ("sourcebucket", "Happy%20Face.jpg");
const EVENTBRIDGE: &str = "awsdocs__amazon-s3-userguide/doc_source/ev-events.md.extracted/01-eventbridge-Object_Created.json";
const EVENTBRIDGE_OBJECT: (&str, &str) = ("DOC-EXAMPLE-BUCKET1", "example-key");
const CLOUDTRAIL_SNS: &str = "awsdocs__aws-cloudtrail-user-guide/doc_source/configure-sns-notifications-for-cloudtrail.md.extracted/01-sns-notification.json";
const CLOUDTRAIL_OBJECT: (&str, &str) = (
    "your-bucket-name",
    "AWSLogs/123456789012/CloudTrail/us-east-2/2013/12/13/123456789012_CloudTrail_us-west-2_20131213T1920Z_LnPgDQnpkSKEsppV.json.gz",
);
const SNS_EVENT: &str = "aws__aws-lambda-go/events/testdata/sns-event.json";
const SQS_EVENT: &str = "aws__aws-lambda-go/events/testdata/sqs-event.json";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_built_from_the_corpus_envelopes_are_all_counted() {
    let Some(root) = corpus() else { return };
    let Some((stack, objects, _)) = stack_with_samples("lambdacorpus").await else {
        return;
    };
    let used = &objects[..4];
    let ours = |i: usize| (stack.bucket.as_str(), used[i].0.as_str());

    let s3 = read(&root, S3_EVENT);
    // SNS delivers to SQS the notification itself: the `Sns` object of Lambda's SNS event,
    // with the S3 event as its message.
    let sns_event: Value = serde_json::from_str(&read(&root, SNS_EVENT)).unwrap();
    let mut sns = sns_event["Records"][0]["Sns"].clone();
    sns["Message"] = Value::String(pointed(&s3, S3_EVENT_OBJECT, ours(1)));
    let bodies = [
        pointed(&s3, S3_EVENT_OBJECT, ours(0)),
        sns.to_string(),
        pointed(&read(&root, EVENTBRIDGE), EVENTBRIDGE_OBJECT, ours(2)),
        pointed(&read(&root, CLOUDTRAIL_SNS), CLOUDTRAIL_OBJECT, ours(3)),
    ];

    let sqs_event: Value = serde_json::from_str(&read(&root, SQS_EVENT)).unwrap();
    let template = &sqs_event["Records"][0];
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let mut record = template.clone();
            record["messageId"] = json!(format!("corpus-{i}"));
            record["receiptHandle"] = json!(format!("receipt-corpus-{i}"));
            record["body"] = json!(body);
            record
        })
        .collect();
    let event = stack.path("corpus-event.json");
    std::fs::write(&event, json!({"Records": records}).to_string()).unwrap();

    let export = stack.path("corpus-export.ndjson");
    let env = [
        ("TRAILFLOW_LEDGER__KIND", "memory".to_string()),
        ("TRAILFLOW_EXPORT__KIND", "file".to_string()),
        ("TRAILFLOW_EXPORT__PATH", export.display().to_string()),
    ];
    let response = invoke(&stack, &event, &env);
    assert!(failures(&response).is_empty(), "{response}");
    assert_totals_eq(
        &exported_totals(std::slice::from_ref(&export)),
        &stack.truth(used),
        "the four corpus envelopes' objects",
    );
}
