//! Decodes one object many times, for profiling the decoder without a benchmark harness around
//! it: `cargo build --release --example decode_loop && perf record -g
//! target/release/examples/decode_loop FILE [TIMES]`. Prints the rate. With `--baseline` after
//! TIMES (CloudTrail), also times inflating and a bare simd-json DOM parse of the same object,
//! alternating with the decoder, as `benches/decode.rs` does without its harness.
//! `decode_loop DIR --gunzip` inflates every `.gz` file under DIR once, as the decoders do
//! (libdeflate, one reused buffer), and prints the time: the floor under any run over DIR.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::Context;
use trailflow::decode::gzip::ContentReader;
use trailflow::decode::{DecodeOptions, InflateLimits, KindHint, decode_object};

// The allocator of the trailflow binary, so that profiles show what it does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .context("usage: decode_loop FILE [TIMES [--baseline]] | DIR --gunzip")?;
    if std::path::Path::new(&file).is_dir() {
        return gunzip_dir(std::path::Path::new(&file));
    }
    let times: usize = args
        .next()
        .map(|t| t.parse())
        .transpose()?
        .unwrap_or(10_000);
    let baseline = args.next().as_deref() == Some("--baseline");
    let bytes = std::fs::read(&file)?;
    let options = DecodeOptions::default();
    if baseline {
        return alternate(&file, &bytes, times, &options);
    }
    let started = std::time::Instant::now();
    let mut records = 0;
    for _ in 0..times {
        let decoded = decode_object(&file, &bytes, KindHint::Auto, &options);
        records += decoded.rows();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{times} decodes of {file}: {:.1} µs each, {:.0} records/s",
        secs / times as f64 * 1e6,
        records as f64 / secs
    );
    Ok(())
}

/// Inflates every `.gz` file under `dir` once; prints the files, bytes and time.
fn gunzip_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "gz") {
                files.push(path);
            }
        }
    }
    let started = std::time::Instant::now();
    let mut inflated = 0;
    for path in &files {
        let bytes = std::fs::read(path)?;
        let mut reader = ContentReader::new(&bytes, InflateLimits::default());
        inflated += match reader.whole() {
            Some(whole) => whole?.len(),
            None => reader.read_to_end()?.len(),
        };
    }
    println!(
        "gunzip of {} files under {}: {inflated} bytes in {:.3} s",
        files.len(),
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Decoder and baseline in turn, `times` objects each per round, five rounds; medians.
fn alternate(
    file: &str,
    bytes: &[u8],
    times: usize,
    options: &DecodeOptions,
) -> anyhow::Result<()> {
    let (mut decode, mut dom) = (Vec::new(), Vec::new());
    let mut records = 0;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        for _ in 0..times {
            records = decode_object(file, bytes, KindHint::Auto, options).rows();
        }
        decode.push(t.elapsed().as_secs_f64() / times as f64);
        let t = std::time::Instant::now();
        for _ in 0..times {
            let mut raw = ContentReader::new(bytes, InflateLimits::default()).read_to_end()?;
            let value = simd_json::to_borrowed_value(&mut raw)?;
            std::hint::black_box(&value);
        }
        dom.push(t.elapsed().as_secs_f64() / times as f64);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (decode, dom) = (median(decode), median(dom));
    println!(
        "{file}: {records} records; decode {:.0} records/s, gunzip + simd-json DOM {:.0} records/s; decode / baseline {:.0}%",
        records as f64 / decode,
        records as f64 / dom,
        dom / decode * 100.0
    );
    Ok(())
}
