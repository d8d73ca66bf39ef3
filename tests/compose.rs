//! The docker-compose stack, checked without Docker (which cannot run here):
//! its structure and mounts, the Prometheus configuration with its rules
//! (promtool), the collector's pipeline, Grafana's provisioning paths, the
//! init script's syntax, trailflow's own configuration, and the Dockerfile.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
}

/// A YAML file as JSON, through Python's yaml module (moto's server depends on it).
fn yaml(path: &Path) -> Value {
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn compose() -> Value {
    yaml(&root().join("docker-compose.yml"))
}

fn mounts(service: &Value) -> Vec<(String, String)> {
    service["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .map(|v| {
            let parts: Vec<&str> = v.split(':').collect();
            (
                parts[0].to_string(),
                parts.get(1).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

#[test]
fn services_mounts_and_dependencies_fit_together() {
    let c = compose();
    let services = c["services"].as_object().unwrap();
    for name in [
        "moto",
        "init",
        "trailflow",
        "otel-collector",
        "prometheus",
        "grafana",
    ] {
        assert!(services.contains_key(name), "service {name}");
    }
    for (name, s) in services {
        assert!(
            s["image"].is_string() || s["build"].is_string(),
            "{name}: image or build"
        );
        if let Some(deps) = s["depends_on"].as_object() {
            for dep in deps.keys() {
                assert!(
                    services.contains_key(dep),
                    "{name} depends on unknown {dep}"
                );
            }
        }
        for dep in s["depends_on"].as_array().into_iter().flatten() {
            assert!(
                services.contains_key(dep.as_str().unwrap()),
                "{name}: {dep}"
            );
        }
        for (source, target) in mounts(s) {
            assert!(target.starts_with('/'), "{name}: mount target {target}");
            if let Some(rel) = source.strip_prefix("./") {
                assert!(root().join(rel).exists(), "{name}: {source} does not exist");
            } else {
                assert!(
                    c["volumes"].get(&source).is_some(),
                    "{name}: named volume {source} is not declared"
                );
            }
        }
    }
    assert!(root().join("Dockerfile").exists());
    assert_eq!(services["trailflow"]["build"], ".");
    assert_eq!(
        services["trailflow"]["depends_on"]["init"]["condition"],
        "service_completed_successfully"
    );
    assert_eq!(
        services["init"]["depends_on"]["moto"]["condition"],
        "service_healthy"
    );
    for s in ["init", "trailflow"] {
        assert_eq!(
            services[s]["environment"]["AWS_ENDPOINT_URL"], "http://moto:5000",
            "{s} talks to moto"
        );
    }
}

#[test]
fn trailflow_config_of_the_stack_is_valid_and_points_at_the_stack() {
    let path = root().join("deploy/compose/trailflow.toml");
    common::config_check(&path);
    let config = trailflow::config::Config::load(&path).unwrap();
    let trailflow::config::SourceConfig::Sqs(sqs) = &config.source else {
        panic!("the stack reads SQS")
    };
    assert!(sqs.queue_url.starts_with("http://moto:5000/"));
    let init = std::fs::read_to_string(root().join("deploy/compose/init.sh")).unwrap();
    let queue = sqs.queue_url.rsplit('/').next().unwrap();
    assert!(
        init.contains(&format!("queue={queue}")),
        "init.sh creates {queue}"
    );
    let trailflow::config::ExportConfig::Otlp(otlp) = &config.export else {
        panic!("the stack exports OTLP")
    };
    assert_eq!(otlp.endpoint.as_deref(), Some("http://otel-collector:4317"));
    let collector = yaml(&root().join("deploy/compose/otel-collector.yaml"));
    assert_eq!(
        collector["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"],
        "0.0.0.0:4317"
    );
    let out = Command::new("sh")
        .arg("-n")
        .arg(root().join("deploy/compose/init.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn collector_pipeline_uses_only_defined_components() {
    let c = yaml(&root().join("deploy/compose/otel-collector.yaml"));
    for (kind, section) in [
        ("receivers", "receivers"),
        ("processors", "processors"),
        ("exporters", "exporters"),
    ] {
        for pipeline in c["service"]["pipelines"].as_object().unwrap().values() {
            for name in pipeline[kind].as_array().unwrap() {
                let name = name.as_str().unwrap();
                assert!(
                    c[section].get(name).is_some(),
                    "{kind} {name} is not defined"
                );
            }
        }
    }
    for ext in c["service"]["extensions"].as_array().into_iter().flatten() {
        assert!(c["extensions"].get(ext.as_str().unwrap()).is_some());
    }
    let endpoint = c["exporters"]["prometheus"]["endpoint"].as_str().unwrap();
    let port = endpoint.rsplit(':').next().unwrap();
    let prom = yaml(&root().join("deploy/compose/prometheus.yml"));
    let targets: Vec<&str> = prom["scrape_configs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["static_configs"].as_array().unwrap())
        .flat_map(|s| s["targets"].as_array().unwrap())
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        targets.contains(&format!("otel-collector:{port}").as_str()),
        "Prometheus scrapes the collector's exporter: {targets:?}"
    );
}

#[test]
fn prometheus_config_and_its_rules_pass_promtool() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("deploy/compose/prometheus.yml"),
        dir.path().join("prometheus.yml"),
    )
    .unwrap();
    // As mounted in the stack: the rules directory beside the configuration.
    std::os::unix::fs::symlink(root().join("dashboards/alerts"), dir.path().join("rules")).unwrap();
    let out = match Command::new("promtool")
        .args(["check", "config", "prometheus.yml"])
        .current_dir(dir.path())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            common::skip::skip(&format!(
                "promtool is not installed ({e}): apt-get install prometheus"
            ));
            return;
        }
    };
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("rules found"),
        "the rules were loaded: {report}"
    );
}

#[test]
fn grafana_provisioning_points_at_the_mounted_dashboards() {
    let c = compose();
    let grafana = &c["services"]["grafana"];
    let provider =
        yaml(&root().join("deploy/compose/grafana/provisioning/dashboards/trailflow.yaml"));
    let path = provider["providers"][0]["options"]["path"]
        .as_str()
        .unwrap();
    assert!(
        mounts(grafana)
            .iter()
            .any(|(source, target)| source == "./dashboards" && target == path),
        "dashboards mounted at {path}"
    );
    assert!(mounts(grafana).iter().any(|(source, target)| source
        == "./deploy/compose/grafana/provisioning"
        && target == "/etc/grafana/provisioning"));
    let ds = yaml(&root().join("deploy/compose/grafana/provisioning/datasources/prometheus.yaml"));
    assert_eq!(ds["datasources"][0]["type"], "prometheus");
    assert_eq!(ds["datasources"][0]["url"], "http://prometheus:9090");
}

#[test]
fn the_image_runs_as_non_root_with_a_healthcheck() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let final_stage = dockerfile.rsplit("FROM ").next().unwrap();
    assert!(final_stage.contains("USER nonroot"), "non-root");
    assert!(final_stage.contains("HEALTHCHECK"));
    assert!(final_stage.contains("\"healthcheck\""));
    assert!(final_stage.contains("ENTRYPOINT [\"/usr/local/bin/trailflow\"]"));
    for line in dockerfile
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let source = line.split_whitespace().nth(1).unwrap();
        assert!(root().join(source).exists(), "{line}");
    }
}
