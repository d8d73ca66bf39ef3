//! Faults between the daemon and its dependencies, injected by a loopback
//! proxy in front of moto (or by stopping a receiver): S3 `GetObject`
//! answering 503 SlowDown and 500, bodies cut mid-stream, hung requests, SQS
//! down, an OTLP collector that is not there yet, a ledger disk that is full.
//! Each time the daemon keeps running, says so on `/readyz` and in its
//! metrics, and once the fault clears has counted every record exactly once.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::daemon::{
    Stack, StackOptions, assert_totals_eq, exported_daemon_totals, exported_totals, free_port,
    http_get, sample_objects,
};
use common::proxy::{Fault, Proxy};

fn moto_addr(stack: &Stack) -> String {
    stack
        .moto
        .endpoint
        .trim_start_matches("http://")
        .to_string()
}

/// Waits until the exported totals equal `want` (then a little longer, to catch double counts).
async fn wait_for_totals(
    stack: &Stack,
    export: &std::path::Path,
    want: &common::daemon::Totals,
    timeout: Duration,
) {
    let deadline = Instant::now() + timeout;
    loop {
        let got = exported_totals(&[export.to_path_buf()]);
        if &got == want {
            break;
        }
        if Instant::now() > deadline {
            assert_totals_eq(&got, want, &stack.logs());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_totals_eq(
        &exported_totals(&[export.to_path_buf()]),
        want,
        &stack.logs(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_errors_cut_bodies_and_hung_requests_are_retried_without_loss_or_double_count() {
    let Some(stack) = Stack::start(StackOptions {
        name: "faults-s3",
        ..Default::default()
    })
    .await
    else {
        return;
    };
    let objects = sample_objects("");
    let truth = stack.truth(&objects);
    // Every object's first GETs fail in a different way; one object fails more often than
    // one fetch retries (4 attempts), so its message goes back to the queue and comes again.
    let proxy = Proxy::start(&moto_addr(&stack), |method, path, nth| {
        if method != "GET" || !path.contains("/AWSLogs/") || path.contains("list-type") {
            return Fault::Pass;
        }
        let flaky = path.contains("Irsa0Sts1Mfa2Calls");
        match (nth, flaky) {
            (0, _) => Fault::Status(503, "SlowDown"),
            (1, _) => Fault::ResetMidBody,
            (2, _) => Fault::Status(500, "InternalError"),
            (3, true) => Fault::Stall(Duration::from_secs(4)),
            (4..=6, true) => Fault::Status(503, "SlowDown"),
            _ => Fault::Pass,
        }
    });
    for (key, bytes) in &objects {
        stack.put(key, bytes).await;
    }
    let export = stack.path("export.ndjson");
    let proxy_url = proxy.url();
    let daemon = stack.spawn(
        &export,
        &[
            ("AWS_ENDPOINT_URL_S3", &proxy_url),
            ("TRAILFLOW_DAEMON__GET_OBJECT_TIMEOUT_SECS", "2"),
        ],
    );
    wait_for_totals(&stack, &export, &truth, Duration::from_secs(120)).await;
    let (_, logs) = daemon.terminate();
    let faults = proxy.faults();
    for kind in ["SlowDown", "InternalError"] {
        assert!(
            faults
                .iter()
                .any(|(_, f)| matches!(f, Fault::Status(_, c) if *c == kind)),
            "no {kind} injected"
        );
    }
    assert!(faults.iter().any(|(_, f)| *f == Fault::ResetMidBody));
    assert!(faults.iter().any(|(_, f)| matches!(f, Fault::Stall(_))));
    let daemon_totals = exported_daemon_totals(std::slice::from_ref(&export));
    let fetch_errors: f64 = daemon_totals
        .iter()
        .filter(|(k, _)| {
            k.contains("trailflow_pipeline_objects_total") && k.contains("fetch_error")
        })
        .map(|(_, v)| v)
        .sum();
    assert!(
        fetch_errors >= 1.0,
        "the flaky object's first fetch failed: {daemon_totals:?}"
    );
    assert!(logs.contains("s3://"), "errors name their object:\n{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqs_outage_shows_on_readyz_and_loses_nothing() {
    let Some(stack) = Stack::named("faults-sqs").await else {
        return;
    };
    let objects = sample_objects("");
    let truth = stack.truth(&objects);
    let proxy = Proxy::start(&moto_addr(&stack), |_, _, _| Fault::Pass);
    proxy.set_down(true);
    let export = stack.path("export.ndjson");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let proxy_url = proxy.url();
    let daemon = stack.spawn(
        &export,
        &[
            ("AWS_ENDPOINT_URL_SQS", &proxy_url),
            ("TRAILFLOW_DAEMON__HEALTH_LISTEN", &listen),
        ],
    );
    // Objects arrive while the queue is unreachable.
    for (key, bytes) in &objects {
        stack.put(key, bytes).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((503, body)) = http_get(port, "/readyz") {
            assert!(body.contains("queue"), "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz never reported the outage"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        http_get(port, "/healthz").map(|r| r.0),
        Some(200),
        "still alive"
    );
    // A minute without SQS (the receivers back off to at most 30 s between attempts).
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        http_get(port, "/healthz").map(|r| r.0),
        Some(200),
        "alive after a minute"
    );
    assert!(
        exported_totals(std::slice::from_ref(&export)).is_empty(),
        "nothing can be counted without the queue"
    );
    proxy.set_down(false);
    wait_for_totals(&stack, &export, &truth, Duration::from_secs(90)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(port, "/readyz").map(|r| r.0) != Some(200) {
        assert!(Instant::now() < deadline, "/readyz did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    daemon.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailflow_query_over_s3_only_reads() {
    let Some(stack) = Stack::start(StackOptions {
        name: "faults-readonly",
        notify: false,
        ..Default::default()
    })
    .await
    else {
        return;
    };
    for (key, bytes) in sample_objects("") {
        stack.put(&key, &bytes).await;
    }
    let proxy = Proxy::start(&moto_addr(&stack), |_, _, _| Fault::Pass);
    let location = format!("s3://{}/AWSLogs/", stack.bucket);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args([
            "query",
            "--sql",
            "SELECT COUNT(*) AS n FROM cloudtrail",
            "-o",
            "csv",
            &location,
        ])
        .envs(stack.moto.env())
        .env("AWS_ENDPOINT_URL", proxy.url())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = proxy.requests();
    assert!(requests.len() > 3, "{requests:?}");
    for (method, path) in &requests {
        assert!(
            method == "GET" || method == "HEAD",
            "`trailflow query` sent {method} {path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absent_collector_holds_the_messages_until_it_appears() {
    let Some(stack) = Stack::named("faults-otlp").await else {
        return;
    };
    let objects = sample_objects("");
    for (key, bytes) in &objects {
        stack.put(key, bytes).await;
    }
    let (collector_port, health_port) = (free_port(), free_port());
    let endpoint = format!("http://127.0.0.1:{collector_port}");
    let listen = format!("127.0.0.1:{health_port}");
    let daemon = stack.spawn(
        &stack.path("unused"),
        &[
            ("TRAILFLOW_EXPORT__KIND", "otlp"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("TRAILFLOW_DAEMON__HEALTH_LISTEN", &listen),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(health_port, "/readyz").map(|r| r.0) != Some(503) {
        assert!(
            Instant::now() < deadline,
            "/readyz never reported the failed export"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (visible, in_flight) = stack.depth(&stack.queue_url).await;
    assert!(
        visible + in_flight > 0,
        "messages were deleted without an export"
    );
    // The collector comes up on the port the daemon was given.
    let received = common::otlp::grpc_receiver_on(collector_port).await;
    let want: f64 = common::daemon::records(&stack.truth(&objects));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = received
            .lock()
            .unwrap()
            .last()
            .map(|r| common::otlp::counter_sum(&r.1, "trailflow.records").0);
        if got == Some(want) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "got {got:?} records, want {want}\n{}",
            stack.logs()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    stack.wait_drained(Duration::from_secs(30)).await;
    daemon.terminate();
}

/// A small tmpfs mounted for the test, unmounted on drop (mounting needs root).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(path: std::path::PathBuf, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(&path).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .status();
        if status.is_ok_and(|s| s.success()) {
            Some(SmallDisk(path))
        } else {
            common::skip::skip("cannot mount a tmpfs (the disk-full test runs as root)");
            None
        }
    }

    /// Fills the disk; returns the filler file.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.0.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 16 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_ledger_disk_holds_the_messages_until_space_returns() {
    let Some(stack) = Stack::named("faults-disk").await else {
        return;
    };
    let Some(disk) = SmallDisk::mount(stack.path("ledger-disk"), "8m") else {
        return;
    };
    let first = sample_objects("");
    let second: Vec<(String, Vec<u8>)> = first
        .iter()
        .map(|(k, b)| (format!("later/{k}"), b.clone()))
        .collect();
    for (key, bytes) in &first {
        stack.put(key, bytes).await;
    }
    let export = stack.path("export.ndjson");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let ledger = disk.0.join("ledger.redb").display().to_string();
    let daemon = stack.spawn(
        &export,
        &[
            ("TRAILFLOW_LEDGER__PATH", &ledger),
            ("TRAILFLOW_DAEMON__HEALTH_LISTEN", &listen),
        ],
    );
    wait_for_totals(
        &stack,
        &export,
        &stack.truth(&first),
        Duration::from_secs(60),
    )
    .await;

    let filler = disk.fill();
    for (key, bytes) in &second {
        stack.put(key, bytes).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((503, body)) = http_get(port, "/readyz")
            && body.contains("ledger")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz never reported the full ledger disk\n{}",
            stack.logs()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (visible, in_flight) = stack.depth(&stack.queue_url).await;
    assert!(
        visible + in_flight > 0,
        "messages deleted while the ledger could not record them"
    );
    assert_eq!(
        http_get(port, "/healthz").map(|r| r.0),
        Some(200),
        "still alive"
    );

    std::fs::remove_file(filler).unwrap();
    // The two batches are counted in different windows, as two replays count them
    // (a histogram of durations within a window differs from one replay of both).
    let truth_of = |name: &str, objects: &[(String, Vec<u8>)]| {
        let dir = stack.path(name);
        common::daemon::write_objects(&dir, objects);
        common::daemon::replay_totals(&dir)
    };
    let mut want = truth_of("truth-first", &first);
    for (k, v) in truth_of("truth-second", &second) {
        let slot = want.entry(k.clone()).or_insert(0.0);
        *slot = if k.contains("last_event_time") {
            slot.max(v)
        } else {
            *slot + v
        };
    }
    wait_for_totals(&stack, &export, &want, Duration::from_secs(120)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(port, "/readyz").map(|r| r.0) != Some(200) {
        assert!(Instant::now() < deadline, "/readyz did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, logs) = daemon.terminate();
    assert!(!logs.contains("panicked"), "{logs}");
}
