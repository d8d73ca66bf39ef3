//! Load and soak runs of `trailflow run` against a local moto server (S3 + SQS with
//! real bucket notifications), beside `trailflow replay` on the same files.
//!
//! ```sh
//! cargo build --release && cargo run --release --example daemon_load -- throughput 1000
//! cargo run --release --example daemon_load -- soak 30
//! ```
//!
//! `throughput N`: uploads N CloudTrail objects of about 200 KB (gzip), then times the daemon
//! (one core, `taskset -c 0`, and unpinned) from start until every record is exported, and
//! `trailflow replay` (one core) over the same files. `soak MINUTES`: uploads two objects per
//! second for MINUTES and prints the daemon's resident memory every minute.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
use aws_sdk_sqs::types::QueueAttributeName;
use support::{exported_records, replay_args, trailflow};
use trailflow::synth::{bulk, gzip};

struct Moto(Child, String);

struct ScratchDir(PathBuf);

impl ScratchDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn start_moto() -> anyhow::Result<Moto> {
    let port = free_port()?;
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("moto_server (pip install 'moto[server]')")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("moto did not start");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Moto(child, format!("http://127.0.0.1:{port}")))
}

fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "eu-west-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

struct Clients {
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    bucket: String,
    queue_url: String,
}

fn set_aws_env(endpoint: &str) {
    for (k, v) in aws_env(endpoint) {
        // SAFETY: called once from main before the runtime starts any other thread.
        unsafe { std::env::set_var(k, v) };
    }
}

/// A bucket named `name` notifying a queue named `name`.
async fn setup(name: &str) -> anyhow::Result<Clients> {
    let config = trailflow::aws::shared_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::new(&config);
    s3.create_bucket()
        .bucket(name)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await?;
    let queue_url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await?
        .queue_url
        .context("queue url")?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .context("queue arn")?;
    s3.put_bucket_notification_configuration()
        .bucket(name)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .queue_arn(arn)
                        .events(Event::from("s3:ObjectCreated:*"))
                        .build()?,
                )
                .build(),
        )
        .send()
        .await?;
    Ok(Clients {
        s3,
        sqs,
        bucket: name.to_string(),
        queue_url,
    })
}

fn key(i: usize) -> String {
    format!(
        "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/111122223333_CloudTrail_eu-west-1_20261127T1000Z_{i:06}.json.gz"
    )
}

fn daemon(
    endpoint: &str,
    queue_url: &str,
    scratch: &Path,
    pin: bool,
    export: &Path,
) -> anyhow::Result<Child> {
    let bin = trailflow()?;
    let mut cmd = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["run", "--config", "deploy/example.toml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(aws_env(endpoint))
        .env("TRAILFLOW_SOURCE__QUEUE_URL", queue_url)
        .env("TRAILFLOW_SOURCE__WAIT_TIME_SECS", "1")
        .env(
            "TRAILFLOW_LEDGER__PATH",
            scratch.join(format!("ledger-{pin}.redb")),
        )
        .env("TRAILFLOW_EXPORT__KIND", "file")
        .env("TRAILFLOW_EXPORT__PATH", export)
        .env("TRAILFLOW_ENGINE__WINDOW_MAX_AGE_SECS", "2")
        .env("TRAILFLOW_DAEMON__HEALTH_LISTEN", "")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(
            scratch.join(format!("daemon-{pin}.log")),
        )?);
    Ok(cmd.spawn()?)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn throughput(objects: usize) -> anyhow::Result<()> {
    let moto = start_moto()?;
    set_aws_env(&moto.1);
    let scratch = tempfile::tempdir()?;
    let scratch_path = scratch.path().to_path_buf();
    std::mem::forget(scratch); // keep the logs
    println!("scratch: {}", scratch_path.display());
    let scratch = ScratchDir(scratch_path);
    // ~200 KB of gzip: find the event count from one sample object.
    let probe = gzip(&bulk::cloudtrail_object(1000, 1)).len();
    let per_object = (1000 * 200_000 / probe).max(1);
    let files = scratch.path().join("files");
    let mut bytes = 0;
    let mut payloads = Vec::new();
    for i in 0..objects {
        let data = gzip(&bulk::cloudtrail_object(per_object, i as u64));
        bytes += data.len();
        let path = files.join(key(i));
        std::fs::create_dir_all(path.parent().context("parent")?)?;
        std::fs::write(&path, &data)?;
        payloads.push(data);
    }
    let events = (objects * per_object) as f64;
    println!(
        "{objects} objects x {per_object} events, {:.0} KB gzip each ({:.1} MB in all)",
        bytes as f64 / objects as f64 / 1e3,
        bytes as f64 / 1e6
    );

    // Replay on one core: the baseline.
    let t = Instant::now();
    let status = Command::new("taskset")
        .args(["-c", "0"])
        .arg(trailflow()?)
        .args(replay_args(&files.display().to_string()))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .status()?;
    let replay = t.elapsed().as_secs_f64();
    if !status.success() {
        bail!("replay failed");
    }
    println!(
        "replay, 1 core: {replay:.2} s, {:.0} events/s, {:.1} MB/s gzip",
        events / replay,
        bytes as f64 / 1e6 / replay
    );

    // The daemon's own code, without moto: the same files as a directory source, one core.
    let export = scratch.path().join("export-dir.ndjson");
    let t = Instant::now();
    let status = Command::new("taskset")
        .args(["-c", "0"])
        .arg(trailflow()?)
        .args(["run", "--config", "deploy/example.toml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TRAILFLOW_SOURCE__KIND", "directory")
        .env("TRAILFLOW_SOURCE__PATH", &files)
        .env("TRAILFLOW_SOURCE__ONCE", "true")
        .env(
            "TRAILFLOW_LEDGER__PATH",
            scratch.path().join("ledger-dir.redb"),
        )
        .env("TRAILFLOW_EXPORT__KIND", "file")
        .env("TRAILFLOW_EXPORT__PATH", &export)
        .env("TRAILFLOW_DAEMON__HEALTH_LISTEN", "")
        .stdout(Stdio::null())
        .status()?;
    let took = t.elapsed().as_secs_f64();
    if !status.success() || exported_records(&export) < events {
        bail!("directory run failed");
    }
    println!(
        "daemon, directory source, 1 core: {took:.2} s, {:.0} events/s, {:.1} MB/s gzip, {:.0}% of replay",
        events / took,
        bytes as f64 / 1e6 / took,
        100.0 * replay / took
    );

    // The floor any consumer meets on moto: receive, GetObject, delete, nothing else.
    let c = setup("load-floor").await?;
    upload(&c, &payloads).await?;
    let t = Instant::now();
    let done = minimal_consumer(&c, payloads.len()).await?;
    let took = t.elapsed().as_secs_f64();
    println!(
        "moto floor (2 receivers: receive 10, GetObject each, delete batch; no decoding): {took:.2} s for {done} objects, {:.0} objects/s ({:.0} events/s)",
        done as f64 / took,
        events / took
    );

    for pin in [true, false] {
        let c = setup(&format!("load-{pin}")).await?;
        upload(&c, &payloads).await?;
        if pin {
            // moto's ceiling: GetObject alone, 16 in flight, from this process.
            let t = Instant::now();
            for n in (0..payloads.len()).step_by(16) {
                let mut set = tokio::task::JoinSet::new();
                for i in n..(n + 16).min(payloads.len()) {
                    let req = c.s3.get_object().bucket(&c.bucket).key(key(i));
                    set.spawn(async move {
                        req.send()
                            .await?
                            .body
                            .collect()
                            .await
                            .map(|b| b.into_bytes().len())
                            .map_err(anyhow::Error::from)
                    });
                }
                while let Some(r) = set.join_next().await {
                    r?.map_err(|e| anyhow::anyhow!("{e}"))?;
                }
            }
            let took = t.elapsed().as_secs_f64();
            println!(
                "moto GetObject alone, 16 in flight: {took:.2} s, {:.0} objects/s, {:.1} MB/s ({:.0} events/s if nothing else cost)",
                payloads.len() as f64 / took,
                bytes as f64 / 1e6 / took,
                events / took
            );
        }
        let export = scratch.path().join(format!("export-{pin}.ndjson"));
        let t = Instant::now();
        let mut child = daemon(&moto.1, &c.queue_url, scratch.path(), pin, &export)?;
        let mut peak = 0;
        while exported_records(&export) < events {
            if t.elapsed() > Duration::from_secs(1800) {
                bail!("daemon did not finish");
            }
            peak = peak.max(rss_kib(child.id()));
            std::thread::sleep(Duration::from_millis(200));
        }
        let took = t.elapsed().as_secs_f64();
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
        println!(
            "daemon, {}: {took:.2} s, {:.0} events/s, {:.1} MB/s gzip, {:.0}% of replay, peak RSS {} MiB",
            if pin { "1 core" } else { "2 cores" },
            events / took,
            bytes as f64 / 1e6 / took,
            100.0 * replay / took,
            peak / 1024
        );
    }
    Ok(())
}

/// Receives, fetches and deletes `n` notifications with two receivers; returns how many it handled.
async fn minimal_consumer(c: &Clients, n: usize) -> anyhow::Result<usize> {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..2 {
        let (s3, sqs, url, bucket, done) = (
            c.s3.clone(),
            c.sqs.clone(),
            c.queue_url.clone(),
            c.bucket.clone(),
            done.clone(),
        );
        set.spawn(async move {
            while done.load(std::sync::atomic::Ordering::Relaxed) < n {
                let got = sqs
                    .receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(1)
                    .send()
                    .await?;
                let mut gets = tokio::task::JoinSet::new();
                let mut receipts = Vec::new();
                for m in got.messages.unwrap_or_default() {
                    let body = m.body.unwrap_or_default();
                    let parsed = trailflow::source::notification::parse(&body)?;
                    receipts.push(m.receipt_handle.unwrap_or_default());
                    for o in parsed.objects {
                        let req = s3.get_object().bucket(&bucket).key(o.key);
                        gets.spawn(async move {
                            req.send()
                                .await?
                                .body
                                .collect()
                                .await
                                .map(|_| ())
                                .map_err(anyhow::Error::from)
                        });
                    }
                }
                while let Some(r) = gets.join_next().await {
                    r?.map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                if receipts.is_empty() {
                    continue;
                }
                let entries = receipts
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(r)
                            .build()
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                sqs.delete_message_batch()
                    .queue_url(&url)
                    .set_entries(Some(entries))
                    .send()
                    .await?;
                done.fetch_add(receipts.len(), std::sync::atomic::Ordering::Relaxed);
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(done.load(std::sync::atomic::Ordering::Relaxed))
}

async fn upload(c: &Clients, payloads: &[Vec<u8>]) -> anyhow::Result<()> {
    for (n, chunk) in payloads.chunks(16).enumerate() {
        let mut set = tokio::task::JoinSet::new();
        for (j, data) in chunk.iter().enumerate() {
            let req =
                c.s3.put_object()
                    .bucket(&c.bucket)
                    .key(key(n * 16 + j))
                    .body(data.clone().into());
            set.spawn(async move { req.send().await });
        }
        while let Some(r) = set.join_next().await {
            r??;
        }
    }
    // Wait until every notification is in the queue.
    loop {
        let attrs = c
            .sqs
            .get_queue_attributes()
            .queue_url(&c.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await?
            .attributes
            .unwrap_or_default();
        let n: usize = attrs
            .get(&QueueAttributeName::ApproximateNumberOfMessages)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if n >= payloads.len() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn soak(minutes: u64) -> anyhow::Result<()> {
    let moto = start_moto()?;
    set_aws_env(&moto.1);
    let c = setup("soak").await?;
    let scratch = tempfile::tempdir()?;
    let export = scratch.path().join("export.ndjson");
    let mut child = daemon(&moto.1, &c.queue_url, scratch.path(), false, &export)?;
    let start = Instant::now();
    let mut uploaded = 0usize;
    let mut next_report = Duration::from_secs(60);
    println!("minute, uploaded objects, exported records, daemon RSS MiB");
    while start.elapsed() < Duration::from_secs(minutes * 60) {
        // Two objects per second over 100 rolling keys: moto keeps only the latest of each.
        for _ in 0..2 {
            let data = gzip(&bulk::cloudtrail_object(200, uploaded as u64));
            c.s3.put_object()
                .bucket(&c.bucket)
                .key(key(uploaded % 100))
                .body(data.into())
                .send()
                .await?;
            uploaded += 1;
        }
        if start.elapsed() >= next_report {
            println!(
                "{}, {uploaded}, {:.0}, {}",
                next_report.as_secs() / 60,
                exported_records(&export),
                rss_kib(child.id()) / 1024
            );
            next_report += Duration::from_secs(60);
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    println!(
        "{minutes}, {uploaded}, {:.0}, {}",
        exported_records(&export),
        rss_kib(child.id()) / 1024
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["throughput", n] => throughput(n.parse()?).await,
        ["soak", m] => soak(m.parse()?).await,
        _ => bail!("usage: daemon_load throughput OBJECTS | soak MINUTES"),
    }
}
