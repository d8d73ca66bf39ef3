//! Decode throughput for CloudTrail and flow logs, each beside baselines measured
//! in the same run on the same bytes:
//! - `gunzip`: inflating the object only;
//! - `gunzip+simd-json-dom` (CloudTrail): inflating, then a bare simd-json DOM parse of the whole file;
//! - `gunzip+split` (flow logs): inflating, then splitting lines and fields without typing them;
//! - `decode`: trailflow's full path, object bytes to typed Arrow batches.
//!
//! Criterion runs on one thread, so the rates are per core. Run with
//! `taskset -c 0 cargo bench --bench decode`; see docs/performance.md.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

// The same allocator as the binary, so the rates are the daemon's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use trailflow::decode::gzip::ContentReader;
use trailflow::decode::{DecodeOptions, InflateLimits, KindHint, decode_object};
use trailflow::synth::{bulk, gzip};

struct Input {
    label: &'static str,
    records: u64,
    raw_len: u64,
    gz: Vec<u8>,
}

fn input(label: &'static str, records: usize, raw: Vec<u8>) -> Input {
    Input {
        label,
        records: records as u64,
        raw_len: raw.len() as u64,
        gz: gzip(&raw),
    }
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut r = ContentReader::new(gz, InflateLimits::default());
    r.read_to_end().expect("benchmark input inflates")
}

fn configure<'a>(
    c: &'a mut Criterion,
    name: &str,
    i: &Input,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::ElementsAndBytes {
        elements: i.records,
        bytes: i.raw_len,
    });
    if i.raw_len > 10_000_000 {
        group.sample_size(10);
    }
    group
}

fn cloudtrail(c: &mut Criterion) {
    let inputs = [
        input("10KB", 7, bulk::cloudtrail_object(7, 1)),
        input("1MB", 680, bulk::cloudtrail_object(680, 2)),
        input("50MB", 34_000, bulk::cloudtrail_object(34_000, 3)),
    ];
    let options = DecodeOptions::default();
    for i in &inputs {
        eprintln!(
            "cloudtrail {}: {} events, {} bytes, {} gzip, {:.0} B/event",
            i.label,
            i.records,
            i.raw_len,
            i.gz.len(),
            i.raw_len as f64 / i.records as f64
        );
        let mut group = configure(c, "cloudtrail", i);
        group.bench_with_input(BenchmarkId::new("gunzip", i.label), i, |b, i| {
            b.iter(|| gunzip(black_box(&i.gz)).len())
        });
        group.bench_with_input(
            BenchmarkId::new("gunzip+simd-json-dom", i.label),
            i,
            |b, i| {
                b.iter(|| {
                    let mut raw = gunzip(black_box(&i.gz));
                    let dom =
                        simd_json::to_borrowed_value(&mut raw).expect("benchmark input parses");
                    simd_json::prelude::ValueAsArray::as_array(&dom["Records"]).map(Vec::len)
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("decode", i.label), i, |b, i| {
            b.iter(|| {
                decode_object(
                    "AWSLogs/1/CloudTrail/x.json.gz",
                    black_box(&i.gz),
                    KindHint::CloudTrail,
                    &options,
                )
                .rows()
            })
        });
        group.finish();
    }
}

fn flowlog(c: &mut Criterion) {
    let inputs = [
        input("10KB", 50, bulk::flowlog_object(50, 1)),
        input("1MB", 4_600, bulk::flowlog_object(4_600, 2)),
        input("50MB", 230_000, bulk::flowlog_object(230_000, 3)),
    ];
    let options = DecodeOptions::default();
    for i in &inputs {
        eprintln!(
            "flowlog {}: {} lines, {} bytes, {} gzip, {:.0} B/line",
            i.label,
            i.records,
            i.raw_len,
            i.gz.len(),
            i.raw_len as f64 / i.records as f64
        );
        let mut group = configure(c, "flowlog", i);
        group.bench_with_input(BenchmarkId::new("gunzip", i.label), i, |b, i| {
            b.iter(|| gunzip(black_box(&i.gz)).len())
        });
        group.bench_with_input(BenchmarkId::new("gunzip+split", i.label), i, |b, i| {
            b.iter(|| {
                let raw = gunzip(black_box(&i.gz));
                raw.split(|&c| c == b'\n')
                    .map(|l| l.split(|&c| c == b' ').count())
                    .sum::<usize>()
            })
        });
        group.bench_with_input(BenchmarkId::new("decode", i.label), i, |b, i| {
            b.iter(|| {
                decode_object(
                    "AWSLogs/1/vpcflowlogs/x.log.gz",
                    black_box(&i.gz),
                    KindHint::FlowLog,
                    &options,
                )
                .rows()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, cloudtrail, flowlog);
criterion_main!(benches);
