//! The OTLP exporter's settings: the config file first, then the standard
//! `OTEL_EXPORTER_OTLP_METRICS_*` and `OTEL_EXPORTER_OTLP_*` variables, then
//! the defaults. Resource attributes: `service.name=trailflow`,
//! `service.version`, `service.instance.id`, overridden by
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME` and the file's
//! `resource_attributes`, in that order.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use super::encode::Temporality;
use super::error::OtlpError;
use crate::config::OtlpConfig;

/// The wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/gRPC.
    Grpc,
    /// OTLP/HTTP with protobuf bodies.
    HttpProtobuf,
}

/// Resolved settings.
#[derive(Debug, Clone, PartialEq)]
pub struct OtlpSettings {
    /// The protocol.
    pub protocol: Protocol,
    /// For gRPC the collector's address, for HTTP the full URL of the metrics path.
    pub endpoint: String,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// Deadline of one export.
    pub timeout: Duration,
    /// Gzip request bodies.
    pub gzip: bool,
    /// Cumulative or delta.
    pub temporality: Temporality,
    /// Extra CA (PEM).
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM), for mutual TLS.
    pub client_identity: Option<(PathBuf, PathBuf)>,
    /// Resource attributes, sorted by key.
    pub resource: Vec<(String, String)>,
}

fn split_pairs(list: &str) -> Vec<(String, String)> {
    list.split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let decode = |s: &str| {
                percent_decode_str(s.trim())
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

impl OtlpSettings {
    /// Resolves `config` against the environment `env`; `instance_id` names this replica.
    pub fn resolve(
        config: &OtlpConfig,
        env: &HashMap<String, String>,
        instance_id: &str,
    ) -> Result<Self, OtlpError> {
        let var = |name: &str| {
            env.get(&format!("OTEL_EXPORTER_OTLP_METRICS_{name}"))
                .or_else(|| env.get(&format!("OTEL_EXPORTER_OTLP_{name}")))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let protocol = match config
            .protocol
            .clone()
            .or_else(|| var("PROTOCOL"))
            .as_deref()
        {
            None | Some("grpc") => Protocol::Grpc,
            Some("http/protobuf") | Some("http") => Protocol::HttpProtobuf,
            Some(other) => {
                return Err(OtlpError::Setting(format!(
                    "OTLP protocol `{other}` is not supported (grpc or http/protobuf)"
                )));
            }
        };
        let endpoint = match (&config.endpoint, protocol) {
            (Some(e), Protocol::Grpc) => e.clone(),
            (Some(e), Protocol::HttpProtobuf) => metrics_path(e),
            (None, Protocol::Grpc) => var("ENDPOINT").unwrap_or("http://localhost:4317".into()),
            (None, Protocol::HttpProtobuf) => {
                match env
                    .get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
                    .filter(|v| !v.trim().is_empty())
                {
                    Some(exact) => exact.trim().to_string(),
                    None => metrics_path(
                        env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                            .map(|v| v.trim())
                            .filter(|v| !v.is_empty())
                            .unwrap_or("http://localhost:4318"),
                    ),
                }
            }
        };
        if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
            return Err(OtlpError::Setting(format!(
                "OTLP endpoint `{endpoint}` must start with http:// or https://"
            )));
        }
        let mut headers: BTreeMap<String, String> = var("HEADERS")
            .map(|h| split_pairs(&h))
            .unwrap_or_default()
            .into_iter()
            .collect();
        headers.extend(config.headers.clone());
        let timeout = match config.timeout_secs {
            Some(s) => Duration::from_secs(s),
            None => match var("TIMEOUT") {
                Some(ms) => Duration::from_millis(ms.parse().map_err(|_| {
                    OtlpError::Setting(format!(
                        "OTEL_EXPORTER_OTLP_TIMEOUT `{ms}` is not a number of milliseconds"
                    ))
                })?),
                None => Duration::from_secs(10),
            },
        };
        if timeout.is_zero() {
            return Err(OtlpError::Setting(
                "the OTLP timeout must be above zero".into(),
            ));
        }
        let gzip = match config
            .compression
            .clone()
            .or_else(|| var("COMPRESSION"))
            .as_deref()
        {
            None | Some("none") => false,
            Some("gzip") => true,
            Some(other) => {
                return Err(OtlpError::Setting(format!(
                    "OTLP compression `{other}` is not gzip or none"
                )));
            }
        };
        let temporality = match config
            .temporality
            .clone()
            .or_else(|| {
                env.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")
                    .cloned()
            })
            .map(|t| t.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("cumulative") => Temporality::Cumulative,
            Some("delta") | Some("lowmemory") => Temporality::Delta,
            Some(other) => {
                return Err(OtlpError::Setting(format!(
                    "OTLP temporality `{other}` is not cumulative or delta"
                )));
            }
        };
        let ca_file = config
            .ca_file
            .clone()
            .or_else(|| var("CERTIFICATE").map(PathBuf::from));
        let cert = config
            .client_cert_file
            .clone()
            .or_else(|| var("CLIENT_CERTIFICATE").map(PathBuf::from));
        let key = config
            .client_key_file
            .clone()
            .or_else(|| var("CLIENT_KEY").map(PathBuf::from));
        let client_identity = match (cert, key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => {
                return Err(OtlpError::Setting(
                    "a client certificate needs both its file and its key file".into(),
                ));
            }
        };

        let mut resource: BTreeMap<String, String> = [
            ("service.name", "trailflow"),
            ("service.version", env!("CARGO_PKG_VERSION")),
            ("service.instance.id", instance_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if let Some(attrs) = env.get("OTEL_RESOURCE_ATTRIBUTES") {
            resource.extend(split_pairs(attrs));
        }
        if let Some(name) = env
            .get("OTEL_SERVICE_NAME")
            .filter(|n| !n.trim().is_empty())
        {
            resource.insert("service.name".into(), name.trim().to_string());
        }
        resource.extend(config.resource_attributes.clone());

        Ok(Self {
            protocol,
            endpoint,
            headers: headers.into_iter().collect(),
            timeout,
            gzip,
            temporality,
            ca_file,
            client_identity,
            resource: resource.into_iter().collect(),
        })
    }
}

fn metrics_path(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    if base.ends_with("/v1/metrics") {
        base.to_string()
    } else {
        format!("{base}/v1/metrics")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_grpc_on_4317_cumulative() {
        let s = OtlpSettings::resolve(&OtlpConfig::default(), &env(&[]), "pod-1").unwrap();
        assert_eq!(s.protocol, Protocol::Grpc);
        assert_eq!(s.endpoint, "http://localhost:4317");
        assert_eq!(s.temporality, Temporality::Cumulative);
        assert_eq!(s.timeout, Duration::from_secs(10));
        assert!(
            s.resource
                .contains(&("service.instance.id".into(), "pod-1".into()))
        );
        assert!(
            s.resource
                .contains(&("service.name".into(), "trailflow".into()))
        );
    }

    #[test]
    fn standard_variables_fill_what_the_file_leaves_out() {
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example:4318/"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer%20abc, x-tenant=t1",
            ),
            ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "k8s.cluster.name=prod,service.name=ignored",
            ),
            ("OTEL_SERVICE_NAME", "trailflow-eu"),
        ]);
        let file = OtlpConfig {
            headers: [("x-tenant".to_string(), "from-file".to_string())].into(),
            ..Default::default()
        };
        let s = OtlpSettings::resolve(&file, &e, "i").unwrap();
        assert_eq!(s.protocol, Protocol::HttpProtobuf);
        assert_eq!(s.endpoint, "https://otel.example:4318/v1/metrics");
        assert_eq!(
            s.headers,
            vec![
                ("authorization".into(), "Bearer abc".into()),
                ("x-tenant".into(), "from-file".into())
            ]
        );
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert!(s.gzip);
        assert_eq!(s.temporality, Temporality::Delta);
        assert!(
            s.resource
                .contains(&("k8s.cluster.name".into(), "prod".into()))
        );
        assert!(
            s.resource
                .contains(&("service.name".into(), "trailflow-eu".into()))
        );

        let exact = env(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://c:9999/custom",
            ),
        ]);
        let s = OtlpSettings::resolve(&OtlpConfig::default(), &exact, "i").unwrap();
        assert_eq!(
            s.endpoint, "http://c:9999/custom",
            "the signal's own URL is used as is"
        );
    }

    #[test]
    fn bad_values_are_refused_with_their_name() {
        for (k, v, says) in [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "http/json"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "ten", "ten"),
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "collector:4317",
                "collector:4317",
            ),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/k.pem", "both"),
        ] {
            let e =
                OtlpSettings::resolve(&OtlpConfig::default(), &env(&[(k, v)]), "i").unwrap_err();
            assert!(e.to_string().contains(says), "{k}: {e}");
        }
    }
}
