//! End-to-end `replay` throughput (decode, windows, every metric query) beside
//! decode-only throughput of the same objects and inflating them only (libdeflate, the
//! floor of any decoder) in the same run, and the effect of the window size. One thread (per
//! core): `taskset -c 0 cargo bench --bench replay`.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use trailflow::config::Config;
use trailflow::decode::gzip::ContentReader;
use trailflow::decode::{DecodeOptions, InflateLimits, KindHint, decode_object};
use trailflow::engine::{Pipeline, load_catalog};
use trailflow::synth::{bulk, gzip};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Corpus {
    name: &'static str,
    hint: KindHint,
    objects: Vec<Vec<u8>>,
    records: u64,
    raw_bytes: u64,
}

fn corpus(
    name: &'static str,
    hint: KindHint,
    n: usize,
    per_object: usize,
    make: fn(usize, u64) -> Vec<u8>,
) -> Corpus {
    let mut raw_bytes = 0;
    let objects = (0..n)
        .map(|i| {
            let raw = make(per_object, i as u64);
            raw_bytes += raw.len() as u64;
            gzip(&raw)
        })
        .collect();
    Corpus {
        name,
        hint,
        objects,
        records: (n * per_object) as u64,
        raw_bytes,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn pipeline(rt: &tokio::runtime::Runtime, window_rows: usize) -> Pipeline {
    let mut config = Config::default();
    config.engine.window_max_rows = window_rows;
    config.engine.window_max_flow_rows = window_rows;
    rt.block_on(Pipeline::new(
        &config,
        load_catalog(None).expect("built-in queries"),
        false,
    ))
    .expect("queries plan")
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let corpora = [
        corpus(
            "cloudtrail",
            KindHint::CloudTrail,
            20,
            2_000,
            bulk::cloudtrail_object,
        ),
        corpus(
            "flowlog",
            KindHint::FlowLog,
            8,
            50_000,
            bulk::flowlog_object,
        ),
    ];
    let options = DecodeOptions::default();
    for c_ in &corpora {
        eprintln!(
            "{}: {} objects, {} records, {} bytes uncompressed",
            c_.name,
            c_.objects.len(),
            c_.records,
            c_.raw_bytes
        );
        let mut group = c.benchmark_group(format!("replay/{}", c_.name));
        group.sample_size(10);
        group.throughput(Throughput::ElementsAndBytes {
            elements: c_.records,
            bytes: c_.raw_bytes,
        });
        group.bench_function("gunzip", |b| {
            b.iter(|| {
                c_.objects
                    .iter()
                    .map(|o| {
                        // Into the thread's reused buffer, as the decoders inflate.
                        let mut r = ContentReader::new(black_box(o), InflateLimits::default());
                        let whole = r.whole().expect("one gzip member");
                        whole.expect("benchmark input inflates").len()
                    })
                    .sum::<usize>()
            })
        });
        group.bench_function("decode-only", |b| {
            b.iter(|| {
                c_.objects
                    .iter()
                    .map(|o| decode_object("x", black_box(o), c_.hint, &options).rows())
                    .sum::<usize>()
            })
        });
        for window in [10_000, 25_000, 50_000, 200_000] {
            group.bench_with_input(
                BenchmarkId::new("pipeline", window),
                &window,
                |b, &window| {
                    b.iter_batched(
                        || pipeline(&rt, window),
                        |mut p| {
                            rt.block_on(async {
                                for o in &c_.objects {
                                    p.push("x", black_box(o), c_.hint)
                                        .await
                                        .expect("pipeline runs");
                                }
                                p.finish().await.expect("pipeline finishes");
                            });
                            p.stats().records
                        },
                        BatchSize::PerIteration,
                    )
                },
            );
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
