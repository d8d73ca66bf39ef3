//! Where the archive's time goes, per object, on one thread: decoding only the columns the
//! built-in queries read (what the daemon does without the archive), decoding every column (what
//! it does with it), and encoding the decoded records into the archive's Parquet files. The stages alternate object by object over five rounds; the table
//! gives the median round. Nothing is written to disk.
//!
//! ```sh
//! cargo run --release --example gen_bulk -- flowlog 8 50000 /tmp/flow
//! taskset -c 0 target/release/examples/archive_cost /tmp/flow
//! ```
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use trailflow::archive::{Archive, Store};
use trailflow::config::ArchiveConfig;
use trailflow::decode::{DecodeOptions, KindHint, decode_object};

// The allocator of the trailflow binary, so that the figures are the daemon's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).context("usage: archive_cost DIR")?;
    let mut paths = Vec::new();
    files(Path::new(&dir), &mut paths)?;
    paths.sort();
    let objects: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read(p)?)))
        .collect::<std::io::Result<_>>()?;
    let gzip_bytes: usize = objects.iter().map(|(_, b)| b.len()).sum();

    let catalog = trailflow::engine::load_catalog(None)?;
    let engine =
        trailflow::engine::Engine::new(catalog, &trailflow::config::Lookups::default()).await?;
    let queried = engine.decode_options();
    let every = DecodeOptions::default();
    let zstd = Archive::new(Store::Local("/unused".into()), &ArchiveConfig::default())?;

    // Seconds per stage per round: queried decode, full decode, encode.
    let mut rounds: [Vec<f64>; 3] = Default::default();
    let (mut records, mut parquet_bytes) = (0, 0);
    for _ in 0..5 {
        let mut t = [0.0; 3];
        records = 0;
        parquet_bytes = 0;
        for (name, bytes) in &objects {
            let s = Instant::now();
            let _ = decode_object(name, bytes, KindHint::Auto, &queried);
            t[0] += s.elapsed().as_secs_f64();
            let s = Instant::now();
            let decoded = decode_object(name, bytes, KindHint::Auto, &every);
            t[1] += s.elapsed().as_secs_f64();
            records += decoded.rows();
            let s = Instant::now();
            let written = zstd.encode(name, &decoded.batches)?;
            t[2] += s.elapsed().as_secs_f64();
            parquet_bytes += written.iter().map(|f| f.bytes.len()).sum::<usize>();
        }
        for (round, secs) in rounds.iter_mut().zip(t) {
            round.push(secs);
        }
    }
    let [queried_s, every_s, encode_s] = rounds.map(median);
    println!(
        "{} objects, {records} records, {:.1} MB of gzip, {:.1} MB of Parquet (zstd)",
        objects.len(),
        gzip_bytes as f64 / 1e6,
        parquet_bytes as f64 / 1e6
    );
    let row = |what: &str, secs: f64| {
        println!(
            "{what:<42} {:>8.1} ms {:>10.0} records/s {:>5.0}% of the queried decode",
            secs * 1e3,
            records as f64 / secs,
            secs / queried_s * 100.0
        );
    };
    row("decode, the queries' columns (archive off)", queried_s);
    row("decode, every column (archive on)", every_s);
    row("Parquet encode (zstd 1), every column", encode_s);
    row(
        "archive on: decode every column + encode",
        every_s + encode_s,
    );
    Ok(())
}
