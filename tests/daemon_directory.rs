//! `trailflow run` with the directory source: the README's first command, and a
//! watched folder whose files are counted once across restarts (local ledger).
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::daemon::{assert_totals_eq, exported_totals, records, replay_totals, write_objects};

fn manifest() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
}

#[test]
fn the_readme_command_reports_what_replay_reports() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.ndjson");
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["run", "--config", "deploy/local.toml"])
        .current_dir(manifest())
        .env("TRAILFLOW_EXPORT__KIND", "file")
        .env("TRAILFLOW_EXPORT__PATH", &export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_totals_eq(
        &exported_totals(&[export]),
        &replay_totals(&manifest().join("samples")),
        &stderr,
    );

    // As written in the README: metrics on the terminal.
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["run", "--config", "deploy/local.toml"])
        .current_dir(manifest())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("trailflow_irsa_token_rejections_total"),
        "{stdout}"
    );
}

fn watch(dir: &Path, ledger: &Path, export: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["run", "--config", "deploy/local.toml"])
        .current_dir(manifest())
        .env("TRAILFLOW_SOURCE__PATH", dir)
        .env("TRAILFLOW_SOURCE__ONCE", "false")
        .env("TRAILFLOW_SOURCE__POLL_INTERVAL_SECS", "1")
        .env("TRAILFLOW_ENGINE__WINDOW_MAX_AGE_SECS", "1")
        .env("TRAILFLOW_LEDGER__KIND", "local")
        .env("TRAILFLOW_LEDGER__PATH", ledger)
        .env("TRAILFLOW_EXPORT__KIND", "file")
        .env("TRAILFLOW_EXPORT__PATH", export)
        .spawn()
        .unwrap()
}

fn wait_records(files: &[PathBuf], n: f64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while records(&exported_totals(files)) < n {
        assert!(
            Instant::now() < deadline,
            "exported {} of {n}",
            records(&exported_totals(files))
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn stop(mut child: std::process::Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_watched_folder_counts_new_files_once_across_restarts() {
    let scratch = tempfile::tempdir().unwrap();
    let (inbox, truth_dir) = (scratch.path().join("inbox"), scratch.path().join("truth"));
    std::fs::create_dir_all(&inbox).unwrap();
    let ledger = scratch.path().join("ledger.redb");
    let objects: Vec<(String, Vec<u8>)> = trailflow::synth::samples::objects()
        .into_iter()
        .map(|o| (o.key, o.bytes))
        .collect();
    let (first, rest) = objects.split_at(objects.len() / 2);
    write_objects(&truth_dir, first);
    let first_truth = replay_totals(&truth_dir);
    write_objects(&truth_dir, rest);
    let truth = replay_totals(&truth_dir);

    let export_1 = scratch.path().join("export-1.ndjson");
    let daemon = watch(&inbox, &ledger, &export_1);
    write_objects(&inbox, first);
    wait_records(std::slice::from_ref(&export_1), records(&first_truth));
    write_objects(&inbox, rest);
    wait_records(std::slice::from_ref(&export_1), records(&truth));
    stop(daemon);

    // A restart over the same folder and ledger finds nothing new.
    let export_2 = scratch.path().join("export-2.ndjson");
    let daemon = watch(&inbox, &ledger, &export_2);
    std::thread::sleep(Duration::from_secs(3));
    stop(daemon);
    assert_eq!(
        records(&exported_totals(std::slice::from_ref(&export_2))),
        0.0
    );
    assert_totals_eq(&exported_totals(&[export_1, export_2]), &truth, "");
}

#[test]
fn config_check_prints_the_effective_configuration_or_the_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["config", "check", "deploy/example.toml"])
        .current_dir(manifest())
        .env("TRAILFLOW_SOURCE__RECEIVERS", "7")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("receivers = 7"),
        "environment overrides apply: {stdout}"
    );
    assert!(stdout.contains("kind = \"sqs\""));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[source]\nkind = \"sqs\"\nqueue_url = \"u\"\nmax_messages = 50\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("source.max_messages must be 1..=10, not 50"),
        "{stderr}"
    );
}

#[test]
fn a_decoder_panic_on_one_object_leaves_the_others_counted() {
    let scratch = tempfile::tempdir().unwrap();
    let (inbox, truth_dir) = (scratch.path().join("inbox"), scratch.path().join("truth"));
    let objects: Vec<(String, Vec<u8>)> = trailflow::synth::samples::objects()
        .into_iter()
        .map(|o| (o.key, o.bytes))
        .collect();
    // The first flow-log object is poisoned: its decoder panics, through the fault point.
    let poisoned = objects
        .iter()
        .position(|(k, _)| k.contains("vpcflowlogs"))
        .unwrap();
    let name = objects[poisoned].0.rsplit('/').next().unwrap().to_string();
    let mut healthy = objects.clone();
    healthy.remove(poisoned);
    write_objects(&truth_dir, &healthy);
    write_objects(&inbox, &objects);

    // One core, so one decoder thread: had the panic taken the thread, nothing after it would
    // be decoded and the run would hang.
    let export = scratch.path().join("export.ndjson");
    let out = Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_trailflow")])
        .args(["run", "--config", "deploy/local.toml"])
        .current_dir(manifest())
        .env("TRAILFLOW_SOURCE__PATH", &inbox)
        .env("TRAILFLOW_LEDGER__KIND", "local")
        .env("TRAILFLOW_LEDGER__PATH", scratch.path().join("ledger.redb"))
        .env("TRAILFLOW_EXPORT__KIND", "file")
        .env("TRAILFLOW_EXPORT__PATH", &export)
        .env("TRAILFLOW_FAULT", format!("decoder_panic:{name}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("decoder panicked") && stderr.contains(&name),
        "the panic is logged with its object:\n{stderr}"
    );
    assert_totals_eq(
        &exported_totals(std::slice::from_ref(&export)),
        &replay_totals(&truth_dir),
        &stderr,
    );
    let daemon = common::daemon::exported_daemon_totals(std::slice::from_ref(&export));
    let panics: f64 = daemon
        .iter()
        .filter(|(k, _)| k.contains("objects") && k.contains("decoder_panic"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(panics, 1.0, "{daemon:#?}");
}
