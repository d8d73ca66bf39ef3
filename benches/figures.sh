#!/bin/sh
# Every throughput and memory figure of docs/performance.md's targets, each beside its baseline
# measured in the same run, on this machine:
#   1. replay (every built-in query) against inflating the same objects, one core
#      (`cargo bench --bench replay`: gunzip, decode-only and the pipeline per window size);
#   2. C1 and F1 against DuckDB and ClickHouse, one thread each, beside the gunzip-only floor
#      (benches/compare_engines.py; needs `pip install duckdb chdb`);
#   3. CloudTrail decoding against gunzip plus a bare simd-json DOM parse, 10 KB to 50 MB
#      (`cargo bench --bench decode -- cloudtrail`);
#   4. and 5. the daemon over a directory on 1, 2, 4 and 8 cores (as many as there are) against
#      replay on one core and N replays at once, with peak RSS (examples/scaling).
# Usage: sh benches/figures.sh [quick]   ("quick": fewer samples and runs, for a first look)
# About 20 minutes on 2 cores once built; a cold release build adds about 15.
set -eu
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
quick=${1:-}
if [ "$quick" = quick ]; then
    bench_args="--noplot --warm-up-time 1 --measurement-time 2"
    runs=1
else
    bench_args="--noplot"
    runs=3
fi
cargo build --release --bin trailflow --examples
echo "== 1. replay against gunzip, one core"
# shellcheck disable=SC2086
taskset -c 0 cargo bench --bench replay -- $bench_args
echo "== 2. C1 and F1 against DuckDB and ClickHouse, one thread each"
python3 benches/compare_engines.py --runs "$runs"
echo "== 3. CloudTrail decoding against gunzip + simd-json DOM, one core"
# shellcheck disable=SC2086
taskset -c 0 cargo bench --bench decode -- $bench_args cloudtrail
echo "== 4 and 5. the daemon on 1..N cores, peak RSS against replay"
"$target/release/examples/scaling" 400 80 "$runs"
