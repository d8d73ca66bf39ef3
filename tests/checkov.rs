//! checkov (the security scanner from PyPI) over everything we ship for deployment: the
//! Terraform module and ECS example, the Kubernetes base and overlays (raw and rendered by
//! kustomize) and the Dockerfile. No check may fail; a deliberate exception is suppressed in
//! place with its reason, and this test holds every suppression to having one.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
}

/// checkov's JSON reports for `args`, or `None` when checkov is not installed outside CI.
fn checkov(args: &[&str]) -> Option<Vec<Value>> {
    // `.ci/run` installs checkov in its own virtualenv and names it in CHECKOV.
    let program = std::env::var("CHECKOV").unwrap_or_else(|_| "checkov".into());
    let out = match Command::new(program)
        .args(args)
        .args(["--quiet", "--skip-download", "--output", "json"])
        .current_dir(root())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            skip::skip(&format!(
                "checkov is not installed ({e}): .ci/run installs it and names it in CHECKOV"
            ));
            return None;
        }
    };
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov {args:?} printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Some(match report {
        Value::Array(reports) => reports,
        one => vec![one],
    })
}

/// Asserts no failed check and no parsing error, and returns the frameworks that were scanned.
fn assert_clean(reports: &[Value]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut frameworks = Vec::new();
    for report in reports {
        let framework = report["check_type"].as_str().unwrap_or("?").to_string();
        let summary = &report["summary"];
        assert_eq!(summary["parsing_errors"], 0, "{framework}: {summary}");
        for failed in report["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            failures.push(format!(
                "{framework} {} {} {}: {}",
                failed["check_id"].as_str().unwrap_or("?"),
                failed["file_path"].as_str().unwrap_or("?"),
                failed["resource"].as_str().unwrap_or("?"),
                failed["check_name"].as_str().unwrap_or("?"),
            ));
        }
        if summary["passed"].as_u64().unwrap_or(0) > 0 {
            frameworks.push(framework);
        }
    }
    assert!(
        failures.is_empty(),
        "checkov failures:\n{}",
        failures.join("\n")
    );
    frameworks
}

#[test]
fn terraform_and_kubernetes_pass_every_check() {
    let Some(reports) = checkov(&["--directory", "deploy"]) else {
        return;
    };
    let frameworks = assert_clean(&reports);
    for expected in ["terraform", "kubernetes", "kustomize"] {
        assert!(
            frameworks.iter().any(|f| f == expected),
            "checkov scanned no {expected} under deploy/: {frameworks:?}"
        );
    }
}

#[test]
fn the_dockerfile_passes_every_check() {
    let Some(reports) = checkov(&["--file", "Dockerfile"]) else {
        return;
    };
    let frameworks = assert_clean(&reports);
    assert_eq!(frameworks, ["dockerfile"]);
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_suppression_says_why() {
    let mut paths = Vec::new();
    files(&root().join("deploy"), &mut paths);
    paths.push(root().join("Dockerfile"));
    let mut suppressions = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for line in text.lines() {
            // Terraform and Dockerfile: `checkov:skip=ID:reason`; Kubernetes: an annotation
            // `checkov.io/skipN: ID=reason`.
            let reason = if let Some((_, rest)) = line.split_once("checkov:skip=") {
                rest.split_once(':').map(|(_, why)| why)
            } else if let Some((_, rest)) = line.split_once("checkov.io/skip") {
                rest.split_once('=').map(|(_, why)| why)
            } else {
                continue;
            };
            suppressions += 1;
            let why = reason.unwrap_or("").trim();
            assert!(
                why.len() >= 10,
                "{}: a suppression without a reason: {line}",
                path.display()
            );
        }
    }
    assert!(
        suppressions > 0,
        "the suppressions in deploy/ were not found"
    );
}
