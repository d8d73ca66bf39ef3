//! Decodes one object many times, for profiling the decoder without a benchmark harness around
//! it: `cargo build --release --example decode_loop && perf record -g
//! target/release/examples/decode_loop FILE [TIMES]`. Prints the rate.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::Context;
use trailflow::decode::{DecodeOptions, KindHint, decode_object};

// The allocator of the trailflow binary, so that profiles show what it does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let file = args.next().context("usage: decode_loop FILE [TIMES]")?;
    let times: usize = args
        .next()
        .map(|t| t.parse())
        .transpose()?
        .unwrap_or(10_000);
    let bytes = std::fs::read(&file)?;
    let options = DecodeOptions::default();
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
