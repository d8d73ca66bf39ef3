//! Load balancer, WAF, CloudWatch Logs and Kubernetes audit files from `../shared/corpus/`
//! (AWS's documented examples and other projects' test data) through the real decoders,
//! checked field by field against what the documentation says they hold.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::corpus::{LOKI, corpus, decode_file, only_row};
use common::{rows, s};
use serde_json::Value;
use trailflow::schema::LogKind;

const ALB: &str = "awsdocs__elb-application-load-balancers-user-guide/doc_source/load-balancer-access-logs.md.extracted/";
const NLB: &str = "awsdocs__elb-network-load-balancers-user-guide/doc_source/load-balancer-access-logs.md.extracted/";
const CLB: &str =
    "awsdocs__elb-classic-load-balancers-user-guide/doc_source/access-log-collection.md.extracted/";
const WAF: &str = "awsdocs__aws-waf-and-shield-advanced-developer-guide/doc_source/";
const CWL: &str = "awsdocs__amazon-cloudwatch-logs-user-guide/doc_source/";

fn n(row: &Value, col: &str) -> Option<f64> {
    row.get(col).and_then(Value::as_f64)
}

#[test]
fn alb_documented_entries_field_by_field() {
    let Some(root) = corpus() else { return };
    let r = only_row(
        &root,
        &format!("{ALB}02-alb-https.minimal-fix.log"),
        LogKind::ElbAccess,
        0,
    );
    assert_eq!(s(&r, "type"), Some("https"));
    assert_eq!(s(&r, "time"), Some("2018-07-02T22:23:00.186641Z"));
    assert_eq!(s(&r, "elb"), Some("app/my-loadbalancer/50dc6c495c0c9188"));
    assert_eq!(
        (s(&r, "client_ip"), n(&r, "client_port")),
        (Some("192.168.131.39"), Some(2817.0))
    );
    assert_eq!(
        (s(&r, "target_ip"), n(&r, "target_port")),
        (Some("10.0.0.1"), Some(80.0))
    );
    assert_eq!(n(&r, "request_processing_time"), Some(0.086));
    assert_eq!(n(&r, "target_processing_time"), Some(0.048));
    assert_eq!(n(&r, "response_processing_time"), Some(0.037));
    assert_eq!(
        (n(&r, "elb_status_code"), n(&r, "target_status_code")),
        (Some(200.0), Some(200.0))
    );
    assert_eq!(
        (n(&r, "received_bytes"), n(&r, "sent_bytes")),
        (Some(0.0), Some(57.0))
    );
    assert_eq!(s(&r, "request_verb"), Some("GET"));
    assert_eq!(s(&r, "request_url"), Some("https://www.example.com:443/"));
    assert_eq!(s(&r, "request_protocol"), Some("HTTP/1.1"));
    assert_eq!(s(&r, "user_agent"), Some("curl/7.46.0"));
    assert_eq!(s(&r, "ssl_cipher"), Some("ECDHE-RSA-AES128-GCM-SHA256"));
    assert_eq!(s(&r, "ssl_protocol"), Some("TLSv1.2"));
    assert_eq!(
        s(&r, "target_group_arn"),
        Some(
            "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"
        )
    );
    assert_eq!(
        s(&r, "trace_id"),
        Some("Root=1-58337281-1d84f3d73c47ec4e58577259")
    );
    assert_eq!(s(&r, "domain_name"), Some("www.example.com"));
    assert_eq!(
        s(&r, "chosen_cert_arn"),
        Some("arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012")
    );
    assert_eq!(n(&r, "matched_rule_priority"), Some(1.0));
    assert_eq!(
        s(&r, "request_creation_time"),
        Some("2018-07-02T22:22:48.364Z")
    );
    assert_eq!(s(&r, "actions_executed"), Some("authenticate,forward"));
    assert_eq!(s(&r, "redirect_url"), None);
    assert_eq!(s(&r, "error_reason"), None);
    assert_eq!(s(&r, "target_port_list"), Some("10.0.0.1:80"));
    assert_eq!(s(&r, "target_status_code_list"), Some("200"));
    assert_eq!(s(&r, "classification"), None);

    // A Lambda target that answered badly: the load balancer's own 502, no target status.
    let r = only_row(
        &root,
        &format!("{ALB}07-alb-lambda-failed-LambdaInvalidResponse.minimal-fix.log"),
        LogKind::ElbAccess,
        0,
    );
    assert_eq!(n(&r, "elb_status_code"), Some(502.0));
    assert_eq!(n(&r, "target_status_code"), None);
    assert_eq!((s(&r, "target_ip"), n(&r, "target_port")), (None, None));
    assert_eq!(s(&r, "error_reason"), Some("LambdaInvalidResponse"));
    assert_eq!(s(&r, "domain_name"), None);
    for file in [
        "01-alb-http",
        "03-alb-h2-redirect",
        "04-alb-ws",
        "05-alb-wss",
        "06-alb-lambda-success",
    ] {
        let d = decode_file(&root, &format!("{ALB}{file}.minimal-fix.log"));
        assert!(d.is_clean(), "{file}: {:?}", d.errors);
        assert_eq!(d.rows_of(LogKind::ElbAccess), 1, "{file}");
    }
    let redirect = only_row(
        &root,
        &format!("{ALB}03-alb-h2-redirect.minimal-fix.log"),
        LogKind::ElbAccess,
        0,
    );
    assert_eq!(s(&redirect, "type"), Some("h2"));
    assert_eq!(s(&redirect, "actions_executed"), Some("redirect"));
    assert!(s(&redirect, "redirect_url").is_some_and(|u| u.starts_with("https://")));
}

#[test]
fn nlb_and_clb_documented_entries() {
    let Some(root) = corpus() else { return };
    let r = only_row(
        &root,
        &format!("{NLB}02-nlb-tls-alpn.minimal-fix.log"),
        LogKind::ElbAccess,
        0,
    );
    assert_eq!(s(&r, "type"), Some("tls"));
    assert_eq!(s(&r, "time"), Some("2020-04-01T08:51:42Z"));
    assert_eq!(
        s(&r, "elb"),
        Some("net/my-network-loadbalancer/c6e77e28c25b2234")
    );
    assert_eq!(s(&r, "listener_id"), Some("g3d4b5e8bb8464cd"));
    assert_eq!(
        (s(&r, "client_ip"), n(&r, "client_port")),
        (Some("72.21.218.154"), Some(51341.0))
    );
    assert_eq!(
        (s(&r, "target_ip"), n(&r, "target_port")),
        (Some("172.100.100.185"), Some(443.0))
    );
    assert_eq!(n(&r, "connection_time"), Some(0.005));
    assert_eq!(n(&r, "tls_handshake_time"), Some(0.002));
    assert_eq!(
        (n(&r, "received_bytes"), n(&r, "sent_bytes")),
        (Some(98.0), Some(246.0))
    );
    assert_eq!(s(&r, "ssl_cipher"), Some("ECDHE-RSA-AES128-SHA"));
    assert_eq!(s(&r, "ssl_protocol"), Some("tlsv12"));
    assert_eq!(
        s(&r, "domain_name"),
        Some("my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com")
    );
    assert_eq!(s(&r, "alpn_fe_protocol"), Some("h2"));
    assert_eq!(n(&r, "elb_status_code"), None);

    let http = only_row(
        &root,
        &format!("{CLB}01-clb-http.log"),
        LogKind::ElbAccess,
        0,
    );
    assert_eq!(s(&http, "type"), Some("classic"));
    assert_eq!(s(&http, "elb"), Some("my-loadbalancer"));
    assert_eq!(n(&http, "request_processing_time"), Some(0.000073));
    assert_eq!(n(&http, "target_status_code"), Some(200.0));
    assert_eq!(s(&http, "request_url"), Some("http://www.example.com:80/"));
    assert_eq!(s(&http, "ssl_cipher"), None);
    // A TCP listener: no request line, no status codes.
    let tcp = only_row(
        &root,
        &format!("{CLB}03-clb-tcp.log"),
        LogKind::ElbAccess,
        0,
    );
    assert_eq!(
        (n(&tcp, "elb_status_code"), n(&tcp, "target_status_code")),
        (None, None)
    );
    assert_eq!(
        (s(&tcp, "request_verb"), s(&tcp, "request_url")),
        (None, None)
    );
    assert_eq!(s(&tcp, "user_agent"), None);
    assert_eq!(
        (n(&tcp, "received_bytes"), n(&tcp, "sent_bytes")),
        (Some(82.0), Some(305.0))
    );
}

#[test]
fn other_projects_load_balancer_logs() {
    let Some(root) = corpus() else { return };
    // Loki's ALB log: a redirect and a fixed response, no target (`-`) and -1 timings.
    let d = decode_file(&root, &format!("{LOKI}albaccesslog.log.gz"));
    assert!(d.is_clean(), "{:?}", d.errors);
    let alb = rows(&d, LogKind::ElbAccess);
    assert!(!alb.is_empty());
    let first = &alb[0];
    assert_eq!(n(first, "request_processing_time"), None, "-1 is null");
    assert_eq!(n(first, "target_status_code"), None);
    assert_eq!(s(first, "actions_executed"), Some("redirect"));
    let d = decode_file(&root, &format!("{LOKI}nlbaccesslog.log.gz"));
    assert!(d.is_clean(), "{:?}", d.errors);
    assert!(
        rows(&d, LogKind::ElbAccess)
            .iter()
            .all(|r| s(r, "type") == Some("tls"))
    );
    // The WAF security automations' ALB log starts with a `#` line; 100 entries follow.
    let rel = "aws-solutions__aws-waf-security-automations/source/log_parser/test/test_data/XXXXXXXXXXXX_elasticloadbalancing_us-east-1_app.ApplicationLoadBalancer.fa87e1db7badc175_20230424T2110Z_X.X.X.X_4c8scnzy.log.gz";
    let d = decode_file(&root, rel);
    assert!(d.is_clean(), "{:?}", d.errors);
    assert_eq!(d.rows_of(LogKind::ElbAccess), 100);
}

#[test]
fn waf_documented_records() {
    let Some(root) = corpus() else { return };
    let r = only_row(
        &root,
        &format!("{WAF}logging-examples.md.extracted/01-sqli-terminating-BLOCK.json"),
        LogKind::Waf,
        0,
    );
    assert_eq!(s(&r, "action"), Some("BLOCK"));
    assert_eq!(s(&r, "terminating_rule_type"), Some("REGULAR"));
    assert!(s(&r, "web_acl_id").is_some_and(|a| a.starts_with("arn:aws:wafv2:")));
    assert!(s(&r, "web_acl_name").is_some());
    assert!(s(&r, "client_ip").is_some());
    assert!(s(&r, "timestamp").is_some());
    let group = only_row(
        &root,
        &format!("{WAF}logging-examples.md.extracted/03-rulegroup-xss-terminating-GROUP.json"),
        LogKind::Waf,
        0,
    );
    assert_eq!(s(&group, "terminating_rule_type"), Some("GROUP"));
    assert!(s(&group, "rule_group_list").is_some_and(|g| g.starts_with('[')));
    for file in [
        "logging-examples.md.extracted/02-sqli-nonterminating-COUNT-leading-commas.json",
        "logging-examples.md.extracted/04-json-body-location-UNKNOWN-ALB.json",
        "logging-examples.md.extracted/05-captcha-valid-token-APIGW.json",
        "logging-examples.md.extracted/06-captcha-missing-token-CAPTCHA.json",
        "classic-logging.md.extracted/01-waf-classic-CF-ALLOW.json",
    ] {
        let d = decode_file(&root, &format!("{WAF}{file}"));
        assert!(d.is_clean(), "{file}: {:?}", d.errors);
        assert_eq!(d.rows_of(LogKind::Waf), 1, "{file}");
    }
    let d = decode_file(&root, &format!("{LOKI}waflog.log.gz"));
    assert!(d.is_clean(), "{:?}", d.errors);
    assert_eq!(d.rows_of(LogKind::Waf), 1);
    let d = decode_file(
        &root,
        "aws-solutions__aws-waf-security-automations/source/log_parser/test/test_data/test_waf_log.gz",
    );
    assert!(d.is_clean(), "{:?}", d.errors);
    assert_eq!(d.rows_of(LogKind::Waf), 228);
    // Wazuh's broken files: an error each, never a panic or a made-up row.
    let wazuh = "wazuh__wazuh/wodles/aws/tests/data/log_files/WAF/";
    let d = decode_file(&root, &format!("{wazuh}aws-waf"));
    assert!(d.is_clean(), "{:?}", d.errors);
    assert_eq!(d.rows_of(LogKind::Waf), 7);
    for broken in ["aws-waf-invalid-json", "aws-waf-wrong-structure"] {
        let d = decode_file(&root, &format!("{wazuh}{broken}"));
        assert_eq!(d.rows_of(LogKind::Waf), 0, "{broken}");
        assert!(d.errors.count > 0, "{broken}");
    }
}

#[test]
fn kubernetes_audit_events_and_cloudwatch_envelopes() {
    let Some(root) = corpus() else { return };
    let d = decode_file(&root, "liggitt__audit2rbac/testdata/demo.log");
    assert!(d.is_clean(), "{:?}", d.errors);
    let events = rows(&d, LogKind::K8sAudit);
    assert_eq!(events.len(), 37);
    let first = &events[0];
    assert_eq!(
        s(first, "audit_id"),
        Some("033d17af-082d-4b24-aa22-627752e83d71")
    );
    assert_eq!(s(first, "verb"), Some("list"));
    assert_eq!(s(first, "user_username"), Some("system:admin"));
    assert_eq!(s(first, "impersonated_user"), Some("bob"));
    assert_eq!(s(first, "object_resource"), Some("pods"));
    assert_eq!(s(first, "object_namespace"), Some("default"));
    assert_eq!(s(first, "response_reason"), Some("Forbidden"));
    let anonymous = only_row(
        &root,
        "openshift__openshift-docs/modules/nodes-nodes-audit-log-basic-viewing.adoc.extracted/04-oauth-server-post-login-anonymous.json",
        LogKind::K8sAudit,
        0,
    );
    assert_eq!(s(&anonymous, "user_username"), Some("system:anonymous"));
    assert_eq!(n(&anonymous, "response_code"), Some(302.0));
    assert_eq!(
        s(&anonymous, "request_received_time"),
        Some("2022-05-11T17:31:16.280155Z")
    );
    assert_eq!(
        s(&anonymous, "stage_time"),
        Some("2022-05-11T17:31:16.297083Z")
    );
    assert_eq!(s(&anonymous, "authorization_decision"), Some("allow"));
    // AWS's envelope examples carry CloudTrail messages cut short in the documentation: each
    // is an error of its own, named by stream and event, and nothing is invented.
    for file in [
        "SubscriptionFilters.md.extracted/01-kinesis-DATA_MESSAGE.indented.json",
        "ValidateLogEventFlow.md.extracted/01-cross-account-DATA_MESSAGE.json",
    ] {
        let d = decode_file(&root, &format!("{CWL}{file}"));
        assert_eq!(d.rows(), 0, "{file}");
        assert_eq!(d.errors.count, 3, "{file}: {:?}", d.errors);
        assert!(
            d.errors.details[0].message.contains("_CloudTrail")
                && d.errors.details[0].message.contains("not JSON"),
            "{file}: {:?}",
            d.errors.details
        );
    }
}
