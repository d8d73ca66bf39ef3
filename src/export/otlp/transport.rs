//! Sending one `ExportMetricsServiceRequest`: OTLP/gRPC through tonic, or
//! OTLP/HTTP with a protobuf body through hyper. Both take TLS from an
//! `https://` endpoint (system roots, an optional private CA, an optional
//! client certificate) and report rejected points of a partial success.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use prost::Message;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use super::error::{OtlpError, with_causes};
use super::settings::{OtlpSettings, Protocol};

fn read(path: &std::path::Path) -> Result<Vec<u8>, OtlpError> {
    std::fs::read(path).map_err(|e| file_error(path, e))
}

fn file_error(path: &std::path::Path, e: impl std::fmt::Display) -> OtlpError {
    OtlpError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn header_error(name: &str, e: impl std::fmt::Display) -> OtlpError {
    OtlpError::Header {
        name: name.to_string(),
        message: e.to_string(),
    }
}

fn endpoint_error(endpoint: &str, e: impl std::fmt::Display) -> OtlpError {
    OtlpError::Endpoint {
        endpoint: endpoint.to_string(),
        message: e.to_string(),
    }
}

/// A connection to the collector.
#[derive(Clone)]
pub enum Transport {
    /// OTLP/gRPC.
    Grpc {
        /// The client (its channel connects lazily and reconnects).
        client: MetricsServiceClient<Channel>,
        /// Headers as gRPC metadata.
        metadata: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
    },
    /// OTLP/HTTP.
    Http {
        /// The client.
        client: Box<Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>>,
        /// The metrics URL.
        uri: hyper::Uri,
        /// Headers.
        headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
        /// Gzip bodies.
        gzip: bool,
    },
}

impl Transport {
    /// Builds the client for `settings` (does not connect yet).
    pub fn new(s: &OtlpSettings) -> Result<Self, OtlpError> {
        match s.protocol {
            Protocol::Grpc => grpc(s),
            Protocol::HttpProtobuf => http(s),
        }
    }

    /// Sends `request`; `Ok` carries the number of points the collector rejected (partial success).
    pub async fn send(&self, request: ExportMetricsServiceRequest) -> Result<i64, OtlpError> {
        let response = match self {
            Transport::Grpc { client, metadata } => {
                let mut req = tonic::Request::new(request);
                for (k, v) in metadata {
                    req.metadata_mut().insert(k.clone(), v.clone());
                }
                let mut client = client.clone();
                client
                    .export(req)
                    .await
                    .map_err(|status| {
                        let mut message = status.message().to_string();
                        if let Some(source) = std::error::Error::source(&status) {
                            message.push_str(&format!(": {}", with_causes(source)));
                        }
                        OtlpError::Grpc {
                            code: status.code(),
                            message,
                        }
                    })?
                    .into_inner()
            }
            Transport::Http {
                client,
                uri,
                headers,
                gzip,
            } => {
                let mut body = request.encode_to_vec();
                let mut builder = hyper::Request::post(uri.clone())
                    .header(hyper::header::CONTENT_TYPE, "application/x-protobuf");
                if *gzip {
                    body = gzip_bytes(&body).map_err(OtlpError::Gzip)?;
                    builder = builder.header(hyper::header::CONTENT_ENCODING, "gzip");
                }
                for (k, v) in headers {
                    builder = builder.header(k, v);
                }
                let req = builder
                    .body(Full::new(Bytes::from(body)))
                    .map_err(|e| OtlpError::Request(with_causes(&e)))?;
                let response = client
                    .request(req)
                    .await
                    .map_err(|e| OtlpError::Request(with_causes(&e)))?;
                let status = response.status();
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| OtlpError::Status {
                        status,
                        body: format!("reading the body: {e}"),
                    })?
                    .to_bytes();
                if !status.is_success() {
                    let text = String::from_utf8_lossy(&bytes);
                    let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
                    return Err(OtlpError::Status { status, body: text });
                }
                ExportMetricsServiceResponse::decode(bytes).unwrap_or_default()
            }
        };
        Ok(response
            .partial_success
            .map_or(0, |p| p.rejected_data_points))
    }
}

fn gzip_bytes(body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(body)?;
    encoder.finish()
}

fn grpc(s: &OtlpSettings) -> Result<Transport, OtlpError> {
    let mut endpoint = Endpoint::from_shared(s.endpoint.clone())
        .map_err(|e| endpoint_error(&s.endpoint, e))?
        .timeout(s.timeout)
        .connect_timeout(s.timeout);
    if s.endpoint.starts_with("https://") {
        let mut tls = ClientTlsConfig::new().with_native_roots();
        if let Some(ca) = &s.ca_file {
            tls = tls.ca_certificate(Certificate::from_pem(read(ca)?));
        }
        if let Some((cert, key)) = &s.client_identity {
            tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|e| OtlpError::Tls(with_causes(&e)))?;
    }
    let mut client = MetricsServiceClient::new(endpoint.connect_lazy());
    if s.gzip {
        client = client.send_compressed(tonic::codec::CompressionEncoding::Gzip);
    }
    let metadata = s
        .headers
        .iter()
        .map(|(k, v)| {
            let key = k
                .to_ascii_lowercase()
                .parse::<AsciiMetadataKey>()
                .map_err(|e| header_error(k, e))?;
            let value = v
                .parse::<AsciiMetadataValue>()
                .map_err(|e| header_error(k, format!("value: {e}")))?;
            Ok((key, value))
        })
        .collect::<Result<_, OtlpError>>()?;
    Ok(Transport::Grpc { client, metadata })
}

fn tls_config(s: &OtlpSettings) -> Result<rustls::ClientConfig, OtlpError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let mut roots = rustls::RootCertStore::empty();
    if s.endpoint.starts_with("https://") {
        let native = rustls_native_certs::load_native_certs();
        for e in &native.errors {
            tracing::warn!(error = %e, "loading the system's CA certificates");
        }
        roots.add_parsable_certificates(native.certs);
    }
    if let Some(ca) = &s.ca_file {
        for cert in CertificateDer::pem_file_iter(ca).map_err(|e| file_error(ca, e))? {
            let cert = cert.map_err(|e| file_error(ca, e))?;
            roots.add(cert).map_err(|e| file_error(ca, e))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| OtlpError::Tls(e.to_string()))?
        .with_root_certificates(roots);
    match &s.client_identity {
        Some((cert, key)) => {
            let certs = CertificateDer::pem_file_iter(cert)
                .and_then(|c| c.collect::<Result<Vec<_>, _>>())
                .map_err(|e| file_error(cert, e))?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| file_error(key, e))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| OtlpError::Tls(format!("client certificate: {e}")))
        }
        None => Ok(builder.with_no_client_auth()),
    }
}

fn http(s: &OtlpSettings) -> Result<Transport, OtlpError> {
    let uri: hyper::Uri = s
        .endpoint
        .parse()
        .map_err(|e| endpoint_error(&s.endpoint, e))?;
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(s.timeout));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config(s)?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client = Box::new(Client::builder(TokioExecutor::new()).build(connector));
    let headers = s
        .headers
        .iter()
        .map(|(k, v)| {
            let key = hyper::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| header_error(k, e))?;
            let value = hyper::header::HeaderValue::from_str(v)
                .map_err(|e| header_error(k, format!("value: {e}")))?;
            Ok((key, value))
        })
        .collect::<Result<_, OtlpError>>()?;
    Ok(Transport::Http {
        client,
        uri,
        headers,
        gzip: s.gzip,
    })
}
