#!/usr/bin/env python3
"""trailflow against DuckDB and ClickHouse (chdb) on the same gzip objects, one thread each.

Usage: python3 benches/compare_engines.py [--trailflow PATH] [--runs N]
Needs `pip install duckdb chdb` and a release build (`cargo build --release --examples`).
Generates 40 CloudTrail objects x 5,000 events and 20 flow-log objects x 100,000 lines (same
generator as the benches), then times whole processes pinned to one core (`taskset -c 0`):
  - trailflow replay with only the C1 (or F1) query in its queries directory, which leaves the
    records that query cannot keep unparsed; and the same with --parse-all (every record parsed
    and validated, as the daemon does);
  - DuckDB (SET threads = 1): read_json with an explicit Records type / read_csv;
  - ClickHouse in process (chdb, max_threads = 1): file(..., 'JSONAsString') with JSONExtract*
    for CloudTrail, file(..., 'LineAsString') with splitByChar for flow logs.
Beside them, the floor under every run: `decode_loop DIR --gunzip` inflates the same objects with
libdeflate and nothing else (whole process, start included).
Runs alternate between the engines; the table gives the median and the range of N runs (3 by
default). Each engine's total must equal trailflow's before any time is reported. An engine whose
Python package is missing is reported as such, not timed.
"""
import argparse, gzip, importlib.util, json, os, shutil, subprocess, sys, tempfile, time

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

C1_CLICKHOUSE = """
SELECT JSONExtractString(r, 'requestParameters', 'roleArn') AS role_arn, JSONExtractString(r, 'eventName') AS api,
       if(JSONHas(r, 'errorCode'), 'failure', 'success') AS outcome, JSONExtractString(r, 'errorCode') AS error_code,
       JSONExtractString(r, 'recipientAccountId') AS account, count() AS calls
FROM (SELECT arrayJoin(JSONExtractArrayRaw(json, 'Records')) AS r FROM file('{glob}', 'JSONAsString', 'json String'))
WHERE JSONExtractString(r, 'eventSource') = 'sts.amazonaws.com'
  AND JSONExtractString(r, 'eventName') IN ('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML')
GROUP BY role_arn, api, outcome, error_code, account
SETTINGS max_threads = 1
"""

# Field positions (1-based) come from the objects' header line.
F1_CLICKHOUSE = """
SELECT f[{interface-id}] AS eni, f[{vpc-id}] AS vpc, f[{subnet-id}] AS subnet, f[{az-id}] AS az,
       f[{flow-direction}] AS direction,
       if(toUInt32OrZero(f[{dstport}]) >= 32768, 'ephemeral', f[{dstport}]) AS dport, f[{protocol}] AS protocol,
       count() AS flows
FROM (SELECT splitByChar(' ', line) AS f FROM file('{glob}', 'LineAsString', 'line String'))
WHERE f[1] != 'version' AND f[{action}] = 'REJECT'
GROUP BY eni, vpc, subnet, az, direction, dport, protocol
SETTINGS max_threads = 1
"""


def timed(cmd, **kw):
    t = time.perf_counter()
    out = subprocess.run(["taskset", "-c", "0"] + cmd, capture_output=True, text=True, check=True, **kw)
    return time.perf_counter() - t, out


def trailflow_total(binary, query_file, data, metric, extra=()):
    qdir = tempfile.mkdtemp()
    shutil.copy(os.path.join(ROOT, "queries", "metrics", query_file), qdir)
    secs, out = timed([binary, "replay", "--quiet", "-o", "ndjson", "--queries", qdir, *extra, data])
    shutil.rmtree(qdir)
    total = sum(json.loads(l).get("value", 0) for l in out.stdout.splitlines() if json.loads(l)["metric"] == metric)
    return secs, total


def duckdb_total(sql):
    script = f"import duckdb; c = duckdb.connect(); c.execute('SET threads = 1'); c.execute('SET enable_progress_bar = false'); print(sum(r[-1] for r in c.execute({sql!r}).fetchall()))"
    secs, out = timed([sys.executable, "-c", script])
    return secs, float(out.stdout.strip().splitlines()[-1])


def clickhouse_total(sql):
    script = f"import chdb; print(chdb.query({sql!r}, 'CSV'))"
    secs, out = timed([sys.executable, "-c", script])
    total = sum(float(l.rsplit(",", 1)[-1]) for l in out.stdout.strip().splitlines() if l)
    return secs, total


def flow_positions(path):
    for root, _, files in os.walk(path):
        for f in files:
            if f.endswith(".gz"):
                with gzip.open(os.path.join(root, f), "rt") as g:
                    return {name: i + 1 for i, name in enumerate(g.readline().split())}
    raise SystemExit(f"no flow-log object under {path}")


def spread(runs):
    secs = sorted(s for s, _ in runs)
    return secs[len(secs) // 2], secs[0], secs[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trailflow", default=os.path.join(TARGET, "release", "trailflow"))
    ap.add_argument("--decode-loop", default=os.path.join(TARGET, "release", "examples", "decode_loop"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    engines = [("DuckDB", "duckdb", duckdb_total), ("ClickHouse (chdb)", "chdb", clickhouse_total)]
    present = [e for e in engines if importlib.util.find_spec(e[1])]
    for name, module, _ in engines:
        if (name, module) not in [(p[0], p[1]) for p in present]:
            print(f"{name}: not timed (pip install {module})")
    from importlib.metadata import version
    print("engines: " + ", ".join(f"{p[0]} {version(p[1])}" for p in present))
    gen = os.path.join(TARGET, "release", "examples", "gen_bulk")
    work = tempfile.mkdtemp()
    subprocess.run([gen, "cloudtrail", "40", "5000", os.path.join(work, "ct")], check=True)
    subprocess.run([gen, "flowlog", "20", "100000", os.path.join(work, "fl")], check=True)
    positions = flow_positions(os.path.join(work, "fl"))
    f1_clickhouse = F1_CLICKHOUSE
    for field, at in positions.items():
        f1_clickhouse = f1_clickhouse.replace("{" + field + "}", str(at))
    print("| metric | records | engine | wall, median (range) | records/s | trailflow's speed-up | with --parse-all |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, records, qfile, metric, data, sqls in [
        ("C1 (CloudTrail)", 200_000, "c01_sts_assume_role.sql", "trailflow.sts.assume_role.calls", "ct",
         {"duckdb": C1_DUCKDB, "chdb": C1_CLICKHOUSE}),
        ("F1 (flow logs)", 2_000_000, "f1_rejected_flows.sql", "trailflow.flow.rejected", "fl",
         {"duckdb": F1_DUCKDB, "chdb": f1_clickhouse}),
    ]:
        path = os.path.join(work, data)
        glob = os.path.join(path, "**", "*.gz")
        # Alternating runs: the first run of a process on this machine is often slower (cold
        # mappings), and no engine should carry that alone.
        runs = {"trailflow": [], "parse-all": [], "gunzip": []} | {p[1]: [] for p in present}
        for _ in range(args.runs):
            runs["gunzip"].append((timed([args.decode_loop, path, "--gunzip"])[0], None))
            runs["trailflow"].append(trailflow_total(args.trailflow, qfile, path, metric))
            runs["parse-all"].append(trailflow_total(args.trailflow, qfile, path, metric, ["--parse-all"]))
            for _, module, total in present:
                sql = sqls[module].replace("{glob}", glob).replace("{{", "{").replace("}}", "}")
                runs[module].append(total(sql))
        want = runs["trailflow"][0][1]
        for module, results in runs.items():
            for _, got in results:
                if module == "gunzip":
                    continue
                assert abs(got - want) < 0.5, f"{label}: {module} counted {got}, trailflow {want}"
        tf, _, _ = spread(runs["trailflow"])
        pa, _, _ = spread(runs["parse-all"])
        engines_run = [("gunzip only (libdeflate)", "gunzip"), ("trailflow", "trailflow"),
                       ("trailflow --parse-all", "parse-all")]
        for name, module in engines_run + [(p[0], p[1]) for p in present]:
            med, lo, hi = spread(runs[module])
            ratio = "" if module == "trailflow" else f"**{med / tf:.1f}x** ({lo / tf:.1f}-{hi / tf:.1f})"
            parsed = "" if module in ("trailflow", "parse-all", "gunzip") else f"{med / pa:.1f}x ({lo / pa:.1f}-{hi / pa:.1f})"
            print(f"| {label} | {records:,} ({want:,.0f} counted) | {name} | {med:.2f} s ({lo:.2f}-{hi:.2f}) | {records / med:,.0f} | {ratio} | {parsed} |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
