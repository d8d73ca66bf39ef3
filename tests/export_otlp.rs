//! The daemon's export as real receivers see it: an OTLP/gRPC collector
//! service, an OTLP/HTTP endpoint that fails before it accepts, and
//! Prometheus's text format on `/metrics`. Each run reads `samples/` through
//! the whole daemon and checks that every metric of the catalog arrives.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::daemon::{Stack, StackOptions, free_port, http_get, records, replay_totals};
use common::otlp::{Received, attr, counter_sum, counter_with, grpc_receiver, metric_names};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use prost::Message;

fn catalog_names() -> BTreeSet<String> {
    trailflow::engine::load_catalog(None)
        .unwrap()
        .metrics()
        .iter()
        .map(|m| m.name.clone())
        .collect()
}

fn samples_dir() -> std::path::PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("samples")
}

/// The last request received once `done` holds for it, or a failure naming what is missing.
async fn wait_for(
    received: &Received,
    timeout: Duration,
    done: impl Fn(&ExportMetricsServiceRequest) -> bool,
    logs: impl Fn() -> String,
) -> (BTreeMap<String, String>, ExportMetricsServiceRequest) {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(last) = received.lock().unwrap().last().cloned()
            && done(&last.1)
        {
            return last;
        }
        if Instant::now() > deadline {
            let got = received
                .lock()
                .unwrap()
                .last()
                .map(|r| metric_names(&r.1))
                .unwrap_or_default();
            let missing: Vec<_> = catalog_names().difference(&got).cloned().collect();
            panic!(
                "no complete export within {timeout:?}; missing {missing:?}\n{}",
                logs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_grpc_receives_every_catalog_metric_from_the_sqs_daemon() {
    let Some(stack) = Stack::start(StackOptions {
        name: "otlp-grpc",
        notify: true,
        ..Default::default()
    })
    .await
    else {
        return;
    };
    let (port, received) = grpc_receiver().await;
    for o in trailflow::synth::samples::objects() {
        stack.put(&o.key, &o.bytes).await;
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let daemon = stack.spawn(
        &stack.path("unused.ndjson"),
        &[
            ("TRAILFLOW_EXPORT__KIND", "otlp"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=platform"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_RESOURCE_ATTRIBUTES", "k8s.cluster.name=test-cluster"),
            ("TRAILFLOW_DAEMON__INSTANCE_ID", "replica-a"),
            ("TRAILFLOW_SOURCE__DEPTH_INTERVAL_SECS", "1"),
            // Small enough that some metric overflows, so the overflow counter is exported too.
            ("TRAILFLOW_ENGINE__SERIES_LIMIT", "4"),
        ],
    );
    let want = catalog_names();
    let truth = records(&replay_totals(&samples_dir()));
    let (headers, last) = wait_for(
        &received,
        Duration::from_secs(90),
        |r| metric_names(r).is_superset(&want) && counter_sum(r, "trailflow.records").0 == truth,
        || stack.logs(),
    )
    .await;
    daemon.terminate();

    assert_eq!(
        headers.get("x-tenant").map(String::as_str),
        Some("platform")
    );
    let resource = &last.resource_metrics[0]
        .resource
        .as_ref()
        .unwrap()
        .attributes;
    assert_eq!(attr(resource, "service.name"), Some("trailflow"));
    assert_eq!(attr(resource, "service.instance.id"), Some("replica-a"));
    assert_eq!(
        attr(resource, "service.version"),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(attr(resource, "k8s.cluster.name"), Some("test-cluster"));
    let (_, temporalities) = counter_sum(&last, "trailflow.records");
    assert_eq!(temporalities, BTreeSet::from([2]), "cumulative by default");
    // Past the series limit, interfaces fold to `other` (directions and ports keep their
    // values), and the fold is counted.
    assert!(counter_with(&last, "trailflow.flow.rejected", "interface_id", "other") > 0.0);
    assert!(counter_with(&last, "trailflow.series.overflow", "label", "interface_id") > 0.0);
}

/// An OTLP/HTTP endpoint that answers 503 to the first `failures` requests, takes 3 s over the
/// next `slow` ones, then accepts.
async fn http_receiver(failures: usize, slow: usize) -> (u16, Received) {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    let received = Received::default();
    let seen = Arc::new(Mutex::new(0usize));
    let state = (received.clone(), seen);
    let app = axum::Router::new()
        .route(
            "/v1/metrics",
            axum::routing::post(
                move |axum::extract::State((received, seen)): axum::extract::State<(
                    Received,
                    Arc<Mutex<usize>>,
                )>,
                      headers: HeaderMap,
                      body: Bytes| async move {
                    let n = {
                        let mut seen = seen.lock().unwrap();
                        *seen += 1;
                        *seen
                    };
                    if n <= failures {
                        return (StatusCode::SERVICE_UNAVAILABLE, b"busy".to_vec());
                    }
                    if n <= failures + slow {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    assert_eq!(headers["content-type"], "application/x-protobuf");
                    let body = if headers.get("content-encoding").is_some_and(|e| e == "gzip") {
                        let mut out = Vec::new();
                        std::io::Read::read_to_end(
                            &mut flate2::read::GzDecoder::new(&body[..]),
                            &mut out,
                        )
                        .unwrap();
                        out
                    } else {
                        body.to_vec()
                    };
                    let request = ExportMetricsServiceRequest::decode(&body[..]).unwrap();
                    let headers = headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                        .collect();
                    received.lock().unwrap().push((headers, request));
                    (
                        StatusCode::OK,
                        ExportMetricsServiceResponse::default().encode_to_vec(),
                    )
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, received)
}

fn directory_daemon(extra: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailflow"));
    cmd.args(["run", "--config"])
        .arg(Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/local.toml"))
        .env("TRAILFLOW_SOURCE__PATH", samples_dir())
        .env("TRAILFLOW_LOG", "warn")
        .env("TRAILFLOW_DAEMON__EXPORT_MAX_BACKOFF_SECS", "1")
        .stdout(std::process::Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_http_failures_are_retried_counted_and_nothing_is_lost() {
    let (port, received) = http_receiver(2, 0).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut child = directory_daemon(&[
        ("TRAILFLOW_EXPORT__KIND", "otlp"),
        ("TRAILFLOW_EXPORT__PROTOCOL", "http/protobuf"),
        ("TRAILFLOW_EXPORT__ENDPOINT", &endpoint),
        ("TRAILFLOW_EXPORT__COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20t0ken"),
    ]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the one-shot daemon did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    let all = received.lock().unwrap().clone();
    let (headers, last) = all.last().expect("an accepted export");
    assert_eq!(headers["authorization"], "Bearer t0ken");
    assert_eq!(headers["content-encoding"], "gzip");
    let truth = records(&replay_totals(&samples_dir()));
    assert_eq!(counter_sum(last, "trailflow.records").0, truth);
    assert!(
        counter_with(last, "trailflow.export.attempts", "outcome", "failed") >= 2.0,
        "the two refused exports are counted"
    );
    let names = metric_names(last);
    for m in trailflow::engine::load_catalog(None).unwrap().metrics() {
        if m.table.is_some() {
            assert!(
                names.contains(&m.name),
                "{} missing from the export",
                m.name
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_sink_serves_valid_exposition_and_waits_for_the_scrape() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = directory_daemon(&[
        ("TRAILFLOW_EXPORT__KIND", "prometheus"),
        ("TRAILFLOW_DAEMON__HEALTH_LISTEN", &listen),
    ]);
    // The one-shot daemon cannot finish before its export was scraped.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited without a scrape"
    );
    // While it waits for its scrape: the container HEALTHCHECK: 0 for /healthz, 1 for a path that is not served.
    let healthcheck = |path: &str| {
        Command::new(env!("CARGO_BIN_EXE_trailflow"))
            .args(["healthcheck", "--addr", &listen, "--path", path])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(healthcheck("/healthz"), Some(0));
    assert_eq!(healthcheck("/nope"), Some(1));
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        if let Some((200, body)) = http_get(port, "/metrics")
            && body.contains("trailflow_records_total")
        {
            break body;
        }
        assert!(Instant::now() < deadline, "no metrics served");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "still waiting after a scrape");
        // Later exports (the final one) wait for their own scrape.
        let _ = http_get(port, "/metrics");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for m in trailflow::engine::load_catalog(None).unwrap().metrics() {
        if m.table.is_some() {
            let name = m.prometheus_name();
            assert!(text.contains(&format!("\n{name}")), "{name} not served");
        }
    }
    let truth = records(&replay_totals(&samples_dir()));
    let served: f64 = text
        .lines()
        .filter(|l| l.starts_with("trailflow_records_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(served, truth);
    promtool_check_metrics(&text);
}

/// `promtool check metrics` on the exposition (lints names, types, help); required under CI.
fn promtool_check_metrics(text: &str) {
    use std::io::Write;
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            common::skip::skip(&format!(
                "promtool is not installed ({e}): apt-get install prometheus"
            ));
            return;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // promtool exits non-zero on lint problems as well as on parse errors.
    assert!(out.status.success(), "promtool check metrics:\n{report}");
}

/// Runs the one-shot directory daemon to completion.
async fn run_to_end(extra: &[(&str, &str)]) {
    let mut child = directory_daemon(extra);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the one-shot daemon did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_grpc_over_mutual_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    if common::otlp::certificates(dir.path()).is_none() {
        return;
    }
    let (port, received) = common::otlp::grpc_tls_receiver(dir.path()).await;
    let endpoint = format!("https://localhost:{port}");
    let pem = |f: &str| dir.path().join(f).display().to_string();
    run_to_end(&[
        ("TRAILFLOW_EXPORT__KIND", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", &pem("ca.pem")),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &pem("client.pem")),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", &pem("client.key")),
    ])
    .await;
    let last = received
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("an export over TLS");
    let truth = records(&replay_totals(&samples_dir()));
    assert_eq!(counter_sum(&last.1, "trailflow.records").0, truth);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_tls_without_the_client_certificate_is_refused_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    if common::otlp::certificates(dir.path()).is_none() {
        return;
    }
    let (port, received) = common::otlp::grpc_tls_receiver(dir.path()).await;
    let endpoint = format!("https://localhost:{port}");
    let ca = dir.path().join("ca.pem").display().to_string();
    let mut child = directory_daemon(&[
        ("TRAILFLOW_EXPORT__KIND", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca),
    ]);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "a refused export must not let the one-shot daemon finish"
    );
    child.kill().unwrap();
    let _ = child.wait();
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delta_temporality_sends_changes_that_add_up_to_the_totals() {
    let (port, received) = grpc_receiver().await;
    let endpoint = format!("http://127.0.0.1:{port}");
    run_to_end(&[
        ("TRAILFLOW_EXPORT__KIND", "otlp"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"),
        // Several windows, hence several exports.
        ("TRAILFLOW_ENGINE__WINDOW_MAX_ROWS", "10"),
        ("TRAILFLOW_DAEMON__EXPORT_INTERVAL_MS", "0"),
    ])
    .await;
    let all = received.lock().unwrap().clone();
    assert!(all.len() >= 2, "{} exports", all.len());
    let mut total = 0.0;
    for (_, r) in &all {
        let (sum, temporalities) = counter_sum(r, "trailflow.records");
        assert!(temporalities.is_empty() || temporalities == BTreeSet::from([1]));
        total += sum;
    }
    assert_eq!(total, records(&replay_totals(&samples_dir())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_times_out_is_counted_and_retried() {
    let (port, received) = http_receiver(0, 1).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    run_to_end(&[
        ("TRAILFLOW_EXPORT__KIND", "otlp"),
        ("TRAILFLOW_EXPORT__PROTOCOL", "http/protobuf"),
        ("TRAILFLOW_EXPORT__ENDPOINT", &endpoint),
        ("TRAILFLOW_EXPORT__TIMEOUT_SECS", "1"),
    ])
    .await;
    let all = received.lock().unwrap().clone();
    let (_, last) = all.last().expect("an accepted export");
    assert!(counter_with(last, "trailflow.export.attempts", "outcome", "failed") >= 1.0);
    assert_eq!(
        counter_sum(last, "trailflow.records").0,
        records(&replay_totals(&samples_dir()))
    );
}
