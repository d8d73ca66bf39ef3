//! Hostile input (`corpus`, generated, nothing checked in): every case is
//! decoded in process and then through the real binary. For each: no panic,
//! bounded memory, a clear error that names the object, an error count, and
//! the good records of the same object kept.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod corpus;
mod edge;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use trailflow::decode::{DecodeOptions, DecodedObject, KindHint, decode_object};

fn decode(case: &corpus::Case) -> DecodedObject {
    decode_object(
        case.key,
        &case.bytes,
        KindHint::Auto,
        &DecodeOptions::default(),
    )
}

fn messages(d: &DecodedObject) -> String {
    d.errors
        .details
        .iter()
        .map(|e| e.to_string())
        .chain(d.fatal.iter().map(|f| f.to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_case_keeps_its_good_records_and_reports_the_rest() {
    let mut wrong = Vec::new();
    for case in corpus::cases() {
        let d = decode(&case);
        let text = messages(&d);
        if d.rows() < case.kept {
            wrong.push(format!(
                "{}: {} rows, want at least {}",
                case.name,
                d.rows(),
                case.kept
            ));
        }
        match case.error {
            Some(want) => {
                if d.errors.count == 0 && d.fatal.is_none() {
                    wrong.push(format!("{}: no error counted", case.name));
                }
                if !text.contains(want) {
                    wrong.push(format!("{}: errors do not say `{want}`: {text}", case.name));
                }
            }
            None if case.name.starts_with("wrong-type") => {
                // A field of the wrong type becomes null (or its JSON text); the record stays.
                if d.rows() != 8 || d.fatal.is_some() {
                    wrong.push(format!("{}: {} rows of 8: {text}", case.name, d.rows()));
                }
            }
            None => {
                if d.errors.count > 0 || d.fatal.is_some() {
                    wrong.push(format!("{}: valid input reported: {text}", case.name));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn credentials_never_leave_the_decoder() {
    let case = corpus::cases()
        .into_iter()
        .find(|c| c.name == "credentials-in-response")
        .unwrap();
    let d = decode(&case);
    assert_eq!(d.rows(), 1);
    let mut out = Vec::new();
    {
        let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
        for (_, b) in &d.batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
    }
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("ASIAEXAMPLE") || text.contains("response_elements"),
        "{text}"
    );
    for secret in ["PLANTED-BAD-INPUT-TOKEN", "PLANTED-SECRET"] {
        assert!(!text.contains(secret), "{secret} in the decoded rows");
    }
}

/// Writes every case under `dir` at its AWS key (the case name in the file name).
fn write_cases(dir: &Path) -> Vec<(PathBuf, corpus::Case)> {
    corpus::cases()
        .into_iter()
        .map(|case| {
            let key = case.key.replace("_bad.", &format!("_{}.", case.name));
            let path = dir.join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &case.bytes).unwrap();
            (path, case)
        })
        .collect()
}

/// Runs the binary to its end; returns (exit code, stdout, stderr, peak resident memory in bytes).
fn run_measured(
    args: &[&str],
    dir: &Path,
    env: &[(&str, &str)],
) -> (Option<i32>, String, String, u64) {
    let stdout = dir.join("stdout");
    let stderr = dir.join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "did not finish");
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code(),
        std::fs::read_to_string(stdout).unwrap(),
        std::fs::read_to_string(stderr).unwrap(),
        peak,
    )
}

/// Peak memory allowed for one process reading the corpus: the largest case inflates to at
/// most ~220 MB before the ratio cap stops it.
const MEMORY_CAP: u64 = 1 << 30;

#[test]
fn replay_names_every_bad_object_keeps_the_good_records_and_bounds_memory() {
    let dir = tempfile::tempdir().unwrap();
    let cases = write_cases(&dir.path().join("in"));
    let input = dir.path().join("in").display().to_string();
    let (code, stdout, stderr, peak) =
        run_measured(&["replay", "-q", "-o", "ndjson", &input], dir.path(), &[]);
    // 1: some objects failed (they are listed); 101 would be a panic.
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    eprintln!("peak resident memory: {} MiB", peak >> 20);
    assert!(peak < MEMORY_CAP, "peak memory {peak} bytes");
    for (path, case) in &cases {
        if case.error.is_some() {
            let name = path.display().to_string();
            assert!(
                stderr.lines().any(|l| l.starts_with(&format!("{name}: "))),
                "{}: no error line names {name}",
                case.name
            );
        }
    }
    let records: f64 = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["metric"] == "trailflow.records")
        .map(|v| v["value"].as_f64().unwrap())
        .sum();
    let decoded: usize = cases.iter().map(|(_, c)| decode(c).rows()).sum();
    assert_eq!(
        records, decoded as f64,
        "every decoded good record is counted"
    );
    for secret in ["PLANTED-BAD-INPUT-TOKEN", "PLANTED-SECRET"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
}

#[test]
fn the_daemon_counts_errors_names_objects_and_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let cases = write_cases(&dir.path().join("in"));
    let export = dir.path().join("export.ndjson");
    let input = dir.path().join("in").display().to_string();
    let config = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/local.toml");
    let (code, _, stderr, peak) = run_measured(
        &["run", "--config", &config.display().to_string()],
        dir.path(),
        &[
            ("TRAILFLOW_SOURCE__PATH", &input),
            ("TRAILFLOW_EXPORT__KIND", "file"),
            ("TRAILFLOW_EXPORT__PATH", &export.display().to_string()),
            ("TRAILFLOW_LOG", "warn"),
            // Every bad object named (the default budget would sum most of them up).
            ("TRAILFLOW_DAEMON__LOG_BURST", "0"),
            // A byte budget smaller than the largest objects: they run alone, nothing hangs.
            ("TRAILFLOW_DAEMON__MAX_INFLIGHT_MIB", "1"),
        ],
    );
    assert!(
        code == Some(0) || code == Some(1),
        "exit {code:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    eprintln!("peak resident memory: {} MiB", peak >> 20);
    assert!(peak < MEMORY_CAP, "peak memory {peak} bytes");
    let text = std::fs::read_to_string(&export).unwrap();
    let last = text.rsplit("{\"export\":").next().unwrap();
    let value = |metric: &str, label: Option<(&str, &str)>| -> f64 {
        last.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["metric"] == metric)
            .filter(|v| label.is_none_or(|(k, want)| v["labels"][k] == want))
            .map(|v| v["value"].as_f64().unwrap_or(0.0))
            .sum()
    };
    let decoded: Vec<DecodedObject> = cases.iter().map(|(_, c)| decode(c)).collect();
    let rows: usize = decoded.iter().map(DecodedObject::rows).sum();
    let record_errors: u64 = decoded.iter().map(|d| d.errors.count).sum();
    let undecodable = decoded
        .iter()
        .filter(|d| d.fatal.is_some() && d.rows() == 0)
        .count();
    assert_eq!(value("trailflow.records", None), rows as f64);
    assert_eq!(
        value("trailflow.pipeline.record_errors", None),
        record_errors as f64
    );
    assert_eq!(
        value(
            "trailflow.pipeline.objects",
            Some(("outcome", "undecodable"))
        ),
        undecodable as f64
    );
    for ((path, case), d) in cases.iter().zip(&decoded) {
        if d.fatal.is_some() || d.errors.count > 0 {
            let name = path.display().to_string();
            assert!(
                stderr.contains(&name),
                "{}: the log does not name {name}",
                case.name
            );
        }
    }
}

#[test]
fn a_flood_of_bad_objects_cannot_flood_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let bad = corpus::cases()
        .into_iter()
        .find(|c| c.name == "random-bytes-with-gzip-magic")
        .unwrap();
    for i in 0..300 {
        let key = bad.key.replace("_bad.", &format!("_flood{i}."));
        let path = input.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &bad.bytes).unwrap();
    }
    let export = dir.path().join("export.ndjson");
    let config = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/local.toml");
    let (_, _, stderr, _) = run_measured(
        &["run", "--config", &config.display().to_string()],
        dir.path(),
        &[
            ("TRAILFLOW_SOURCE__PATH", &input.display().to_string()),
            ("TRAILFLOW_EXPORT__KIND", "file"),
            ("TRAILFLOW_EXPORT__PATH", &export.display().to_string()),
            ("TRAILFLOW_LOG", "warn"),
        ],
    );
    let undecodable_lines = stderr
        .lines()
        .filter(|l| l.contains("object undecodable"))
        .count();
    assert_eq!(
        undecodable_lines, 20,
        "the default budget is 20 a minute:\n{stderr}"
    );
    assert!(stderr.contains("suppressed"), "{stderr}");
    assert!(
        stderr.lines().count() < 40,
        "{} log lines",
        stderr.lines().count()
    );
    let text = std::fs::read_to_string(&export).unwrap();
    let last = text.rsplit("{\"export\":").next().unwrap();
    let counted: f64 = last
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| {
            v["metric"] == "trailflow.pipeline.objects" && v["labels"]["outcome"] == "undecodable"
        })
        .map(|v| v["value"].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(counted, 300.0, "the metrics count every one");
}

/// Inputs that crashed a fuzz target once (`fuzz/regressions/TARGET/`), decoded as that target
/// decodes them: each must now come back without a panic.
#[test]
fn fuzz_findings_stay_fixed() {
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("fuzz/regressions");
    let mut n = 0;
    for (target, key, hint) in [
        ("cloudtrail", corpus::CT_KEY, KindHint::CloudTrail),
        ("flowlog", corpus::FLOW_KEY, KindHint::FlowLog),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let _ = decode_object(key, &bytes, hint, &DecodeOptions::default()).rows();
            n += 1;
        }
    }
    if let Ok(entries) = std::fs::read_dir(root.join("notification")) {
        for entry in entries {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let _ = trailflow::source::notification::parse(&String::from_utf8_lossy(&bytes));
            n += 1;
        }
    }
    assert!(n >= 1, "the regression inputs are missing");
}

#[test]
fn two_spellings_of_one_flow_field_fill_its_column_once() {
    // The fuzzer's first finding: `account_id` and `account-id` in one header wrote the column
    // twice per line and broke the batch.
    let text = "version account_id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status account-id\n\
                2 111122223333 eni-0a 10.0.1.5 10.0.2.9 49152 443 6 10 840 1795773600 1795773660 REJECT OK 111122223333\n";
    let d = decode_object(
        corpus::FLOW_KEY,
        text.as_bytes(),
        KindHint::FlowLog,
        &DecodeOptions::default(),
    );
    assert_eq!(d.rows(), 1);
    assert!(messages(&d).contains("twice"), "{}", messages(&d));
}
