//! The Parquet archive: the daemon archives every decoded row once, in the partition of its own
//! account, region and UTC date; a rerun or a kill -9 and redelivery rewrites the same files;
//! an independent reader (DuckDB, hive partitioning on) sees what `trailflow decode` sees, and
//! the external tables' columns match the files; no credential reaches a file.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use arrow::json::LineDelimitedWriter;
use common::daemon::{
    Stack, StackOptions, assert_totals_eq, exported_totals, records, sample_objects,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use trailflow::schema::LogKind;
use trailflow::synth::samples::{PLANTED_AUTHORIZATION, PLANTED_COOKIE, PLANTED_SESSION_TOKEN};

fn manifest() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
}

/// Rows as JSON lines, sorted: a multiset to compare.
fn json_lines(batches: &[arrow::array::RecordBatch]) -> Vec<String> {
    let mut buf = Vec::new();
    {
        let mut w = LineDelimitedWriter::new(&mut buf);
        for b in batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
    }
    let mut lines: Vec<String> = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// What `trailflow decode` gives for the samples, per table.
fn decoded_rows() -> BTreeMap<String, Vec<String>> {
    let mut by_table: BTreeMap<String, Vec<arrow::array::RecordBatch>> = BTreeMap::new();
    for (key, bytes) in sample_objects("") {
        for (kind, batch) in common::decode(&key, &bytes).batches {
            by_table
                .entry(kind.table_name().to_string())
                .or_default()
                .push(batch);
        }
    }
    by_table
        .into_iter()
        .map(|(t, b)| (t, json_lines(&b)))
        .collect()
}

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let path = e.unwrap().path();
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if path.is_dir() {
                out.extend(parquet_files(&path));
            } else if !hidden {
                // Hidden files are a write in progress when the process was killed: every
                // engine skips them, as this does.
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every archived row per table, read back with the Parquet reader.
fn archived_rows(root: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for kind in LogKind::ALL {
        let files = parquet_files(&root.join(kind.table_name()));
        let mut batches = Vec::new();
        for f in &files {
            assert_eq!(
                f.extension().and_then(|e| e.to_str()),
                Some("parquet"),
                "{f:?}"
            );
            let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(f).unwrap())
                .unwrap()
                .build()
                .unwrap();
            batches.extend(reader.map(Result::unwrap));
        }
        if !batches.is_empty() {
            out.insert(kind.table_name().to_string(), json_lines(&batches));
        }
    }
    out
}

fn run_local(lake: &Path, export: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["run", "--config", "deploy/local.toml"])
        .current_dir(manifest())
        .env(
            "TRAILFLOW_ARCHIVE__URL",
            format!("file://{}", lake.display()),
        )
        .env("TRAILFLOW_EXPORT__KIND", "file")
        .env("TRAILFLOW_EXPORT__PATH", export)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_decoded_row_is_archived_once_and_a_rerun_replaces_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    run_local(&lake, &dir.path().join("export-1.ndjson"));
    let first = parquet_files(&lake);
    assert!(first.len() >= 10, "{first:?}");
    let truth = decoded_rows();
    assert_eq!(archived_rows(&lake), truth);

    // A second run over the same objects (its ledger is in memory: everything is new to it)
    // writes the same names: nothing is added.
    run_local(&lake, &dir.path().join("export-2.ndjson"));
    assert_eq!(parquet_files(&lake), first);
    assert_eq!(archived_rows(&lake), truth);

    // `decode` is for raw logs: an archive file says what it is instead of passing for a
    // Parquet flow log.
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["decode", "-o", "ndjson"])
        .arg(lake.join("cloudtrail"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a Parquet file of the trailflow archive (table `cloudtrail`)"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// The expected partition values of one decoded row, stated independently of the archive code.
fn expected_partition(table: &str, row: &serde_json::Value) -> (String, String, String) {
    let (account, region, time) = match table {
        "cloudtrail" | "cloudtrail_insight" => ("recipient_account_id", "aws_region", "event_time"),
        "cloudtrail_digest" => ("aws_account_id", "", "digest_end_time"),
        "flowlog" => ("account_id", "region", "start"),
        "elb_access" => ("account", "region", "time"),
        "waf" => ("account", "region", "timestamp"),
        "k8s_audit" => ("account", "", "request_received_time"),
        other => panic!("unknown table {other}"),
    };
    let text = |c: &str| {
        row.get(c)
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_string()
    };
    let date = text(time).get(..10).unwrap_or("unknown").to_string();
    (text(account), text(region), date)
}

#[test]
fn duckdb_reads_the_partitions_the_rows_belong_to() {
    if !common::duckdb::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    run_local(&lake, &dir.path().join("export.ndjson"));
    for (table, rows) in decoded_rows() {
        let mut want: BTreeMap<(String, String, String), i64> = BTreeMap::new();
        for line in &rows {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            *want.entry(expected_partition(&table, &row)).or_default() += 1;
        }
        let got: BTreeMap<(String, String, String), i64> = common::duckdb::query(
            &lake,
            &format!(
                "SELECT account, region, date, count(*) FROM read_parquet('{table}/**/*.parquet', \
                 hive_partitioning = true, hive_types_autocast = false) GROUP BY ALL"
            ),
        )
        .into_iter()
        .map(|r| {
            let s = |i: usize| r[i].as_str().unwrap_or_default().to_string();
            ((s(0), s(1), s(2)), r[3].as_i64().unwrap_or(-1))
        })
        .collect();
        assert_eq!(got, want, "{table}");

        // The external table declares the files' columns, in order, and the partition keys once.
        let ddl = std::fs::read_to_string(manifest().join(format!("queries/athena/{table}.sql")))
            .unwrap();
        let declared: Vec<String> = ddl
            .lines()
            .filter_map(|l| l.strip_prefix("  `"))
            .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_string()))
            .collect();
        let in_files: Vec<String> = common::duckdb::query(
            &lake,
            &format!("DESCRIBE SELECT * FROM read_parquet('{table}/**/*.parquet')"),
        )
        .into_iter()
        .filter_map(|r| r[0].as_str().map(str::to_string))
        .filter(|c| !["account", "region", "date"].contains(&c.as_str()))
        .collect();
        assert_eq!(declared, in_files, "{table}");
    }

    // Nothing secret, in any column of any table, once decompressed.
    for kind in LogKind::ALL {
        let table = kind.table_name();
        if parquet_files(&lake.join(table)).is_empty() {
            continue;
        }
        let hits = common::duckdb::query(
            &lake,
            &format!(
                "SELECT count(*) FROM read_parquet('{table}/**/*.parquet') t \
                 WHERE t::VARCHAR LIKE '%{PLANTED_SESSION_TOKEN}%' \
                 OR t::VARCHAR LIKE '%{PLANTED_AUTHORIZATION}%' \
                 OR t::VARCHAR LIKE '%{PLANTED_COOKIE}%' \
                 OR t::VARCHAR ILIKE '%sessionToken%' OR t::VARCHAR ILIKE '%secretAccessKey%'"
            ),
        );
        assert_eq!(hits[0][0].as_i64(), Some(0), "{table} holds a secret");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_archiving_rewrites_the_same_files_and_counts_once() {
    // The killed process leaves live claims on the objects it was working on: their messages
    // can come back while a claim's lease still runs (it started after the receive), find the
    // object busy, and come back again. Two receives would send them to the dead-letter queue,
    // which docs/delivery.md warns against: the queue allows five, as it advises.
    let Some(stack) = Stack::start(StackOptions {
        name: "archivekill",
        max_receive_count: 5,
        ..Default::default()
    })
    .await
    else {
        return;
    };
    let objects = sample_objects("");
    for (key, bytes) in &objects {
        stack.put(key, bytes).await;
    }
    let truth = stack.truth(&objects);
    let lake = stack.path("lake");
    let archive = [(
        "TRAILFLOW_ARCHIVE__URL",
        format!("file://{}", lake.display()),
    )];
    let env = |extra: &[(&'static str, &'static str)]| {
        let mut env: Vec<(&str, &str)> = archive.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.extend_from_slice(extra);
        env
    };

    let first = stack.path("export-1.ndjson");
    let crashed = stack.spawn(&first, &env(&[("TRAILFLOW_FAULT", "after_archive")]));
    let stderr = crashed.wait(Duration::from_secs(60));
    assert!(stderr.contains("TRAILFLOW_FAULT=after_archive"), "{stderr}");
    assert!(!parquet_files(&lake).is_empty(), "killed before archiving");

    let second = stack.path("export-2.ndjson");
    let daemon = stack.spawn(&second, &env(&[]));
    stack.wait_drained(Duration::from_secs(60)).await;
    stack
        .wait_for_records(
            &[first.clone(), second.clone()],
            records(&truth),
            Duration::from_secs(30),
        )
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, stderr) = daemon.terminate();
    assert_totals_eq(&exported_totals(&[first, second]), &truth, &stderr);
    assert_eq!(archived_rows(&lake), decoded_rows(), "{stderr}");
}

fn query(sql: &str, path: &Path, extra: &[&str]) -> (Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["query", "-o", "ndjson", "--sql", sql])
        .args(extra)
        .arg(path)
        .current_dir(manifest())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{sql}: {stderr}");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    (lines, stderr)
}

#[test]
fn trailflow_query_answers_the_same_over_the_archive_and_prunes_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    run_local(&lake, &dir.path().join("export.ndjson"));
    let samples = manifest().join("samples");
    let statements = [
        "SELECT event_name, error_code, count(*) n FROM cloudtrail GROUP BY 1, 2",
        "SELECT * FROM cloudtrail WHERE event_name = 'Decrypt'",
        "SELECT interface_id, dstport, action, sum(packets) p, min(\"start\") s FROM flowlog GROUP BY 1, 2, 3",
        "SELECT elb, elb_status_code, target_status_code, count(*) n FROM elb_access GROUP BY 1, 2, 3",
        "SELECT action, terminating_rule_id, count(*) n FROM waf GROUP BY 1, 2",
        "SELECT verb, object_resource, response_code, count(*) n FROM k8s_audit GROUP BY 1, 2, 3",
        "SELECT count(*) n FROM cloudtrail_insight",
        "SELECT count(*) n FROM cloudtrail_digest",
    ];
    for sql in statements {
        let (raw, _) = query(sql, &samples, &[]);
        let (archived, _) = query(sql, &lake, &[]);
        assert!(!raw.is_empty(), "{sql}: no rows");
        assert_eq!(archived, raw, "{sql}");
    }
    // One column of the archive: only its chunks are read, not the files.
    let (_, stderr) = query("SELECT count(event_name) n FROM cloudtrail", &lake, &[]);
    let bytes_read: u64 = stderr
        .rsplit(", ")
        .next()
        .and_then(|t| t.strip_suffix(" bytes read\n"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no byte count: {stderr}"));
    let file_bytes: u64 = parquet_files(&lake.join("cloudtrail"))
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(
        bytes_read > 0 && bytes_read * 4 < file_bytes,
        "read {bytes_read} of {file_bytes} bytes for one column"
    );

    // A day without records: every archive file is pruned by its partition date, none read.
    let (rows, stderr) = query(
        "SELECT count(*) n FROM cloudtrail",
        &lake,
        &["--from", "2020-01-01", "--to", "2020-01-02"],
    );
    assert_eq!(rows, vec![r#"{"n":0}"#.to_string()]);
    let files = parquet_files(&lake).len();
    assert!(
        stderr.contains(&format!("from 0 objects ({files} pruned by time range)")),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_archive_only_fills_the_archive_exports_nothing_and_resumes() {
    let Some(stack) = Stack::named("archiveonly").await else {
        return;
    };
    let objects = sample_objects("history/");
    for (key, bytes) in &objects {
        stack.put_to(&stack.quiet_bucket, key, bytes).await;
    }
    let lake = stack.path("lake");
    let export = stack.path("export.ndjson");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_trailflow"))
            .args(["backfill", "--archive-only", "--config"])
            .arg(manifest().join("deploy/example.toml"))
            .arg("--archive")
            .arg(format!("file://{}", lake.display()))
            .arg(format!("s3://{}/history/", stack.quiet_bucket))
            .envs(stack.moto.env())
            .env("TRAILFLOW_LEDGER__PATH", stack.path("ledger.redb"))
            .env("TRAILFLOW_EXPORT__KIND", "file")
            .env("TRAILFLOW_EXPORT__PATH", &export)
            .env("TRAILFLOW_DAEMON__HEALTH_LISTEN", "")
            .output()
            .unwrap()
    };
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "backfill: {} objects counted, 0 already counted",
            objects.len()
        )),
        "{stderr}"
    );
    assert_eq!(archived_rows(&lake), decoded_rows(), "{stderr}");
    assert!(!export.exists(), "an archive-only run exported metrics");

    // Interrupted or not, a second run skips what the ledger holds as done.
    let before = parquet_files(&lake);
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "backfill: 0 objects counted, {} already counted",
            objects.len()
        )),
        "{stderr}"
    );
    assert_eq!(parquet_files(&lake), before);
}

/// A value as both engines can agree on it: times as Unix seconds (with microseconds when they
/// have any), whatever their format (RFC 3339, DuckDB's `2026-11-27 10:00:00+00`, or the
/// bigint seconds of flow logs' `start`), everything else as its text.
fn canonical(value: &str) -> String {
    let rfc = value.replacen(' ', "T", 1).replace("+00", "Z");
    match trailflow::decode::timestamp::parse_rfc3339_micros(&rfc) {
        Some(micros) if micros % 1_000_000 == 0 => (micros / 1_000_000).to_string(),
        Some(micros) => format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000),
        None => value.to_string(),
    }
}

fn canonical_rows(rows: Vec<BTreeMap<String, Option<String>>>) -> Vec<String> {
    let mut out: Vec<String> = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}={}", canonical(&v))))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_saved_investigations_answer_the_same_on_the_lake_with_duckdb() {
    if !common::duckdb::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    run_local(&lake, &dir.path().join("export.ndjson"));
    let samples = manifest().join("samples");
    let (eni, _) = query(
        "SELECT interface_id FROM flowlog WHERE action = 'REJECT' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        &samples,
        &[],
    );
    let eni: serde_json::Value = serde_json::from_str(&eni[0]).unwrap();
    let eni = eni["interface_id"].as_str().unwrap().to_string();
    let params: Vec<(&str, Vec<String>)> = vec![
        ("access_denied_for_role", vec!["role=%".into()]),
        ("break_glass_usage", vec![]),
        ("cross_account_kms_callers", vec![]),
        (
            "irsa_failures_for_service_account",
            vec![
                "namespace=payments".into(),
                "service_account=app-sqs-consumer".into(),
            ],
        ),
        ("security_groups_opened_to_world", vec![]),
        ("top_rejected_sources", vec![format!("eni={eni}")]),
    ];
    let adhoc = manifest().join("queries/adhoc");
    let listed = std::fs::read_dir(&adhoc)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    assert_eq!(listed, params.len(), "a saved query without a case here");
    let setup: String = LogKind::ALL
        .into_iter()
        .filter(|k| !parquet_files(&lake.join(k.table_name())).is_empty())
        .map(|k| {
            format!(
                "CREATE VIEW {t} AS SELECT * FROM read_parquet('{t}/**/*.parquet', \
                 hive_partitioning = true, hive_types_autocast = false);",
                t = k.table_name()
            )
        })
        .collect();
    for (name, values) in params {
        // trailflow over the raw samples...
        let mut args = vec!["--saved".to_string(), name.to_string()];
        for v in &values {
            args.extend(["--param".to_string(), v.clone()]);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
            .args(["query", "-o", "ndjson"])
            .args(&args)
            .arg(&samples)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let raw: Vec<BTreeMap<String, Option<String>>> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let row: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(l).unwrap();
                row.into_iter()
                    .map(|(k, v)| {
                        let text = match v {
                            serde_json::Value::String(s) => Some(s),
                            serde_json::Value::Null => None,
                            other => Some(other.to_string()),
                        };
                        (k, text)
                    })
                    .collect()
            })
            .collect();
        // ...and DuckDB over the archive, with the query's Athena form where it has one.
        let file = format!("{name}.sql");
        let text = std::fs::read_to_string(adhoc.join("athena").join(&file))
            .or_else(|_| std::fs::read_to_string(adhoc.join(&file)))
            .unwrap();
        let saved = trailflow::cli::saved::SavedQuery::parse(&file, &text);
        let sql = saved
            .render(&trailflow::cli::saved::parse_params(&values).unwrap())
            .unwrap();
        let lake_rows = common::duckdb::query_text(&lake, &setup, &sql);
        assert!(!raw.is_empty(), "{name}: no rows over the samples");
        assert_eq!(canonical_rows(lake_rows), canonical_rows(raw), "{name}");
    }
}
