//! The Terraform module, checked without Terraform (which cannot be installed here): parsed
//! with python-hcl2, its IRSA trust policy must carry both the `:aud` and the `:sub`
//! condition on an issuer stripped of its scheme and trailing slash, and its permission
//! policy must stay least-privilege (no writes to the log bucket, no wildcards).
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/skip.rs"]
mod skip;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("deploy/terraform")
        .join(name)
}

/// Every `.tf` file of the module, parsed (file name -> document), or `None` without python-hcl2.
fn parse() -> Option<serde_json::Map<String, Value>> {
    parse_dir("trailflow")
}

fn parse_dir(name: &str) -> Option<serde_json::Map<String, Value>> {
    // Only a missing python-hcl2 skips: once it imports, any failure (an HCL parse error
    // among them) fails the test.
    let import = Command::new("python3").args(["-c", "import hcl2"]).output();
    match import {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            skip::skip(&format!(
                "python-hcl2 is not installed ({}): pip install python-hcl2",
                err.trim().lines().last().unwrap_or_default()
            ));
            return None;
        }
        Err(e) => {
            skip::skip(&format!("python3 is not installed ({e})"));
            return None;
        }
    }
    let script = "import hcl2, json, sys, pathlib\n\
        out = {p.name: hcl2.load(open(p)) for p in sorted(pathlib.Path(sys.argv[1]).glob('*.tf'))}\n\
        print(json.dumps(out))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(dir(name))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "parsing deploy/terraform/{name} with python-hcl2 failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// The text of a parsed value without HCL's quotes.
fn text(v: &Value) -> String {
    v.to_string().replace("\\\"", "")
}

#[test]
fn the_trust_policy_is_scoped_to_audience_and_service_account() {
    let Some(files) = parse() else { return };
    let iam = text(&files["iam.tf"]);
    assert!(iam.contains("sts:AssumeRoleWithWebIdentity"), "{iam}");
    assert!(
        iam.contains("${local.oidc_issuer}:aud"),
        "the :aud condition"
    );
    assert!(
        iam.contains("sts.amazonaws.com"),
        "audience sts.amazonaws.com"
    );
    assert!(
        iam.contains("${local.oidc_issuer}:sub"),
        "the :sub condition"
    );
    assert!(iam.contains("${local.subject}"));
    let main = text(&files["main.tf"]);
    assert!(
        main.contains(r#"trimsuffix(trimprefix(var.oidc_issuer_url, https://), /)"#)
            || main.contains(r#"trimsuffix(trimprefix(var.oidc_issuer_url, \"https://\"), \"/\")"#),
        "the issuer loses its scheme and trailing slash: {main}"
    );
    assert!(main.contains("system:serviceaccount:${var.namespace}:${var.service_account}"));
}

#[test]
fn the_permissions_are_least_privilege() {
    let Some(files) = parse() else { return };
    let iam = &files["iam.tf"];
    let policies = iam["data"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|d| d.get("\"aws_iam_policy_document\"")?.get("\"trailflow\""))
        .expect("the permission policy document");
    let all = text(policies);
    for forbidden in [
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:*",
        "sqs:*",
        "dynamodb:*",
        "sqs:SendMessage",
        "dynamodb:Scan",
        "iam:",
    ] {
        assert!(!all.contains(forbidden), "the policy grants {forbidden}");
    }
    assert!(!all.contains("\"*\""), "no wildcard action or resource");
    for needed in [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "s3:GetObject",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "dynamodb:DeleteItem",
    ] {
        assert!(all.contains(needed), "the daemon needs {needed}");
    }
}

#[test]
fn the_queue_has_a_dead_letter_queue_and_encryption() {
    let Some(files) = parse() else { return };
    let main = text(&files["main.tf"]);
    assert!(main.contains("deadLetterTargetArn"));
    assert!(main.contains("sqs_managed_sse_enabled"));
    assert!(
        main.contains("aws:SourceArn"),
        "only the log bucket may send"
    );
    assert!(
        main.contains("expires_at"),
        "the ledger's TTL attribute is trailflow's"
    );
    let outputs = text(&files["outputs.tf"]);
    for o in ["queue_url", "ledger_table", "role_arn"] {
        assert!(outputs.contains(o), "output {o}");
    }
}

#[test]
fn the_ecs_example_runs_non_root_with_a_healthcheck_and_a_drain_window() {
    let Some(files) = parse_dir("ecs-example") else {
        return;
    };
    let main = text(&files["main.tf"]);
    assert_eq!(
        files["main.tf"]["module"][0]["\"trailflow\""]["create_irsa_role"], false,
        "no IRSA role on ECS"
    );
    assert!(
        main.contains("module.trailflow.permissions_policy_json"),
        "the task role gets the module's policy"
    );
    assert!(main.contains("/usr/local/bin/trailflow") && main.contains("healthcheck"));
    assert!(main.contains("65532:65532"), "non-root");
    assert!(main.contains("stopTimeout"), "a drain window");
    assert!(main.contains("ecs-tasks.amazonaws.com"));
}

/// The block `kind "name"` of a parsed file's `resource` list.
fn resource<'a>(file: &'a Value, kind: &str, name: &str) -> &'a Value {
    file["resource"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|r| r.get(format!("\"{kind}\""))?.get(format!("\"{name}\"")))
        .unwrap_or_else(|| panic!("resource {kind}.{name}"))
}

/// An HCL string literal's text (`"x"` -> `x`); interpolations stay as they are.
fn unquote(v: &Value) -> String {
    let s = v.as_str().unwrap_or_default();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .to_string()
}

#[test]
fn the_lambda_example_runs_the_image_as_a_function_reporting_partial_batch_failures() {
    let Some(files) = parse_dir("lambda-example") else {
        return;
    };
    let main = &files["main.tf"];
    let mapping = resource(main, "aws_lambda_event_source_mapping", "queue");
    assert_eq!(
        mapping["function_response_types"][0], "\"ReportBatchItemFailures\"",
        "partial batch responses, or one bad object fails its whole batch"
    );
    assert_eq!(
        unquote(&mapping["event_source_arn"]),
        "${module.trailflow.queue_arn}"
    );
    let function = resource(main, "aws_lambda_function", "trailflow");
    // The image's own binary, with the command that makes it a Lambda runtime client.
    let command: Vec<String> = function["image_config"][0]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(unquote)
        .collect();
    assert_eq!(command, ["lambda"]);
    assert!(
        function["image_config"][0].get("entry_point").is_none(),
        "the image's entry point (trailflow) stays"
    );
    let dockerfile = std::fs::read_to_string(
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("Dockerfile"),
    )
    .unwrap();
    assert!(dockerfile.contains(r#"ENTRYPOINT ["/usr/local/bin/trailflow"]"#));
    let module = &main["module"][0]["\"trailflow\""];
    assert_eq!(module["create_irsa_role"], false);
    assert_eq!(
        unquote(&module["visibility_timeout_seconds"]),
        "${var.timeout_seconds * 6}",
        "AWS's rule for SQS event sources: visibility six times the function timeout"
    );
    assert_eq!(
        unquote(&resource(main, "aws_iam_role_policy", "function")["policy"]),
        "${module.trailflow.permissions_policy_json}"
    );

    // The environment the function gets is a configuration trailflow accepts, with the
    // shared DynamoDB ledger (environments come and go) and OTLP.
    let variables = function["environment"][0]["variables"].as_object().unwrap();
    let env: Vec<(String, String)> = variables
        .iter()
        .map(|(k, v)| {
            let v = unquote(v);
            // Terraform fills these in; any value of the right shape will do here.
            let v = if v.starts_with("${") {
                "placeholder".into()
            } else {
                v
            };
            (k.clone(), v)
        })
        .collect();
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("TRAILFLOW_LEDGER__KIND"), Some("dynamodb"));
    assert_eq!(get("TRAILFLOW_EXPORT__KIND"), Some("otlp"));
    let config = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join(
        get("TRAILFLOW_CONFIG")
            .unwrap()
            .replace("/etc/trailflow/trailflow.toml", "deploy/example.toml"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_trailflow"))
        .args(["config", "check"])
        .arg(&config)
        .env_clear()
        .envs(env.iter().filter(|(k, _)| k != "TRAILFLOW_CONFIG").cloned())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the function's environment: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_module_writes_what_the_kubernetes_manifests_read() {
    let Some(files) = parse() else { return };
    // The variables the module's kubernetes_env output sets ...
    let outputs = text(&files["outputs.tf"]);
    let written: BTreeSet<String> = outputs
        .split("TRAILFLOW_")
        .skip(1)
        .filter_map(|rest| rest.split_once('=').map(|(k, _)| format!("TRAILFLOW_{k}")))
        .collect();
    // ... are exactly those of the file the manifests are built from.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let env_file = std::fs::read_to_string(root.join("deploy/kubernetes/base/aws.env")).unwrap();
    let read: BTreeSet<String> = env_file
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .collect();
    assert_eq!(written, read);

    // The EKS example writes that output to that file.
    let Some(eks) = parse_dir("eks-example") else {
        return;
    };
    let file = resource(&eks["main.tf"], "local_file", "kubernetes_env");
    assert_eq!(
        unquote(&file["content"]),
        "${module.trailflow.kubernetes_env}"
    );
    let target =
        unquote(&file["filename"]).replace("${path.module}", "deploy/terraform/eks-example");
    let resolved = root.join(&target).canonicalize().unwrap();
    assert_eq!(
        resolved,
        root.join("deploy/kubernetes/base/aws.env")
            .canonicalize()
            .unwrap()
    );
}

#[test]
fn pod_identity_is_the_alternative_to_irsa() {
    let Some(files) = parse() else { return };
    let iam = &files["iam.tf"];
    let trust = text(iam);
    assert!(
        trust.contains("pods.eks.amazonaws.com"),
        "trusted by the Pod Identity service"
    );
    assert!(
        trust.contains("sts:TagSession"),
        "Pod Identity tags the session"
    );
    let association = resource(iam, "aws_eks_pod_identity_association", "trailflow");
    assert_eq!(unquote(&association["namespace"]), "${var.namespace}");
    assert_eq!(
        unquote(&association["service_account"]),
        "${var.service_account}"
    );
    let role = resource(iam, "aws_iam_role", "pod_identity");
    assert!(
        text(&role["lifecycle"]).contains("!var.create_irsa_role"),
        "IRSA and Pod Identity are exclusive"
    );
    assert_eq!(
        unquote(&resource(iam, "aws_iam_role_policy", "pod_identity")["policy"]),
        "${data.aws_iam_policy_document.trailflow.json}",
        "the same least-privilege policy"
    );
}

#[test]
fn the_archive_is_written_only_under_its_prefix_and_projected_as_trailflow_writes_it() {
    let Some(files) = parse() else { return };
    let archive = &files["archive.tf"];
    let policy = archive["data"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|d| d.get("\"aws_iam_policy_document\"")?.get("\"archive\""))
        .expect("the archive policy document");
    let all = text(policy);
    assert!(all.contains("s3:PutObject"), "{all}");
    for forbidden in [
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "s3:*",
        "\"*\"",
    ] {
        assert!(
            !all.contains(forbidden),
            "the archive policy grants {forbidden}"
        );
    }
    assert!(
        all.contains("${local.archive_arn}/${var.archive_prefix}/*"),
        "writes only under the archive prefix: {all}"
    );

    let table = text(resource(archive, "aws_glue_catalog_table", "archive"));
    // The projection's template is the layout the archive writes (src/archive/layout.rs).
    assert!(
        table.contains(
            "${local.archive_root}/${each.key}/account=$${account}/region=$${region}/date=$${date}"
        ),
        "{table}"
    );
    for key in [
        "projection.enabled",
        "projection.account.type",
        "projection.region.type",
        "projection.date.type",
        "yyyy-MM-dd",
    ] {
        assert!(table.contains(key), "{key}: {table}");
    }
    let workgroup = text(resource(archive, "aws_athena_workgroup", "archive"));
    assert!(
        workgroup.contains("bytes_scanned_cutoff_per_query"),
        "{workgroup}"
    );
    assert!(workgroup.contains("output_location"), "{workgroup}");
    let lifecycle = text(resource(
        archive,
        "aws_s3_bucket_lifecycle_configuration",
        "archive",
    ));
    assert!(lifecycle.contains("GLACIER_IR"), "{lifecycle}");

    // The columns the Glue tables get are the generated ones, partition keys excluded.
    let tables: Value = serde_json::from_str(
        &std::fs::read_to_string(dir("trailflow").join("archive_tables.json")).unwrap(),
    )
    .unwrap();
    for kind in trailflow::schema::LogKind::ALL {
        let columns: Vec<&str> = tables[kind.table_name()]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        let expected: Vec<String> = trailflow::archive::ddl::data_columns(kind)
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(columns, expected, "{kind}");
        assert!(!columns.contains(&"date") && !columns.contains(&"account"));
    }
}
