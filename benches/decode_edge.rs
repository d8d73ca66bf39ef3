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
//! The load balancer inputs are the generator's (browser user agents and query strings, 723
//! bytes a line) and, when `../shared/corpus/` is beside the checkout, AWS's documented ALB
//! entries (390-560 bytes) with their per-request fields varied (`1MB-documented`).
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
    let mut inputs: Vec<(&str, Vec<u8>, usize)> = [("1MB", 1_700), ("20MB", 34_000)]
        .into_iter()
        .map(|(label, lines)| (label, bulk_edge::alb_object(lines, 7), lines))
        .collect();
    match documented_alb_object(1 << 20) {
        Some((raw, lines)) => inputs.push(("1MB-documented", raw, lines)),
        None => eprintln!("alb 1MB-documented: not run, ../shared/corpus is absent"),
    }
    for (label, raw, lines) in inputs {
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

/// The ALB access entries of AWS's documentation (`../shared/corpus/`, when it is beside the
/// checkout), 390 to 560 bytes each, repeated to about `bytes` with the fields that differ
/// from request to request in a real log made to differ (time, client address, timings, sizes,
/// trace id), so the object compresses like a log and not like seven repeated lines.
fn documented_alb_object(bytes: usize) -> Option<(Vec<u8>, usize)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/corpus/awsdocs__elb-application-load-balancers-user-guide/doc_source/load-balancer-access-logs.md.extracted",
    );
    let mut templates: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".minimal-fix.log"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|t| t.trim_end().to_string())
        // Every ALB access entry has its quoted request line; one without is not an entry.
        .filter(|t| t.contains(" \""))
        .collect();
    templates.sort();
    if templates.is_empty() {
        return None;
    }
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut out, mut lines) = (Vec::with_capacity(bytes + 1024), 0);
    while out.len() < bytes {
        let template = &templates[lines % templates.len()];
        let (head, rest) = template.split_once(" \"").unwrap_or((template, ""));
        let mut fields: Vec<String> = head.split(' ').map(str::to_string).collect();
        if fields.len() >= 12 {
            let ms = lines as u64;
            fields[1] = format!(
                "2026-12-06T{:02}:{:02}:{:02}.{:06}Z",
                ms / 3_600_000 % 24,
                ms / 60_000 % 60,
                ms / 1000 % 60,
                (ms % 1000) * 1000 + next() % 1000
            );
            let r = next();
            fields[3] = format!(
                "10.{}.{}.{}:{}",
                r % 256,
                (r >> 8) % 256,
                (r >> 16) % 256,
                1024 + (r >> 24) % 60_000
            );
            for t in &mut fields[5..8] {
                if t != "-1" {
                    *t = format!("{}.{:03}", next() % 2, next() % 1000);
                }
            }
            fields[10] = (next() % 5_000).to_string();
            fields[11] = (next() % 200_000).to_string();
        }
        let mut rest = rest.to_string();
        if let Some(at) = rest.find("Root=1-") {
            let end = (at + 7 + 33).min(rest.len());
            rest.replace_range(
                at + 7..end,
                &format!(
                    "{:08x}-{:012x}{:012x}",
                    next() as u32,
                    next() >> 16,
                    next() >> 16
                ),
            );
        }
        out.extend_from_slice(fields.join(" ").as_bytes());
        out.extend_from_slice(b" \"");
        out.extend_from_slice(rest.as_bytes());
        out.push(b'\n');
        lines += 1;
    }
    Some((out, lines))
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
