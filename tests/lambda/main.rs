//! Lambda mode, invoked locally (`trailflow lambda-invoke`) with SQS events
//! built from every envelope kind over objects in a moto bucket: the
//! records are counted as replay counts them, the metrics are exported
//! before the invocation returns, only the messages that could not be
//! processed come back as `batchItemFailures`, and a retried batch counts
//! nothing twice.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::daemon::{Stack, StackOptions, assert_totals_eq, exported_totals};
use serde_json::{Value, json};

fn s3_body(bucket: &str, key: &str) -> String {
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
        "eventTime": "2026-11-27T10:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": key, "size": 1}}
    }]})
    .to_string()
}

fn sns(message: &str) -> String {
    json!({"Type": "Notification", "MessageId": "n", "TopicArn": "arn:aws:sns:eu-west-1:111122223333:t",
           "Message": message, "Timestamp": "2026-11-27T10:00:00.000Z", "SignatureVersion": "1",
           "Signature": "s", "SigningCertURL": "https://c", "UnsubscribeURL": "https://u"})
    .to_string()
}

fn eventbridge(bucket: &str, key: &str) -> String {
    json!({"version": "0", "id": "e", "detail-type": "Object Created", "source": "aws.s3",
           "account": "111122223333", "time": "2026-11-27T10:00:00Z", "region": "eu-west-1",
           "resources": [], "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1}}})
    .to_string()
}

fn record(id: &str, body: String) -> Value {
    json!({
        "messageId": id, "receiptHandle": format!("receipt-{id}"), "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795773600000"},
        "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:111122223333:trailflow", "awsRegion": "eu-west-1"
    })
}

/// Runs the handler once on `event` with the example configuration and `env`'s overrides.
fn invoke(stack: &Stack, event: &Path, env: &[(&str, String)]) -> Value {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .arg("lambda-invoke")
        .arg(event)
        .arg("--config")
        .arg(config)
        .envs(stack.moto.env())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("TRAILFLOW_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn failures(response: &Value) -> BTreeSet<String> {
    response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_counted_exported_and_only_its_failures_come_back() {
    let Some(stack) = Stack::start(StackOptions {
        name: "lambda",
        notify: false,
        ..Default::default()
    })
    .await
    else {
        return;
    };
    let objects = common::daemon::sample_objects("");
    for (key, bytes) in &objects {
        stack.put(key, bytes).await;
    }
    let truth = stack.truth(&objects);
    let bucket = stack.bucket.clone();
    let mut records = Vec::new();
    for (i, (key, _)) in objects.iter().enumerate() {
        let body = match i % 3 {
            0 => s3_body(&bucket, key),
            1 => sns(&s3_body(&bucket, key)),
            _ => eventbridge(&bucket, key),
        };
        records.push(record(&format!("m{i}"), body));
    }
    records.push(record("poison", "not a notification".into()));
    records.push(record(
        "missing",
        s3_body(
            &bucket,
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/gone.json.gz",
        ),
    ));
    let event = stack.path("event.json");
    std::fs::write(&event, json!({"Records": records}).to_string()).unwrap();

    let export = stack.path("export.ndjson");
    let ledger = stack.path("ledger.redb");
    let env = [
        ("TRAILFLOW_LEDGER__KIND", "local".to_string()),
        ("TRAILFLOW_LEDGER__PATH", ledger.display().to_string()),
        ("TRAILFLOW_EXPORT__KIND", "file".to_string()),
        ("TRAILFLOW_EXPORT__PATH", export.display().to_string()),
        ("TRAILFLOW_DAEMON__HEALTH_LISTEN", String::new()),
    ];
    let invoke = |event: &Path| invoke(&stack, event, &env);

    let first = invoke(&event);
    assert_eq!(
        failures(&first),
        BTreeSet::from(["missing".to_string(), "poison".to_string()]),
        "{first}"
    );
    assert_totals_eq(
        &exported_totals(std::slice::from_ref(&export)),
        &truth,
        "one invocation exports what replay counts",
    );

    // Lambda retries the batch (say the response was lost): nothing is counted twice.
    let second = invoke(&event);
    assert_eq!(failures(&second), failures(&first));
    let text = std::fs::read_to_string(&export).unwrap();
    let last = text.rsplit("{\"export\":").next().unwrap();
    let recounted: f64 = last
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["metric"] == "trailflow.records")
        .map(|v| v["value"].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(recounted, 0.0, "the retried batch was all duplicates");
}
