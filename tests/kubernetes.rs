//! The Kubernetes manifests render with `kubectl kustomize` (kustomize v5, built into the
//! kubectl of the build machines) and hold what the runbook asks of them: probes on
//! `/healthz` and `/readyz`, a grace period above the drain time, non-root, resources,
//! a PodDisruptionBudget and a Service matching the pods, IRSA annotations in the IRSA
//! overlay (none in the Pod Identity one), and a configuration trailflow accepts.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/kubernetes")
}

/// Renders an overlay into its documents (as JSON, through Python's yaml module).
fn render(overlay: &str) -> Option<Vec<Value>> {
    let out = match Command::new("kubectl")
        .args(["kustomize"])
        .arg(root().join("overlays").join(overlay))
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            common::skip::skip(&format!("kubectl is not installed ({e})"));
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(yaml_docs(&out.stdout))
}

fn yaml_docs(text: &[u8]) -> Vec<Value> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// The document of `kind` whose name starts with `prefix` (generated names carry a hash).
fn find_named<'a>(docs: &'a [Value], kind: &str, prefix: &str) -> &'a Value {
    docs.iter()
        .find(|d| {
            d["kind"] == kind
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no {kind} {prefix}*"))
}

/// The variables of the generated `trailflow-aws` ConfigMap (base/aws.env).
fn aws_env(docs: &[Value]) -> Vec<(String, String)> {
    find_named(docs, "ConfigMap", "trailflow-aws-")["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn check_common(docs: &[Value]) {
    let deployment = find(docs, "Deployment");
    let pod = &deployment["spec"]["template"];
    let labels = pod["metadata"]["labels"].as_object().unwrap();
    let spec = &pod["spec"];
    let container = &spec["containers"][0];
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert!(container["resources"]["requests"]["memory"].is_string());
    assert!(container["resources"]["limits"]["memory"].is_string());
    assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(spec["serviceAccountName"], "trailflow");

    // The configuration in the ConfigMap, with the AWS resources Terraform wrote into the
    // container's environment, is one trailflow accepts, and the grace period covers its drain.
    let config_map = find_named(docs, "ConfigMap", "trailflow-config-");
    let toml = config_map["data"]["trailflow.toml"].as_str().unwrap();
    let aws = find_named(docs, "ConfigMap", "trailflow-aws-");
    assert_eq!(
        container["envFrom"][0]["configMapRef"]["name"], aws["metadata"]["name"],
        "the container's environment comes from Terraform's values"
    );
    let env = aws_env(docs);
    for key in ["TRAILFLOW_SOURCE__QUEUE_URL", "TRAILFLOW_LEDGER__TABLE"] {
        assert!(env.iter().any(|(k, _)| k == key), "aws.env sets {key}");
    }
    let config = trailflow::config::Config::parse("trailflow-config", toml, env)
        .unwrap_or_else(|e| panic!("the rendered configuration: {e}"));
    let grace = spec["terminationGracePeriodSeconds"].as_u64().unwrap();
    assert!(
        grace > config.daemon.shutdown_grace_secs + 5,
        "terminationGracePeriodSeconds {grace} must exceed the drain time"
    );
    let mount = &container["volumeMounts"][0]["mountPath"];
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(
        args.iter().any(|a| a.starts_with(mount.as_str().unwrap())),
        "the config is read from the mounted ConfigMap: {args:?}"
    );

    for kind in ["Service", "PodDisruptionBudget"] {
        let doc = find(docs, kind);
        let selector = if kind == "Service" {
            &doc["spec"]["selector"]
        } else {
            &doc["spec"]["selector"]["matchLabels"]
        };
        let selector = selector.as_object().unwrap();
        assert!(!selector.is_empty(), "{kind} selects something");
        for (k, v) in selector {
            assert_eq!(
                labels.get(k),
                Some(v),
                "{kind} selector {k} matches the pods"
            );
        }
    }
}

#[test]
fn the_irsa_overlay_renders_with_its_annotations() {
    let Some(docs) = render("irsa") else { return };
    check_common(&docs);
    let sa = find(&docs, "ServiceAccount");
    let annotations = &sa["metadata"]["annotations"];
    let role = annotations["eks.amazonaws.com/role-arn"].as_str().unwrap();
    assert!(role.starts_with("arn:aws:iam::") && role.contains(":role/"));
    let from_terraform = aws_env(&docs)
        .into_iter()
        .find(|(k, _)| k == "TRAILFLOW_IRSA_ROLE_ARN")
        .map(|(_, v)| v);
    assert_eq!(
        Some(role.to_string()),
        from_terraform,
        "the role ARN is the one Terraform wrote"
    );
    assert_eq!(
        annotations["eks.amazonaws.com/sts-regional-endpoints"],
        "true"
    );
}

#[test]
fn the_pod_identity_overlay_renders_without_irsa_annotations() {
    let Some(docs) = render("pod-identity") else {
        return;
    };
    check_common(&docs);
    let sa = find(&docs, "ServiceAccount");
    assert!(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].is_null());
}

#[test]
fn the_examples_are_valid_yaml_for_their_resources() {
    let dir = root().join("examples");
    for (file, kind) in [
        ("keda-scaledobject.yaml", "ScaledObject"),
        ("servicemonitor.yaml", "ServiceMonitor"),
    ] {
        let docs = yaml_docs(&std::fs::read(dir.join(file)).unwrap());
        assert_eq!(docs[0]["kind"], kind, "{file}");
        assert_eq!(docs[0]["metadata"]["namespace"], "trailflow", "{file}");
    }
    let keda = yaml_docs(&std::fs::read(Path::new(&dir).join("keda-scaledobject.yaml")).unwrap());
    assert_eq!(keda[0]["spec"]["scaleTargetRef"]["name"], "trailflow");
}
