//! A daemon under test: a moto server with a bucket whose notifications go to
//! a queue (with a dead-letter queue), `trailflow run` processes started from
//! the built binary, and the totals of their file exports compared with what
//! `trailflow replay` computes over the same objects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;

use super::moto::{Moto, create_bucket};

/// Bucket, queues and a scratch directory on one moto server.
pub struct Stack {
    /// The server.
    pub moto: Moto,
    /// S3 client.
    pub s3: aws_sdk_s3::Client,
    /// SQS client.
    pub sqs: aws_sdk_sqs::Client,
    /// The bucket that notifies `queue_url`.
    pub bucket: String,
    /// A bucket without notifications (for hand-sent envelopes).
    pub quiet_bucket: String,
    /// The queue the daemon reads.
    pub queue_url: String,
    /// Its dead-letter queue.
    pub dlq_url: String,
    /// Scratch space: ledgers, exports, truth, daemon logs.
    pub dir: tempfile::TempDir,
    logs: std::sync::Mutex<Vec<PathBuf>>,
}

/// Settings of a [`Stack`].
pub struct StackOptions {
    /// Test name: bucket and queue names derive from it.
    pub name: &'static str,
    /// Queue visibility timeout, seconds.
    pub visibility_secs: u32,
    /// Receives before a message moves to the DLQ.
    pub max_receive_count: u32,
    /// Configure the bucket to notify the queue (else notifications are sent by hand).
    pub notify: bool,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            name: "trailflow",
            visibility_secs: 5,
            max_receive_count: 2,
            notify: true,
        }
    }
}

impl Stack {
    /// Starts moto and creates the bucket, the queues and the notification; `None` without moto outside CI.
    pub async fn start(o: StackOptions) -> Option<Stack> {
        let moto = Moto::start()?;
        let s3 = moto.s3().await;
        let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config());
        let bucket = format!("{}-logs", o.name);
        let quiet_bucket = format!("{}-quiet", o.name);
        for b in [&bucket, &quiet_bucket] {
            create_bucket(&s3, b).await;
        }
        let dlq_url = sqs
            .create_queue()
            .queue_name(format!("{}-dlq", o.name))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let dlq_arn = queue_arn(&sqs, &dlq_url).await;
        let redrive = format!(
            r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{}"}}"#,
            o.max_receive_count
        );
        let queue_url = sqs
            .create_queue()
            .queue_name(o.name)
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                o.visibility_secs.to_string(),
            )
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        if o.notify {
            use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
            let arn = queue_arn(&sqs, &queue_url).await;
            s3.put_bucket_notification_configuration()
                .bucket(&bucket)
                .notification_configuration(
                    NotificationConfiguration::builder()
                        .queue_configurations(
                            QueueConfiguration::builder()
                                .queue_arn(arn)
                                .events(Event::from("s3:ObjectCreated:*"))
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        Some(Stack {
            moto,
            s3,
            sqs,
            bucket,
            quiet_bucket,
            queue_url,
            dlq_url,
            dir: tempfile::tempdir().unwrap(),
            logs: Default::default(),
        })
    }

    /// A stack with the default options under `name`.
    pub async fn named(name: &'static str) -> Option<Stack> {
        Self::start(StackOptions {
            name,
            ..Default::default()
        })
        .await
    }

    /// What `trailflow replay` computes over `objects` (written under the scratch directory).
    pub fn truth(&self, objects: &[(String, Vec<u8>)]) -> Totals {
        // A directory of its own per call: a second truth must not see the first's objects.
        let dir = tempfile::tempdir_in(self.dir.path()).unwrap();
        write_objects(dir.path(), objects);
        replay_totals(dir.path())
    }

    /// Uploads an object to the notifying bucket.
    pub async fn put(&self, key: &str, bytes: &[u8]) {
        self.put_to(&self.bucket, key, bytes).await;
    }

    /// Uploads an object to `bucket`.
    pub async fn put_to(&self, bucket: &str, key: &str, bytes: &[u8]) {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(bytes.to_vec().into())
            .send()
            .await
            .unwrap();
    }

    /// Sends a message body to the queue by hand.
    pub async fn send(&self, body: &str) {
        self.sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }

    /// (visible, in flight) messages of a queue.
    pub async fn depth(&self, url: &str) -> (u64, u64) {
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let get = |k: QueueAttributeName| attrs.get(&k).and_then(|v| v.parse().ok()).unwrap_or(0);
        (
            get(QueueAttributeName::ApproximateNumberOfMessages),
            get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        )
    }

    /// Waits until the main queue is empty (nothing visible, nothing in flight).
    pub async fn wait_drained(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.depth(&self.queue_url).await == (0, 0) {
                return;
            }
            let logs = self.logs();
            // `main` prints a fatal error as one `error: ...` line.
            assert!(
                !logs.lines().any(|l| l.starts_with("error: ")),
                "a daemon stopped:\n{logs}"
            );
            assert!(
                Instant::now() < deadline,
                "queue not drained: {:?}\n{}",
                self.depth(&self.queue_url).await,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Everything the daemons of this stack logged so far.
    pub fn logs(&self) -> String {
        let logs = self.logs.lock().map(|l| l.clone()).unwrap_or_default();
        logs.iter()
            .map(|p| {
                format!(
                    "--- {}\n{}",
                    p.display(),
                    std::fs::read_to_string(p).unwrap_or_default()
                )
            })
            .collect()
    }

    /// Waits until the exports of `files` hold `expected` records.
    pub async fn wait_for_records(&self, files: &[PathBuf], expected: f64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let got = records(&exported_totals(files));
            if got >= expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "exported {got} of {expected} records\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// A path in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts `trailflow run` against this stack; `env` adds or overrides settings.
    pub fn spawn(&self, export: &Path, env: &[(&str, &str)]) -> Daemon {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailflow"));
        cmd.args(["run", "--config"])
            .arg(
                Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
                    .join("deploy/example.toml"),
            )
            .envs(self.moto.env())
            .env("TRAILFLOW_LOG", "warn")
            .env("TRAILFLOW_SOURCE__KIND", "sqs")
            .env("TRAILFLOW_SOURCE__QUEUE_URL", &self.queue_url)
            .env("TRAILFLOW_SOURCE__WAIT_TIME_SECS", "1")
            .env("TRAILFLOW_SOURCE__VISIBILITY_TIMEOUT_SECS", "6")
            .env("TRAILFLOW_LEDGER__KIND", "local")
            .env("TRAILFLOW_LEDGER__PATH", self.path("ledger.redb"))
            .env("TRAILFLOW_EXPORT__KIND", "file")
            .env("TRAILFLOW_EXPORT__PATH", export)
            .env("TRAILFLOW_ENGINE__WINDOW_MAX_AGE_SECS", "1")
            .env("TRAILFLOW_DAEMON__HEALTH_LISTEN", "")
            .env("TRAILFLOW_DAEMON__EXPORT_MAX_BACKOFF_SECS", "1")
            .stdout(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
            if *k == "TRAILFLOW_LEDGER__KIND" && *v != "local" {
                cmd.env_remove("TRAILFLOW_LEDGER__PATH");
            }
            if *k == "TRAILFLOW_EXPORT__KIND" && *v != "file" {
                cmd.env_remove("TRAILFLOW_EXPORT__PATH");
            }
        }
        let log = {
            let mut logs = self.logs.lock().unwrap();
            let log = self.path(&format!("daemon-{}.log", logs.len()));
            logs.push(log.clone());
            log
        };
        cmd.stderr(std::fs::File::create(&log).unwrap());
        Daemon {
            child: cmd.spawn().unwrap(),
            log,
        }
    }
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()
        .remove(&QueueAttributeName::QueueArn)
        .unwrap()
}

/// A running `trailflow run`.
pub struct Daemon {
    /// The process.
    pub child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Sends SIGTERM and waits; returns how long the exit took and the process's stderr.
    pub fn terminate(mut self) -> (Duration, String) {
        let t = Instant::now();
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap();
        (
            t.elapsed(),
            std::fs::read_to_string(&self.log).unwrap_or_default(),
        )
    }

    /// Waits for the process to end on its own (e.g. at a crash point); returns its stderr.
    pub fn wait(mut self, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "daemon did not exit");
            std::thread::sleep(Duration::from_millis(100));
        }
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Metric totals: `prometheus name{labels}` -> value (counters: sum; histograms: count; gauges: max).
pub type Totals = BTreeMap<String, f64>;

fn is_daemon_metric(name: &str) -> bool {
    [
        "trailflow.pipeline.",
        "trailflow.sqs.",
        "trailflow.export.",
        "trailflow.ledger.",
        "trailflow.series.",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

fn add(totals: &mut Totals, series: &Value, daemon: bool) {
    let name = series["metric"].as_str().unwrap_or_default();
    if is_daemon_metric(name) != daemon {
        return;
    }
    let labels = series["labels"].to_string();
    let key = format!(
        "{}{labels}",
        series["prometheus"].as_str().unwrap_or_default()
    );
    let (value, max) = match series["type"].as_str() {
        Some("histogram") => (series["count"].as_f64().unwrap_or(0.0), false),
        Some("gauge") => (series["value"].as_f64().unwrap_or(0.0), true),
        _ => (series["value"].as_f64().unwrap_or(0.0), false),
    };
    let slot = totals.entry(key).or_insert(0.0);
    *slot = if max { slot.max(value) } else { *slot + value };
}

/// Totals over the export files of every incarnation: the last export of each process, summed
/// (the metrics of the logs, not the daemon's own).
pub fn exported_totals(files: &[PathBuf]) -> Totals {
    totals_of(files, false)
}

/// The daemon's own metrics, totalled like [`exported_totals`].
pub fn exported_daemon_totals(files: &[PathBuf]) -> Totals {
    totals_of(files, true)
}

fn totals_of(files: &[PathBuf], daemon: bool) -> Totals {
    let mut last: BTreeMap<(usize, u64), Vec<Value>> = BTreeMap::new();
    for (f, file) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let mut current: Option<(usize, u64)> = None;
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if let Some(pid) = v.get("pid").and_then(Value::as_u64) {
                current = Some((f, pid));
                last.insert((f, pid), Vec::new());
            } else if let Some(key) = current {
                last.entry(key).or_default().push(v);
            }
        }
    }
    let mut totals = Totals::new();
    for series in last.values().flatten() {
        add(&mut totals, series, daemon);
    }
    totals
}

/// What `trailflow replay` reports for `dir` with the example configuration.
pub fn replay_totals(dir: &Path) -> Totals {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["replay", "-q", "-o", "ndjson", "--config"])
        .arg(Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/example.toml"))
        .arg(dir)
        .output()
        .unwrap();
    let mut totals = Totals::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        add(&mut totals, &serde_json::from_str(line).unwrap(), false);
    }
    totals
}

/// The record count of a set of totals (`trailflow_records_total` over kinds).
pub fn records(totals: &Totals) -> f64 {
    totals
        .iter()
        .filter(|(k, _)| k.starts_with("trailflow_records_total"))
        .map(|(_, v)| v)
        .sum()
}

/// The bundled samples as (key, bytes), each key under `prefix`.
pub fn sample_objects(prefix: &str) -> Vec<(String, Vec<u8>)> {
    trailflow::synth::samples::objects()
        .into_iter()
        .map(|o| (format!("{prefix}{}", o.key), o.bytes))
        .collect()
}

/// Writes objects under `dir` by key (the truth's input).
pub fn write_objects(dir: &Path, objects: &[(String, Vec<u8>)]) {
    for (key, bytes) in objects {
        let path = dir.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Asserts equal totals, printing only the series that differ (and `context` when they do).
pub fn assert_totals_eq(got: &Totals, want: &Totals, context: &str) {
    let keys: std::collections::BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    let diff: Vec<String> = keys
        .into_iter()
        .filter(|k| got.get(*k) != want.get(*k))
        .map(|k| format!("{k}: got {:?}, want {:?}", got.get(k), want.get(k)))
        .collect();
    assert!(
        diff.is_empty(),
        "{} series differ:\n{}\n{context}",
        diff.len(),
        diff.join("\n")
    );
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// `GET path` on loopback: (status code, body); `None` while nothing listens.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}
