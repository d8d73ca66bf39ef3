//! End to end with a real Prometheus: the daemon reads `samples/` from a moto
//! S3/SQS (plus one notification it cannot use, which ends in the DLQ),
//! Prometheus scrapes its `/metrics` with the shipped rules loaded, and then
//! every dashboard query must return data and every alert expression must
//! return exactly the label sets the logs warrant, computed independently
//! from `trailflow replay` over the same objects.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod expectations;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::daemon::{Stack, StackOptions, free_port, http_get, write_objects};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;
use trailflow::metrics::usage::shipped_queries;

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
}

/// A Prometheus server on loopback scraping `target` every second with the shipped rules.
struct Prometheus {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn start(dir: &Path, target: u16) -> Option<Prometheus> {
        if Command::new("prometheus")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "prometheus is missing under CI"
            );
            eprintln!("prometheus not installed: end-to-end alert test skipped");
            return None;
        }
        let port = free_port();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: trailflow\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n",
                root().join("dashboards/alerts/trailflow.rules.yml").display()
            ),
        )
        .unwrap();
        let log = dir.join("prometheus.log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let prometheus = Prometheus { child, port, log };
        // Queries answer 503 until the TSDB is open.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !matches!(http_get(port, "/-/ready"), Some((200, _))) {
            assert!(
                Instant::now() < deadline,
                "Prometheus not ready:\n{}",
                std::fs::read_to_string(&prometheus.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(prometheus)
    }

    /// An instant query's result vector.
    fn query(&self, expr: &str) -> Vec<Value> {
        let path = format!(
            "/api/v1/query?query={}",
            utf8_percent_encode(expr, NON_ALPHANUMERIC)
        );
        let (status, body) = http_get(self.port, &path).unwrap_or((0, String::new()));
        // The body may be chunked; the JSON object is between the first `{` and the last `}`.
        let json = match (body.find('{'), body.rfind('}')) {
            (Some(a), Some(b)) => &body[a..=b],
            _ => "",
        };
        let v: Value = serde_json::from_str(json).unwrap_or_else(|e| {
            panic!(
                "query `{expr}`: HTTP {status}, {e}: {body}\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            )
        });
        assert_eq!(v["status"], "success", "query `{expr}`: {v}");
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    fn scalar(&self, expr: &str) -> Option<f64> {
        self.query(expr)
            .first()
            .and_then(|r| r["value"][1].as_str()?.parse().ok())
    }
}

/// One series of `trailflow replay -o ndjson`: Prometheus name, labels, value.
pub type Row = (String, BTreeMap<String, String>, f64);

fn replay_rows(dir: &Path) -> Vec<Row> {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["replay", "-q", "-o", "ndjson", "--config"])
        .arg(root().join("deploy/example.toml"))
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let labels = v["labels"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            (
                v["prometheus"].as_str().unwrap().to_string(),
                labels,
                v["value"].as_f64().unwrap_or(0.0),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_evaluates_every_alert_as_the_logs_warrant_and_every_panel_has_data() {
    let Some(stack) = Stack::start(StackOptions {
        name: "prom-e2e",
        notify: true,
        max_receive_count: 1,
        ..Default::default()
    })
    .await
    else {
        return;
    };
    let objects = common::daemon::sample_objects("");
    let truth_dir = stack.path("truth");
    write_objects(&truth_dir, &objects);
    let rows = replay_rows(&truth_dir);
    let daemon_port = free_port();
    let Some(prometheus) = Prometheus::start(stack.dir.path(), daemon_port) else {
        return;
    };
    for (key, bytes) in &objects {
        stack.put(key, bytes).await;
    }
    // A notification nobody can use: left for redrive, it ends in the dead-letter queue.
    stack.send("this is not an S3 notification").await;
    let listen = format!("127.0.0.1:{daemon_port}");
    let daemon = stack.spawn(
        &stack.path("unused"),
        &[
            ("TRAILFLOW_EXPORT__KIND", "prometheus"),
            ("TRAILFLOW_DAEMON__HEALTH_LISTEN", &listen),
            ("TRAILFLOW_SOURCE__DEPTH_INTERVAL_SECS", "1"),
        ],
    );

    let records: f64 = rows
        .iter()
        .filter(|r| r.0 == "trailflow_records_total")
        .map(|r| r.2)
        .sum();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let scraped = prometheus.scalar("sum(trailflow_records_total)");
        let dlq = prometheus.scalar("sum(trailflow_sqs_dlq_messages)");
        let lag = prometheus.scalar("sum(trailflow_sqs_lag_seconds_count)");
        if scraped == Some(records) && dlq.is_some_and(|d| d >= 1.0) && lag.is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus has records={scraped:?} (want {records}), dlq={dlq:?}, lag={lag:?}\n{}",
            stack.logs()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Two more scrapes, so that rate() has two samples of every series.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Every dashboard query returns data.
    let mut empty = Vec::new();
    for q in shipped_queries(&root().join("dashboards")).unwrap() {
        if !q.file.ends_with(".json") {
            continue;
        }
        // Variables: `query_result(expr)` runs expr; `label_values(metric, label)` lists values.
        let expr = if let Some(inner) = q.expr.strip_prefix("query_result(") {
            inner.strip_suffix(')').unwrap_or(inner).to_string()
        } else if let Some(args) = q.expr.strip_prefix("label_values(") {
            let (metric, label) = args.trim_end_matches(')').split_once(',').unwrap();
            format!("count by ({}) ({metric})", label.trim())
        } else {
            q.expr.clone()
        };
        let expr = expr
            .replace("$__rate_interval", "1m")
            .replace("$account", ".*")
            .replace("$region", ".*")
            .replace("$cluster", ".*")
            .replace("$role", ".*");
        if prometheus.query(&expr).is_empty() {
            empty.push(format!("{} {}: {expr}", q.file, q.place));
        }
    }
    assert!(
        empty.is_empty(),
        "queries without data:\n{}",
        empty.join("\n")
    );

    // Every alert expression returns what the logs warrant.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let dlq_name = stack.dlq_url.rsplit('/').next().unwrap().to_string();
    let expected = expectations::expected(&rows, now, &dlq_name);
    let alerts: BTreeMap<String, String> = trailflow::metrics::usage::alert_queries(
        "trailflow.rules.yml",
        &std::fs::read_to_string(root().join("dashboards/alerts/trailflow.rules.yml")).unwrap(),
    )
    .into_iter()
    .map(|q| (q.place.trim_start_matches("alert ").to_string(), q.expr))
    .collect();
    assert_eq!(
        alerts.keys().cloned().collect::<BTreeSet<_>>(),
        expected
            .iter()
            .map(|e| e.0.to_string())
            .collect::<BTreeSet<_>>(),
        "every alert has an expectation"
    );
    let mut wrong = Vec::new();
    let mut fired = 0;
    for (alert, by, want) in &expected {
        let got: BTreeSet<Vec<String>> = prometheus
            .query(&alerts[*alert])
            .iter()
            .map(|r| {
                by.iter()
                    .map(|l| r["metric"][*l].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .collect();
        fired += usize::from(!want.is_empty());
        if &got != want {
            wrong.push(format!("{alert}: got {got:?}, want {want:?}"));
        }
    }
    daemon.terminate();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        fired >= 8,
        "the samples warrant at least 8 alerts, {fired} expected"
    );
}
