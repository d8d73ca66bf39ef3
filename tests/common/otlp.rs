//! Real OTLP receivers for the tests: the collector's gRPC service (tonic,
//! from the generated `opentelemetry-proto` server) and the HTTP/protobuf
//! endpoint (axum), both on loopback, keeping every request they accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};

/// Requests a receiver accepted, with the headers of each.
pub type Received = Arc<Mutex<Vec<(BTreeMap<String, String>, ExportMetricsServiceRequest)>>>;

struct Service {
    received: Received,
}

#[tonic::async_trait]
impl MetricsService for Service {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let headers = request
            .metadata()
            .iter()
            .filter_map(|kv| match kv {
                tonic::metadata::KeyAndValueRef::Ascii(k, v) => {
                    Some((k.to_string(), v.to_str().ok()?.to_string()))
                }
                _ => None,
            })
            .collect();
        self.received
            .lock()
            .unwrap()
            .push((headers, request.into_inner()));
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// Starts an OTLP/gRPC receiver on a loopback port; returns its port and what it receives.
pub async fn grpc_receiver() -> (u16, Received) {
    let port = super::daemon::free_port();
    (port, grpc_receiver_on(port).await)
}

/// Starts an OTLP/gRPC receiver on `port` (e.g. a collector that comes up late).
pub async fn grpc_receiver_on(port: u16) -> Received {
    let received = Received::default();
    let service = MetricsServiceServer::new(Service {
        received: received.clone(),
    })
    .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve(addr),
    );
    wait_listening(addr).await;
    received
}

/// Waits (up to 2 s) until something accepts connections on `addr`.
async fn wait_listening(addr: std::net::SocketAddr) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A string attribute's value.
pub fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        }
    })
}

/// Metric names in a request.
pub fn metric_names(r: &ExportMetricsServiceRequest) -> BTreeSet<String> {
    r.resource_metrics
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(|m| m.name.clone())
        .collect()
}

/// The points of the counter `name`, with the temporality of each.
fn sum_points<'a>(
    r: &'a ExportMetricsServiceRequest,
    name: &'a str,
) -> impl Iterator<
    Item = (
        &'a opentelemetry_proto::tonic::metrics::v1::NumberDataPoint,
        i32,
    ),
> + 'a {
    r.resource_metrics
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .filter(move |m| m.name == name)
        .filter_map(|m| match &m.data {
            Some(metric::Data::Sum(s)) => Some(s),
            _ => None,
        })
        .flat_map(|s| {
            s.data_points
                .iter()
                .map(move |p| (p, s.aggregation_temporality))
        })
}

fn value(p: &opentelemetry_proto::tonic::metrics::v1::NumberDataPoint) -> f64 {
    match p.value {
        Some(number_data_point::Value::AsDouble(v)) => v,
        Some(number_data_point::Value::AsInt(v)) => v as f64,
        None => 0.0,
    }
}

/// Sum of a counter's points (all series), with each point's temporality.
pub fn counter_sum(r: &ExportMetricsServiceRequest, name: &str) -> (f64, BTreeSet<i32>) {
    let mut total = 0.0;
    let mut temporalities = BTreeSet::new();
    for (p, t) in sum_points(r, name) {
        temporalities.insert(t);
        total += value(p);
    }
    (total, temporalities)
}

/// Value of a counter's series with `label=value`.
pub fn counter_with(r: &ExportMetricsServiceRequest, name: &str, label: &str, value_: &str) -> f64 {
    sum_points(r, name)
        .filter(|(p, _)| attr(&p.attributes, label) == Some(value_))
        .map(|(p, _)| value(p))
        .sum()
}

/// A private CA, a server certificate for `localhost`/127.0.0.1 and a client certificate,
/// made with the `openssl` command line (PEM files in `dir`): ca.pem, server.pem, server.key,
/// client.pem, client.key. `None` without openssl outside CI.
pub fn certificates(dir: &std::path::Path) -> Option<()> {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output();
        match out {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                Some(())
            }
            Err(e) => {
                super::skip::skip(&format!("openssl is not installed ({e})"));
                None
            }
        }
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=trailflow-test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ])?;
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .ok()?;
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").ok()?;
    for who in ["server", "client"] {
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &format!("/CN={who}"),
            "-keyout",
            &format!("{who}.key"),
            "-out",
            &format!("{who}.csr"),
        ])?;
        run(&[
            "x509",
            "-req",
            "-in",
            &format!("{who}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &format!("{who}.ext"),
            "-out",
            &format!("{who}.pem"),
        ])?;
    }
    Some(())
}

/// Starts an OTLP/gRPC receiver with TLS that requires a client certificate signed by `ca.pem`.
pub async fn grpc_tls_receiver(dir: &std::path::Path) -> (u16, Received) {
    use tonic::transport::{Certificate, Identity, ServerTlsConfig};
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let tls = ServerTlsConfig::new()
        .identity(Identity::from_pem(read("server.pem"), read("server.key")))
        .client_ca_root(Certificate::from_pem(read("ca.pem")));
    let port = super::daemon::free_port();
    let received = Received::default();
    let service = MetricsServiceServer::new(Service {
        received: received.clone(),
    });
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    tokio::spawn(
        tonic::transport::Server::builder()
            .tls_config(tls)
            .unwrap()
            .add_service(service)
            .serve(addr),
    );
    wait_listening(addr).await;
    (port, received)
}
