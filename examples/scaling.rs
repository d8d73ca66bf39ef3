//! The daemon on 1, 2, 4 and 8 cores (as many as the machine has), over a directory source (no
//! network), beside `trailflow replay` on one core, in one run: throughput, speed-up, throughput
//! per core against one core's, and peak resident memory against replay's. The machine's own
//! ceiling is measured too: N replays at once, one per core, share nothing but the hardware, so
//! their combined rate is the most N cores of this machine give any program.
//!
//! ```sh
//! cargo build --release --examples && cargo run --release --example scaling
//! cargo run --release --example scaling -- 400 80 3   # CloudTrail objects, flow-log objects, runs
//! ```
//!
//! CloudTrail objects hold 1,000 generated events (about 200 KB of gzip), flow-log objects
//! 50,000 lines. Each configuration runs `runs` times, alternating; the table gives the median
//! and the range. Every daemon run must export as many records as the input holds.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use support::{exported_records, replay_args, trailflow};
use trailflow::synth::{bulk, gzip};

/// One timed process: wall seconds and peak RSS in MiB.
struct Run {
    secs: f64,
    rss_mib: f64,
}

/// Runs `trailflow ARGS` on the cores `cpus` under `/usr/bin/time`, for its peak RSS.
fn timed(
    cpus: &str,
    args: &[&str],
    envs: &[(&str, String)],
    scratch: &Path,
) -> anyhow::Result<Run> {
    let rss_file = scratch.join("rss");
    let t = Instant::now();
    let status = Command::new("taskset")
        .args(["-c", cpus, "/usr/bin/time", "-f", "%M", "-o"])
        .arg(&rss_file)
        .arg(trailflow()?)
        .args(args)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(scratch.join("stderr.log"))?)
        .status()?;
    let secs = t.elapsed().as_secs_f64();
    if !status.success() {
        bail!(
            "trailflow {args:?} failed: {}",
            std::fs::read_to_string(scratch.join("stderr.log")).unwrap_or_default()
        );
    }
    let kib: f64 = std::fs::read_to_string(&rss_file)?.trim().parse()?;
    Ok(Run {
        secs,
        rss_mib: kib / 1024.0,
    })
}

/// `n` replays of the same input at once, each pinned to a core of its own: what the machine
/// gives `n` processes that share nothing but its caches, memory and host. The time is the
/// slowest one's.
fn replays_at_once(n: usize, dir: &str, scratch: &Path) -> anyhow::Result<Run> {
    let t = Instant::now();
    let children = (0..n)
        .map(|core| {
            Command::new("taskset")
                .args(["-c", &core.to_string()])
                .arg(trailflow()?)
                .args(replay_args(dir))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(
                    scratch.join(format!("stderr-{core}.log")),
                )?)
                .spawn()
                .context("start a replay")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for mut child in children {
        if !child.wait()?.success() {
            bail!("a replay of {n} at once failed");
        }
    }
    Ok(Run {
        secs: t.elapsed().as_secs_f64(),
        rss_mib: f64::NAN,
    })
}

fn daemon(files: &Path, cpus: &str, scratch: &Path, records: f64) -> anyhow::Result<Run> {
    let export = scratch.join("export.ndjson");
    let ledger = scratch.join("ledger.redb");
    let _ = std::fs::remove_file(&export);
    let _ = std::fs::remove_file(&ledger);
    let envs = [
        ("TRAILFLOW_SOURCE__KIND", "directory".to_string()),
        ("TRAILFLOW_SOURCE__PATH", files.display().to_string()),
        ("TRAILFLOW_SOURCE__ONCE", "true".to_string()),
        ("TRAILFLOW_LEDGER__PATH", ledger.display().to_string()),
        ("TRAILFLOW_EXPORT__KIND", "file".to_string()),
        ("TRAILFLOW_EXPORT__PATH", export.display().to_string()),
        ("TRAILFLOW_DAEMON__HEALTH_LISTEN", String::new()),
    ];
    let run = timed(
        cpus,
        &["run", "--config", "deploy/example.toml"],
        &envs,
        scratch,
    )?;
    let got = exported_records(&export);
    if got != records {
        bail!("the daemon on cores {cpus} exported {got} records of {records}");
    }
    Ok(run)
}

fn generate(dir: &Path, kind: &str, objects: usize, per_object: usize) -> anyhow::Result<usize> {
    let mut bytes = 0;
    for i in 0..objects {
        let (key, raw) = match kind {
            "cloudtrail" => (
                format!(
                    "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/111122223333_CloudTrail_eu-west-1_20261127T1000Z_{i:06}.json.gz"
                ),
                bulk::cloudtrail_object(per_object, i as u64),
            ),
            _ => (
                format!(
                    "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/27/111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f67890_20261127T1000Z_{i:06}.log.gz"
                ),
                bulk::flowlog_object(per_object, i as u64),
            ),
        };
        let path = dir.join(key);
        std::fs::create_dir_all(path.parent().context("parent")?)?;
        let data = gzip(&raw);
        bytes += data.len();
        std::fs::write(&path, data)?;
    }
    Ok(bytes)
}

fn median_range(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()
        .context("usage: scaling [CLOUDTRAIL_OBJECTS FLOW_OBJECTS RUNS]")?;
    let (ct_objects, flow_objects, runs) = match args.as_slice() {
        [] => (400, 80, 3),
        [c, f, r] => (*c, *f, (*r).max(1)),
        _ => bail!("usage: scaling [CLOUDTRAIL_OBJECTS FLOW_OBJECTS RUNS]"),
    };
    let cores = std::thread::available_parallelism()?.get();
    let cpu_lists: Vec<(usize, String)> = [1, 2, 4, 8]
        .into_iter()
        .filter(|n| *n <= cores)
        .map(|n| (n, format!("0-{}", n - 1)))
        .collect();
    let scratch = tempfile::tempdir()?;
    println!(
        "| input | run | wall (median, range) | records/s | vs one core | per core | peak RSS | RSS vs replay |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (kind, objects, per_object) in [
        ("cloudtrail", ct_objects, 1_000),
        ("flow logs", flow_objects, 50_000),
    ] {
        if objects == 0 {
            continue;
        }
        let files = scratch.path().join(kind.replace(' ', "_"));
        let bytes = generate(&files, kind, objects, per_object)?;
        let records = (objects * per_object) as f64;
        let input = format!(
            "{kind}, {objects} x {per_object} ({:.0} MB gzip)",
            bytes as f64 / 1e6
        );
        // Alternating runs: replay, then the daemon on each core count, `runs` times.
        let mut replay = Vec::new();
        let mut daemons: Vec<Vec<Run>> = cpu_lists.iter().map(|_| Vec::new()).collect();
        let mut ceilings: Vec<Vec<Run>> = cpu_lists.iter().map(|_| Vec::new()).collect();
        for _ in 0..runs {
            let dir = files.display().to_string();
            for ((n, _), out) in cpu_lists.iter().zip(&mut ceilings).skip(1) {
                out.push(replays_at_once(*n, &dir, scratch.path())?);
            }
            replay.push(timed("0", &replay_args(&dir), &[], scratch.path())?);
            for ((_, cpus), out) in cpu_lists.iter().zip(&mut daemons) {
                out.push(daemon(&files, cpus, scratch.path(), records)?);
            }
        }
        // `inputs`: how many copies of the input the runs processed (one, or N replays at once).
        let row = |name: &str,
                   runs: &[Run],
                   cores: usize,
                   inputs: usize,
                   one: Option<f64>,
                   replay_rss: f64| {
            let (secs, lo, hi) = median_range(runs.iter().map(|r| r.secs).collect());
            let (rss, _, rss_hi) = median_range(runs.iter().map(|r| r.rss_mib).collect());
            let rate = inputs as f64 * records / secs;
            let (speedup, per_core) = match one {
                Some(one) => (
                    format!("{:.2}x", rate / one),
                    format!("{:.0}%", 100.0 * rate / one / cores as f64),
                ),
                None => ("".into(), "".into()),
            };
            let memory = if rss.is_nan() {
                " | ".to_string()
            } else {
                format!("{rss:.0} MiB (max {rss_hi:.0}) | {:.2}x", rss / replay_rss)
            };
            println!(
                "| {input} | {name} | {secs:.2} s ({lo:.2}-{hi:.2}) | {:.0}k | {speedup} | {per_core} | {memory} |",
                rate / 1e3,
            );
            rate
        };
        let replay_rss = median_range(replay.iter().map(|r| r.rss_mib).collect()).0;
        row("replay, 1 core", &replay, 1, 1, None, replay_rss);
        let replay_rate = records / median_range(replay.iter().map(|r| r.secs).collect()).0;
        for ((n, _), runs) in cpu_lists.iter().zip(&ceilings).skip(1) {
            row(
                &format!("machine: {n} replays at once, 1 core each"),
                runs,
                *n,
                *n,
                Some(replay_rate),
                replay_rss,
            );
        }
        let mut one = None;
        for ((n, _), runs) in cpu_lists.iter().zip(&daemons) {
            let rate = row(
                &format!("daemon, {n} core(s)"),
                runs,
                *n,
                1,
                one,
                replay_rss,
            );
            one.get_or_insert(rate);
        }
    }
    Ok(())
}
