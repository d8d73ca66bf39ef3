#!/usr/bin/env python3
"""trailflow vs DuckDB on the same gzip objects, one thread each, same metric (C1 or F1).

Usage: python3 benches/compare_duckdb.py [--trailflow PATH]
Needs `pip install duckdb` and a release build (`cargo build --release --examples`).
Generates 40 CloudTrail objects x 5,000 events and 20 flow-log objects x 100,000 lines (same
generator as the benches), then times, pinned to one core:
  - trailflow replay with only the C1 (or F1) query in its queries directory;
  - DuckDB read_json / read_csv with SET threads = 1 and the same aggregation.
Each is run three times, alternating, and the median wall time is reported; both results are
checked to agree before the times are reported.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))

C1_DUCKDB = """
SELECT r.requestParameters.roleArn AS role_arn, r.eventName AS api,
       CASE WHEN r.errorCode IS NULL THEN 'success' ELSE 'failure' END AS outcome,
       r.errorCode AS error_code, r.recipientAccountId AS account, COUNT(*) AS calls
FROM (SELECT unnest(Records) AS r FROM read_json('{glob}', format='auto', maximum_object_size=268435456,
      columns={{'Records': 'STRUCT(eventSource VARCHAR, eventName VARCHAR, errorCode VARCHAR, recipientAccountId VARCHAR, requestParameters STRUCT(roleArn VARCHAR))[]'}}))
WHERE r.eventSource = 'sts.amazonaws.com' AND r.eventName IN ('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML')
GROUP BY ALL
"""

F1_DUCKDB = """
SELECT "interface-id", "vpc-id", "subnet-id", "az-id", "flow-direction",
       CASE WHEN dstport >= 32768 THEN 'ephemeral' ELSE CAST(dstport AS VARCHAR) END AS dport, protocol, COUNT(*) AS flows
FROM read_csv('{glob}', delim=' ', header=true, nullstr='-', auto_detect=true)
WHERE action = 'REJECT'
GROUP BY ALL
"""


RUNS = 3


def timed(cmd, **kw):
    t = time.perf_counter()
    out = subprocess.run(["taskset", "-c", "0"] + cmd, capture_output=True, text=True, check=True, **kw)
    return time.perf_counter() - t, out


def trailflow_total(binary, query_file, data, metric):
    qdir = tempfile.mkdtemp()
    shutil.copy(os.path.join(ROOT, "queries", "metrics", query_file), qdir)
    secs, out = timed([binary, "replay", "--quiet", "-o", "ndjson", "--queries", qdir, data])
    total = sum(json.loads(l).get("value", 0) for l in out.stdout.splitlines() if json.loads(l)["metric"] == metric)
    return secs, total


def duckdb_total(sql):
    script = f"import duckdb; c = duckdb.connect(); c.execute('SET threads = 1'); c.execute('SET enable_progress_bar = false'); print(sum(r[-1] for r in c.execute({sql!r}).fetchall()))"
    secs, out = timed([sys.executable, "-c", script])
    return secs, float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trailflow", default=os.path.join(TARGET, "release", "trailflow"))
    args = ap.parse_args()
    gen = os.path.join(TARGET, "release", "examples", "gen_bulk")
    work = tempfile.mkdtemp()
    subprocess.run([gen, "cloudtrail", "40", "5000", os.path.join(work, "ct")], check=True)
    subprocess.run([gen, "flowlog", "20", "100000", os.path.join(work, "fl")], check=True)
    rows = []
    for name, records, qfile, metric, sql, data in [
        ("C1 (CloudTrail, 200,000 events)", 200_000, "c01_sts_assume_role.sql", "trailflow.sts.assume_role.calls", C1_DUCKDB, "ct"),
        ("F1 (flow logs, 2,000,000 lines)", 2_000_000, "f1_rejected_flows.sql", "trailflow.flow.rejected", F1_DUCKDB, "fl"),
    ]:
        path = os.path.join(work, data)
        glob = os.path.join(path, "**", "*.gz")
        # Median of three runs each, alternating: the first run of a process on this machine
        # is often slower (cold mappings), and neither tool should carry that alone.
        tf_runs, db_runs = [], []
        for _ in range(RUNS):
            tf_runs.append(trailflow_total(args.trailflow, qfile, path, metric))
            db_runs.append(duckdb_total(sql.format(glob=glob)))
        t_tf, total_tf = sorted(tf_runs)[RUNS // 2]
        t_db, total_db = sorted(db_runs)[RUNS // 2]
        assert abs(total_tf - total_db) < 0.5, f"{name}: trailflow counted {total_tf}, DuckDB {total_db}"
        rows.append((name, total_tf, t_tf, records / t_tf, t_db, records / t_db, t_db / t_tf))
    print("| metric | count | trailflow s | trailflow rec/s | DuckDB s | DuckDB rec/s | speed-up |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r[0]} | {r[1]:.0f} | {r[2]:.2f} | {r[3]:,.0f} | {r[4]:.2f} | {r[5]:,.0f} | {r[6]:.1f}x |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
