//! Lambda mode, with SQS events built from every envelope kind over objects in a moto bucket:
//! the records are counted as replay counts them, the metrics are exported before the
//! invocation returns, only the messages that could not be processed come back as
//! `batchItemFailures`, and a retried batch counts nothing twice. First through the local
//! entry point (`trailflow lambda-invoke`), then through `trailflow lambda` itself
//! under a stand-in for the Lambda Runtime API on loopback (the one part that cannot run
//! here), exporting over OTLP to a real receiver.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod corpus;
mod runtime_api;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::daemon::{Stack, StackOptions, Totals, assert_totals_eq, exported_totals, records};
use common::otlp::{attr, counter_sum, grpc_receiver};
use runtime_api::RuntimeApi;
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
    let config =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/example.toml");
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
    let Some((stack, objects, truth)) = stack_with_samples("lambda").await else {
        return;
    };
    let bucket = stack.bucket.clone();
    let mut records = sample_records(&stack, &objects, "m");
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

/// A moto stack named `name` whose bucket (without notifications: the tests build the events)
/// holds the samples; returns it with the objects and what replay counts in them.
async fn stack_with_samples(name: &'static str) -> Option<(Stack, Vec<(String, Vec<u8>)>, Totals)> {
    let stack = Stack::start(StackOptions {
        name,
        notify: false,
        ..Default::default()
    })
    .await?;
    let objects = common::daemon::sample_objects("");
    for (key, bytes) in &objects {
        stack.put(key, bytes).await;
    }
    let truth = stack.truth(&objects);
    Some((stack, objects, truth))
}

/// An event of `records` (message id, body) for the samples in `stack`'s bucket: each object
/// in turn as an S3, SNS-wrapped and EventBridge notification.
fn sample_records(stack: &Stack, objects: &[(String, Vec<u8>)], prefix: &str) -> Vec<Value> {
    objects
        .iter()
        .enumerate()
        .map(|(i, (key, _))| {
            let body = match i % 3 {
                0 => s3_body(&stack.bucket, key),
                1 => sns(&s3_body(&stack.bucket, key)),
                _ => eventbridge(&stack.bucket, key),
            };
            record(&format!("{prefix}{i}"), body)
        })
        .collect()
}

/// Starts `trailflow lambda` against `api` with the example configuration and `env`.
fn spawn_function(stack: &Stack, api: &RuntimeApi, env: &[(&str, String)]) -> std::process::Child {
    let config =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/example.toml");
    Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .arg("lambda")
        .env("TRAILFLOW_CONFIG", config)
        .envs(api.env())
        .envs(stack.moto.env())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("TRAILFLOW_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(stack.path("lambda.log")).unwrap())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_binary_answers_each_invocation_after_exporting_deltas() {
    let Some((stack, objects, truth)) = stack_with_samples("lambdart").await else {
        return;
    };
    let (first_half, second_half) = objects.split_at(objects.len() / 2);
    let mut first = sample_records(&stack, first_half, "a");
    first.push(record("poison", "not a notification".into()));
    let mut second = sample_records(&stack, second_half, "b");
    // Redelivered: counted in the first invocation already.
    second.push(sample_records(&stack, &first_half[..1], "again")[0].clone());

    let (port, received) = grpc_receiver().await;
    let api = RuntimeApi::start(
        vec![
            json!({"Records": first}).to_string(),
            json!({"Records": second}).to_string(),
        ],
        std::time::Duration::from_secs(120),
    )
    .await;
    let env = [
        ("TRAILFLOW_LEDGER__KIND", "local".to_string()),
        (
            "TRAILFLOW_LEDGER__PATH",
            stack.path("ledger.redb").display().to_string(),
        ),
        ("TRAILFLOW_EXPORT__KIND", "otlp".to_string()),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        ),
    ];
    let mut function = spawn_function(&stack, &api, &env);
    let answers = api
        .wait_for_answers(2, std::time::Duration::from_secs(90))
        .await;
    let _ = function.kill();
    let _ = function.wait();
    let log = std::fs::read_to_string(stack.path("lambda.log")).unwrap_or_default();
    assert_eq!(answers.len(), 2, "{log}");

    for (i, (answer, want)) in answers.iter().zip([vec!["poison"], vec![]]).enumerate() {
        assert_eq!(answer.request_id, format!("request-{i}"));
        assert_eq!(answer.kind, "response", "{answer:?}\n{log}");
        let want: BTreeSet<String> = want.into_iter().map(String::from).collect();
        assert_eq!(failures(&answer.body), want, "{answer:?}");
    }

    // Every invocation's metrics arrived before it answered, as deltas that add up to the
    // truth, from a replica named after the execution environment's log stream.
    let requests = received.lock().unwrap().clone();
    assert!(!requests.is_empty(), "no export arrived\n{log}");
    let mut total = 0.0;
    for (_, request) in &requests {
        let (sum, temporalities) = counter_sum(request, "trailflow.records");
        total += sum;
        assert!(
            temporalities.iter().all(|t| *t == 1),
            "delta temporality (1), got {temporalities:?}"
        );
        let resource = request.resource_metrics[0].resource.as_ref().unwrap();
        assert_eq!(
            attr(&resource.attributes, "service.instance.id"),
            Some(runtime_api::LOG_STREAM)
        );
    }
    assert_eq!(
        total,
        records(&truth),
        "the deltas add up to every record once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_that_cannot_export_answers_before_its_deadline_with_every_record() {
    let Some((stack, objects, _)) = stack_with_samples("lambdadl").await else {
        return;
    };
    let event = sample_records(&stack, &objects[..3], "m");
    let ids: BTreeSet<String> = (0..3).map(|i| format!("m{i}")).collect();
    let api = RuntimeApi::start(
        vec![json!({"Records": event}).to_string()],
        std::time::Duration::from_secs(10),
    )
    .await;
    // Nothing listens there: every export fails and is retried until the drain.
    let closed = common::daemon::free_port();
    let env = [
        ("TRAILFLOW_LEDGER__KIND", "memory".to_string()),
        ("TRAILFLOW_EXPORT__KIND", "otlp".to_string()),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{closed}"),
        ),
    ];
    let mut function = spawn_function(&stack, &api, &env);
    let answers = api
        .wait_for_answers(1, std::time::Duration::from_secs(60))
        .await;
    let _ = function.kill();
    let _ = function.wait();
    let log = std::fs::read_to_string(stack.path("lambda.log")).unwrap_or_default();
    assert_eq!(answers.len(), 1, "{log}");
    let answer = &answers[0];
    assert_eq!(answer.kind, "response", "{answer:?}\n{log}");
    assert!(
        answer.before_deadline,
        "answered after the invocation's deadline: {answer:?}"
    );
    assert_eq!(
        failures(&answer.body),
        ids,
        "nothing exported, so every record comes back"
    );
}

#[test]
fn the_lambda_binary_refuses_to_start_where_it_cannot_work() {
    let lambda = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trailflow"));
        command.arg("lambda");
        command
    };
    // Outside Lambda: a hint to the local entry point.
    let out = lambda()
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("trailflow lambda-invoke"), "{err}");
    // A sink nothing can serve inside Lambda fails the init, before any event is taken.
    let out = lambda()
        .envs(runtime_api::variables("127.0.0.1:9"))
        .env("TRAILFLOW_EXPORT__KIND", "prometheus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing scrapes"), "{err}");
}
