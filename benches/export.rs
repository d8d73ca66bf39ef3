//! What one export costs as the series set grows: encoding every series into an
//! OTLP `ExportMetricsServiceRequest` (and its protobuf bytes), and rendering
//! the Prometheus text of `/metrics`, beside cloning the set (what the
//! coordinator does before every export) as the baseline of the same run.
//! `taskset -c 0 cargo bench --bench export`.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use prost::Message;
use trailflow::engine::load_catalog;
use trailflow::export::otlp::{Temporality, attribute, request};
use trailflow::metrics::{MetricPoint, PointValue, SeriesSet};

/// `per_metric` label sets for every metric of the catalog (histograms get values, too).
fn series(per_metric: usize) -> SeriesSet {
    let catalog = load_catalog(None).unwrap();
    let mut set = SeriesSet::new(&catalog, per_metric);
    let metrics: Vec<(usize, usize)> = set
        .metrics()
        .iter()
        .enumerate()
        .map(|(i, m)| (i, m.labels.len()))
        .collect();
    for (metric, labels) in metrics {
        for n in 0..per_metric {
            let labels = (0..labels)
                .map(|l| format!("arn:aws:iam::111122223333:role/value-{l}-{n}"))
                .collect();
            set.record(MetricPoint {
                metric,
                labels,
                value: PointValue::Number((n % 97) as f64 + 0.5),
            });
        }
    }
    set
}

fn bench(c: &mut Criterion) {
    let resource = vec![
        attribute("service.name", "trailflow"),
        attribute("service.instance.id", "bench"),
    ];
    let mut group = c.benchmark_group("export");
    for per_metric in [100, 2000] {
        let set = series(per_metric);
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("clone_baseline", set.len()),
            &set,
            |b, s| b.iter(|| black_box(s.clone())),
        );
        group.bench_with_input(BenchmarkId::new("otlp_encode", set.len()), &set, |b, s| {
            b.iter(|| {
                let r = request(
                    s,
                    &resource,
                    trailflow::export::otlp::Times {
                        start_unix_nano: 1,
                        now_unix_nano: 2,
                    },
                    Temporality::Cumulative,
                    None,
                );
                black_box(r.encode_to_vec())
            })
        });
        group.bench_with_input(
            BenchmarkId::new("prometheus_text", set.len()),
            &set,
            |b, s| b.iter(|| black_box(trailflow::metrics::prometheus::render(s))),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
