//! The session token planted in `samples/` (an `AssumeRoleWithWebIdentity`
//! response's `credentials`) and the `Authorization` and `Cookie` headers planted in its WAF
//! log must not reach any output: decode in every
//! format, Parquet files, query results, replay, the daemon's logs at trace
//! level, its export and `/metrics`. Every file and stream is searched.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::daemon::{free_port, http_get};
use trailflow::synth::samples::{PLANTED_AUTHORIZATION, PLANTED_COOKIE, PLANTED_SESSION_TOKEN};

fn samples() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("samples")
}

fn trailflow(args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "trailflow {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Fails when `bytes` hold the token or any part of a credentials object.
fn clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in [
        PLANTED_SESSION_TOKEN,
        "secretAccessKey",
        "sessionToken",
        PLANTED_AUTHORIZATION,
        PLANTED_COOKIE,
        "PLANTED-WAF",
    ] {
        assert!(!text.contains(secret), "{what} contains `{secret}`");
    }
}

fn clean_dir(dir: &Path) -> usize {
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files += clean_dir(&path);
        } else {
            clean(&path.display().to_string(), &std::fs::read(&path).unwrap());
            files += 1;
        }
    }
    files
}

#[test]
fn the_planted_token_is_in_the_input() {
    // Otherwise the searches below prove nothing.
    let contents: Vec<String> = trailflow::synth::samples::objects()
        .iter()
        .map(|o| {
            let mut text = Vec::new();
            // Classic Load Balancer logs are plain text.
            if o.bytes.starts_with(&[0x1f, 0x8b]) {
                std::io::Read::read_to_end(
                    &mut flate2::read::MultiGzDecoder::new(&o.bytes[..]),
                    &mut text,
                )
                .unwrap();
            } else {
                text = o.bytes.clone();
            }
            String::from_utf8_lossy(&text).into_owned()
        })
        .collect();
    for secret in [PLANTED_SESSION_TOKEN, PLANTED_AUTHORIZATION, PLANTED_COOKIE] {
        assert!(
            contents.iter().any(|c| c.contains(secret)),
            "samples/ no longer carries the planted `{secret}`"
        );
    }
}

#[test]
fn decode_and_query_outputs_never_carry_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let input = samples().display().to_string();
    for format in ["ndjson", "table"] {
        let out = trailflow(&["decode", "-o", format, &input], &[]);
        clean(&format!("decode -o {format}"), &out.stdout);
        clean(&format!("decode -o {format} (stderr)"), &out.stderr);
    }
    let parquet = dir.path().join("decoded");
    let out = trailflow(
        &[
            "decode",
            "-o",
            "parquet",
            "--out",
            &parquet.display().to_string(),
            &input,
        ],
        &[],
    );
    clean("decode -o parquet (stderr)", &out.stderr);
    assert!(clean_dir(&parquet) > 0, "no Parquet written");

    let every_column = "SELECT * FROM cloudtrail";
    let raw = "SELECT request_parameters, response_elements, additional_event_data FROM cloudtrail";
    for sql in [every_column, raw] {
        for format in ["table", "csv", "ndjson"] {
            let out = trailflow(&["query", "--sql", sql, "-o", format, &input], &[]);
            clean(&format!("query -o {format} `{sql}`"), &out.stdout);
        }
        let file = dir.path().join("query.parquet");
        trailflow(
            &[
                "query",
                "--sql",
                sql,
                "-o",
                "parquet",
                "--out",
                &file.display().to_string(),
                &input,
            ],
            &[],
        );
        clean("query -o parquet", &std::fs::read(&file).unwrap());
    }
    let out = trailflow(&["replay", "-o", "ndjson", &input], &[]);
    clean("replay", &out.stdout);
}

#[test]
fn the_daemon_logs_exports_and_metrics_never_carry_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.ndjson");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let config = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/local.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["run", "--config", &config.display().to_string()])
        .env("TRAILFLOW_SOURCE__PATH", samples())
        .env("TRAILFLOW_SOURCE__ONCE", "false")
        .env("TRAILFLOW_EXPORT__KIND", "file")
        .env("TRAILFLOW_EXPORT__PATH", &export)
        .env("TRAILFLOW_DAEMON__HEALTH_LISTEN", &listen)
        // Everything the process logs, at every level.
        .env("TRAILFLOW_LOG", "trace")
        .stdout(std::fs::File::create(dir.path().join("stdout")).unwrap())
        .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let metrics = loop {
        if let Some((200, body)) = http_get(port, "/metrics")
            && body.contains("trailflow_records_total")
        {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "no export");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    // The health server serves its three paths and nothing else.
    for path in ["/", "/debug/pprof", "/metrics/../healthz", "/admin", "/env"] {
        let status = http_get(port, path).map(|(s, _)| s);
        assert!(
            matches!(status, Some(404) | Some(400)),
            "{path}: {status:?}"
        );
    }
    for path in ["/healthz", "/readyz"] {
        assert_eq!(http_get(port, path).map(|(s, _)| s), Some(200), "{path}");
    }
    let _ = child.kill();
    let _ = child.wait();
    clean("/metrics", metrics.as_bytes());
    let logs = std::fs::read(dir.path().join("stderr")).unwrap();
    assert!(
        logs.len() > 1000,
        "trace logging produced little: {} bytes",
        logs.len()
    );
    assert!(clean_dir(dir.path()) >= 3);
}
