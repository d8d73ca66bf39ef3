//! K1-K5, L1, L2 and W1 over logs written here (not by the samples generator), through
//! `trailflow replay` as a user runs it, against counts worked out by hand.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Write;

use common::replay::replay_ndjson;
use serde_json::{Value, json};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `metric{label=value,...}` -> value (histograms: count), over the series of `metric`.
fn points(series: &[Value], metric: &str) -> BTreeMap<String, f64> {
    series
        .iter()
        .filter(|s| s["metric"] == metric)
        .map(|s| {
            let labels = s["labels"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let v = s["count"].as_f64().or(s["value"].as_f64()).unwrap_or(0.0);
            (labels, v)
        })
        .collect()
}

fn alb(
    elb_status: &str,
    target_status: &str,
    target: &str,
    target_time: &str,
    url: &str,
    actions: &str,
) -> String {
    format!(
        "https 2026-12-01T08:00:00.000001Z app/web/1a2b {client} {target} 0.001 {target_time} 0.000 {elb_status} {target_status} 10 20 \"GET {url} HTTP/1.1\" \"ua\" - - arn:aws:elasticloadbalancing:us-east-1:210987654321:targetgroup/web/9f \"Root=1-x\" \"-\" \"-\" 0 2026-12-01T07:59:59.000000Z \"{actions}\" \"-\" \"-\" \"-\" \"-\" \"-\" \"-\" TID_1 new-field-aws-added-later",
        client = "198.51.100.1:1234",
    )
}

fn audit(verb: &str, resource: &str, extra: Value) -> Value {
    let mut e = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "auditID": "a",
        "stage": "ResponseComplete", "verb": verb, "requestURI": "/x",
        "user": {"username": "carol", "groups": ["devs"]},
        "objectRef": {"resource": resource, "namespace": "shop", "name": "n"},
        "responseStatus": {"code": 200},
        "requestReceivedTimestamp": "2026-12-01T08:00:00.000000Z",
        "stageTimestamp": "2026-12-01T08:00:00.250000Z"
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        e[k] = v;
    }
    e
}

#[test]
fn load_balancer_waf_and_audit_metrics_match_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let elb_dir = dir
        .path()
        .join("AWSLogs/210987654321/elasticloadbalancing/us-east-1/2026/12/01");
    std::fs::create_dir_all(&elb_dir).unwrap();
    let lines = [
        alb(
            "200",
            "200",
            "10.1.0.5:80",
            "0.300",
            "https://api.example.org:443/a",
            "forward",
        ),
        alb(
            "200",
            "200",
            "10.1.0.5:80",
            "1.700",
            "https://api.example.org:443/b",
            "forward",
        ),
        alb(
            "502",
            "-",
            "10.1.0.5:80",
            "-1",
            "https://api.example.org:443/c",
            "forward",
        ),
        alb(
            "504",
            "-",
            "10.1.0.5:80",
            "-1",
            "https://api.example.org:443/d",
            "forward",
        ),
        alb(
            "504",
            "-",
            "10.1.0.5:80",
            "-1",
            "https://api.example.org:443/d",
            "forward",
        ),
        alb(
            "503",
            "-",
            "-",
            "-1",
            "https://api.example.org:443/e",
            "forward",
        ),
        alb(
            "500",
            "500",
            "10.1.0.5:80",
            "0.010",
            "https://api.example.org:443/f",
            "forward",
        ),
        alb(
            "404",
            "404",
            "10.1.0.5:80",
            "0.010",
            "https://API.example.org:443/g",
            "forward",
        ),
        alb(
            "403",
            "-",
            "-",
            "-1",
            "https://api.example.org/h?q=1",
            "waf",
        ),
        alb("403", "-", "-", "-1", "https://api.example.org/h", "waf"),
    ];
    std::fs::write(
        elb_dir.join("210987654321_elasticloadbalancing_us-east-1_app.web.1a2b_20261201T0800Z_10.1.0.1_x.log.gz"),
        gzip((lines.join("\n") + "\n").as_bytes()),
    )
    .unwrap();
    let waf = |action: &str, rule: &str, host: &str| {
        json!({"timestamp": 1_796_112_000_000_i64, "formatVersion": 1,
            "webaclId": "arn:aws:wafv2:us-east-1:210987654321:regional/webacl/edge/77",
            "terminatingRuleId": rule, "terminatingRuleType": "REGULAR", "action": action,
            "httpSourceName": "ALB", "httpSourceId": "alb",
            "httpRequest": {"clientIp": "198.51.100.1", "country": "US", "uri": "/", "args": "", "httpVersion": "HTTP/2.0", "httpMethod": "GET", "requestId": "r",
                "headers": [{"name": "host", "value": host}, {"name": "Authorization", "value": "Basic c2VjcmV0"}]}})
        .to_string()
    };
    let waf_dir = dir
        .path()
        .join("AWSLogs/210987654321/WAFLogs/us-east-1/edge/2026/12/01/08/00");
    std::fs::create_dir_all(&waf_dir).unwrap();
    std::fs::write(
        waf_dir.join("210987654321_waflogs_us-east-1_edge_20261201T0800Z_x.log.gz"),
        gzip(
            [
                waf("BLOCK", "sqli", "api.example.org:443"),
                waf("BLOCK", "sqli", "API.example.org"),
                waf("ALLOW", "Default_Action", "api.example.org"),
            ]
            .join("\n")
            .as_bytes(),
        ),
    )
    .unwrap();
    let events = [
        audit(
            "patch",
            "configmaps",
            json!({"objectRef": {"resource": "configmaps", "namespace": "kube-system", "name": "aws-auth"}}),
        ),
        audit(
            "create",
            "clusterrolebindings",
            json!({"requestObject": {"roleRef": {"name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "eve"}]}}),
        ),
        audit(
            "create",
            "clusterrolebindings",
            json!({"responseStatus": {"code": 403}, "requestObject": {"roleRef": {"name": "view"}, "subjects": [{"kind": "Group", "name": "system:masters"}]}}),
        ),
        audit(
            "create",
            "pods",
            json!({"objectRef": {"resource": "pods", "subresource": "eviction", "namespace": "shop"}, "responseStatus": {"code": 429}}),
        ),
        audit(
            "create",
            "namespaces",
            json!({"objectRef": {"resource": "namespaces", "name": "tmp"}, "requestObject": {"metadata": {"name": "tmp"}}}),
        ),
        audit(
            "get",
            "pods",
            json!({"responseStatus": {"code": 401}, "user": {}}),
        ),
        audit(
            "watch",
            "pods",
            json!({"stageTimestamp": "2026-12-01T08:05:00.000000Z"}),
        ),
        audit("get", "pods", json!({"stage": "RequestReceived"})),
    ];
    let envelope = json!({"messageType": "DATA_MESSAGE", "owner": "210987654321", "logGroup": "/aws/eks/blue/cluster",
        "logStream": "kube-apiserver-audit-x", "subscriptionFilters": [],
        "logEvents": events.iter().enumerate().map(|(i, e)| json!({"id": i.to_string(), "timestamp": 1, "message": e.to_string()})).collect::<Vec<_>>()});
    let fh = dir.path().join("firehose/2026/12/01/08");
    std::fs::create_dir_all(&fh).unwrap();
    std::fs::write(
        fh.join("audit-1-2026-12-01-08-00-00-x"),
        gzip(envelope.to_string().as_bytes()),
    )
    .unwrap();

    let (series, stderr) = replay_ndjson(dir.path(), None);
    assert!(
        stderr.contains(" 0 record errors, 0 failed objects"),
        "{stderr}"
    );
    let tg = "arn:aws:elasticloadbalancing:us-east-1:210987654321:targetgroup/web/9f";
    let at = "account=210987654321,region=us-east-1";
    let want = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
        pairs
            .iter()
            .map(|(k, v)| {
                // The ndjson labels come sorted by name.
                let text = k.replace("{tg}", tg).replace("{at}", at);
                let mut parts: Vec<&str> = text.split(',').collect();
                parts.sort_unstable();
                (parts.join(","), *v)
            })
            .collect()
    };
    assert_eq!(
        points(&series, "trailflow.elb.server_errors"),
        want(&[
            (
                "elb=app/web/1a2b,target_group_arn={tg},origin=elb,status=502,class=reset,{at}",
                1.0
            ),
            (
                "elb=app/web/1a2b,target_group_arn={tg},origin=elb,status=503,class=unavailable,{at}",
                1.0
            ),
            (
                "elb=app/web/1a2b,target_group_arn={tg},origin=elb,status=504,class=timeout,{at}",
                2.0
            ),
            (
                "elb=app/web/1a2b,target_group_arn={tg},origin=target,status=500,class=target,{at}",
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&series, "trailflow.elb.client_errors"),
        want(&[
            (
                "host=api.example.org,origin=target,status=404,elb=app/web/1a2b,{at}",
                1.0
            ),
            (
                "host=api.example.org,origin=waf,status=403,elb=app/web/1a2b,{at}",
                2.0
            ),
        ])
    );
    // Four target timings: 0.3, 1.7, 0.01, 0.01 (the -1 of the 5xx without an answer are left out).
    assert_eq!(
        points(&series, "trailflow.elb.target.response_time"),
        want(&[("elb=app/web/1a2b,target_group_arn={tg},{at}", 4.0)])
    );
    assert_eq!(
        points(&series, "trailflow.waf.requests"),
        want(&[
            (
                "web_acl=edge,action=ALLOW,rule=Default_Action,rule_type=REGULAR,host=api.example.org,{at}",
                1.0
            ),
            (
                "web_acl=edge,action=BLOCK,rule=sqli,rule_type=REGULAR,host=api.example.org,{at}",
                2.0
            ),
        ])
    );
    assert_eq!(
        points(&series, "trailflow.k8s.access_changes"),
        want(&[
            (
                "cluster=blue,user=carol,change=aws_auth,verb=patch,outcome=success,account=210987654321",
                1.0
            ),
            (
                "cluster=blue,user=carol,change=cluster_admin_binding,verb=create,outcome=success,account=210987654321",
                1.0
            ),
            (
                "cluster=blue,user=carol,change=system_masters_binding,verb=create,outcome=denied,account=210987654321",
                1.0
            ),
        ])
    );
    assert_eq!(
        points(&series, "trailflow.k8s.evictions_blocked"),
        want(&[("cluster=blue,namespace=shop,account=210987654321", 1.0)])
    );
    assert_eq!(
        points(&series, "trailflow.k8s.pod_security"),
        want(&[(
            "cluster=blue,namespace=tmp,finding=unlabelled,account=210987654321",
            1.0
        )])
    );
    assert_eq!(
        points(&series, "trailflow.k8s.auth_failures"),
        want(&[(
            "cluster=blue,kind=unauthenticated,outcome=denied,account=210987654321",
            1.0
        )])
    );
    // Every ResponseComplete event but the watch: 6 observations, each of 0.25 s.
    let latency: f64 = points(&series, "trailflow.k8s.request.duration")
        .values()
        .sum();
    assert_eq!(latency, 6.0);
    let records = points(&series, "trailflow.records");
    assert_eq!(
        (
            records["kind=elb_access"],
            records["kind=waf"],
            records["kind=k8s_audit"]
        ),
        (10.0, 3.0, 8.0)
    );
}
