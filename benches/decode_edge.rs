//! Decode throughput of load balancer logs and Kubernetes audit events (from Firehose), each
//! beside baselines measured in the same run on the same bytes:
//! - `gunzip`: inflating the object only;
//! - `gunzip+split` (ALB): inflating, then splitting lines and fields without typing them;
//! - `gunzip+simd-json-dom` (audit): inflating, then a simd-json DOM parse of each envelope and
//!   of each audit event in it, without building rows;
//! - `decode`: trailflow's full path, object bytes to typed Arrow batches, every column filled
//!   (what `decode`, `query` and the archive ask for);
//! - `decode-queried` (ALB): the same, filling only the columns the built-in queries read, as
//!   the daemon does when no archive is configured. Every field is still split and checked.
//!
//! Criterion runs on one thread, so the rates are per core. Run with
//! `taskset -c 0 cargo bench --bench decode_edge`; see docs/performance.md.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use simd_json::prelude::*;
use trailflow::config::Config;
use trailflow::decode::gzip::ContentReader;
use trailflow::decode::{DecodeOptions, InflateLimits, KindHint, decode_object};
use trailflow::engine::{Pipeline, load_catalog};
use trailflow::synth::{bulk_edge, gzip};

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut r = ContentReader::new(gz, InflateLimits::default());
    r.read_to_end().expect("benchmark input inflates")
}

/// The decode options of the daemon without an archive: the columns the built-in queries read.
fn queried_columns() -> DecodeOptions {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let pipeline = rt
        .block_on(Pipeline::new(
            &Config::default(),
            load_catalog(None).expect("built-in queries"),
            false,
        ))
        .expect("queries plan");
    pipeline.decode_options().clone()
}

fn alb(c: &mut Criterion) {
    let options = DecodeOptions::default();
    let queried = queried_columns();
    for (label, lines) in [("1MB", 1_700), ("20MB", 34_000)] {
        let raw = bulk_edge::alb_object(lines, 7);
        let gz = gzip(&raw);
        eprintln!(
            "alb {label}: {lines} lines, {} bytes, {} gzip",
            raw.len(),
            gz.len()
        );
        let mut group = c.benchmark_group("alb");
        group.throughput(Throughput::ElementsAndBytes {
            elements: lines as u64,
            bytes: raw.len() as u64,
        });
        group.bench_with_input(BenchmarkId::new("gunzip", label), &gz, |b, gz| {
            b.iter(|| gunzip(black_box(gz)).len())
        });
        group.bench_with_input(BenchmarkId::new("gunzip+split", label), &gz, |b, gz| {
            b.iter(|| {
                let raw = gunzip(black_box(gz));
                raw.split(|&c| c == b'\n')
                    .map(|l| l.split(|&c| c == b' ').count())
                    .sum::<usize>()
            })
        });
        group.bench_with_input(BenchmarkId::new("decode", label), &gz, |b, gz| {
            b.iter(|| {
                decode_object(
                    "AWSLogs/1/elasticloadbalancing/eu-west-1/x.log.gz",
                    black_box(gz),
                    KindHint::Elb,
                    &options,
                )
                .rows()
            })
        });
        group.bench_with_input(BenchmarkId::new("decode-queried", label), &gz, |b, gz| {
            b.iter(|| {
                decode_object(
                    "AWSLogs/1/elasticloadbalancing/eu-west-1/x.log.gz",
                    black_box(gz),
                    KindHint::Elb,
                    &queried,
                )
                .rows()
            })
        });
        group.finish();
    }
}

fn audit(c: &mut Criterion) {
    let options = DecodeOptions::default();
    for (label, events) in [("1MB", 800), ("20MB", 16_000)] {
        let gz = bulk_edge::firehose_audit_object(events, 9);
        let raw = gunzip(&gz);
        eprintln!(
            "k8s_audit {label}: {events} events, {} bytes, {} gzip",
            raw.len(),
            gz.len()
        );
        let mut group = c.benchmark_group("k8s_audit");
        group.throughput(Throughput::ElementsAndBytes {
            elements: events as u64,
            bytes: raw.len() as u64,
        });
        group.bench_with_input(BenchmarkId::new("gunzip", label), &gz, |b, gz| {
            b.iter(|| gunzip(black_box(gz)).len())
        });
        group.bench_with_input(
            BenchmarkId::new("gunzip+simd-json-dom", label),
            &gz,
            |b, gz| {
                b.iter(|| {
                    let raw = gunzip(black_box(gz));
                    // Envelopes are back to back: `}{` separates them.
                    let mut parsed = 0usize;
                    let mut start = 0;
                    for end in memchr::memmem::find_iter(&raw, b"}{")
                        .map(|p| p + 1)
                        .chain([raw.len()])
                    {
                        let mut envelope = raw[start..end].to_vec();
                        start = end;
                        let dom =
                            simd_json::to_borrowed_value(&mut envelope).expect("envelope parses");
                        for e in dom["logEvents"].as_array().into_iter().flatten() {
                            let mut msg = e["message"]
                                .as_str()
                                .unwrap_or_default()
                                .as_bytes()
                                .to_vec();
                            parsed += usize::from(simd_json::to_borrowed_value(&mut msg).is_ok());
                        }
                    }
                    parsed
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("decode", label), &gz, |b, gz| {
            b.iter(|| {
                decode_object(
                    "firehose/eks-audit/x",
                    black_box(gz),
                    KindHint::K8sAudit,
                    &options,
                )
                .rows()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, alb, audit);
criterion_main!(benches);
