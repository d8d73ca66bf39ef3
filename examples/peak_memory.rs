//! Peak memory of decoding one object, relative to its decompressed size.
//!
//! `cargo run --release --example peak_memory -- generate cloudtrail|flowlog MB FILE` writes a
//! generated gzip object; `cargo run --release --example peak_memory -- decode FILE` decodes it
//! and prints the peak resident memory the decode added, as a multiple of the decompressed size.
//! `cargo run --release --example peak_memory -- replay DIR` runs the whole pipeline (default
//! windows, every metric query) over a directory and prints the peak resident memory.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, bail};
use trailflow::decode::{DecodeOptions, KindHint, decode_object};
use trailflow::synth::{bulk, gzip};

fn status_kib(field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .context("no such /proc field")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("bad /proc line")?
        .parse()?)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", kind, mb, file] => {
            let mb: usize = mb.parse()?;
            let raw = match *kind {
                "cloudtrail" => bulk::cloudtrail_object(mb * 1024 * 1024 / 1500, 7),
                "flowlog" => bulk::flowlog_object(mb * 1024 * 1024 / 200, 7),
                other => bail!("unknown kind {other}"),
            };
            std::fs::write(file, gzip(&raw))?;
            println!("{file}: {} bytes decompressed", raw.len());
        }
        ["decode", file] => {
            let bytes = std::fs::read(file)?;
            // Start the high-water mark here: the object's stored bytes are the daemon's input, not decode cost.
            std::fs::write("/proc/self/clear_refs", "5").context("resetting the peak RSS")?;
            let before = status_kib("VmRSS:")?;
            let decoded = decode_object(file, &bytes, KindHint::Auto, &DecodeOptions::default());
            let peak = status_kib("VmHWM:")?;
            let added = (peak.saturating_sub(before)) * 1024;
            println!(
                "{file}: {} rows, {} bytes decompressed, peak RSS added by decode {} bytes = {:.2}x the decompressed size",
                decoded.rows(),
                decoded.content_bytes,
                added,
                added as f64 / decoded.content_bytes as f64
            );
        }
        ["replay", dir] => {
            let files = trailflow::cli::inputs::collect_files(&[dir.into()])?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let config = trailflow::config::Config::default();
            let catalog = trailflow::engine::load_catalog(None)?;
            let mut pipeline =
                runtime.block_on(trailflow::engine::Pipeline::new(&config, catalog, false))?;
            let mut content = 0u64;
            for f in &files {
                let bytes = std::fs::read(f)?;
                let decoded = runtime.block_on(pipeline.push(
                    &f.display().to_string(),
                    &bytes,
                    KindHint::Auto,
                ))?;
                content += decoded.content_bytes;
            }
            runtime.block_on(pipeline.finish())?;
            println!(
                "{dir}: {} objects, {} records, {} windows, {} MiB decompressed, peak RSS {} MiB",
                files.len(),
                pipeline.stats().records,
                pipeline.stats().windows,
                content >> 20,
                status_kib("VmHWM:")? >> 10
            );
        }
        _ => bail!(
            "usage: peak_memory generate cloudtrail|flowlog MB FILE | decode FILE | replay DIR"
        ),
    }
    Ok(())
}
