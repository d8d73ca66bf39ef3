//! What can go wrong between trailflow and an OpenTelemetry collector: settings that cannot
//! be used, files and TLS, and the two transports' failures. Errors of the libraries under it
//! (tonic, hyper, rustls) are kept as text with their whole chain of causes, since their types
//! differ by transport and a log line needs the innermost cause ("connection refused").

use std::path::PathBuf;
use std::time::Duration;

/// An OTLP export or set-up failure.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// A setting (from `[export.otlp]` or an `OTEL_*` variable) has a value trailflow cannot use.
    #[error("{0}")]
    Setting(String),
    /// A certificate or key file could not be read or parsed.
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The endpoint is not a URI the transport accepts.
    #[error("endpoint {endpoint}: {message}")]
    Endpoint {
        /// The endpoint as configured.
        endpoint: String,
        /// Why.
        message: String,
    },
    /// A header cannot be sent (name or value).
    #[error("header `{name}`: {message}")]
    Header {
        /// The header's name.
        name: String,
        /// Why.
        message: String,
    },
    /// TLS could not be set up.
    #[error("TLS: {0}")]
    Tls(String),
    /// The gRPC call failed: an error status from the collector, or no connection.
    #[error("gRPC {code:?}: {message}")]
    Grpc {
        /// The status code.
        code: tonic::Code,
        /// The status message and its causes.
        message: String,
    },
    /// The HTTP request got no response (connection, TLS, protocol), with its causes.
    #[error("HTTP request: {0}")]
    Request(String),
    /// The collector answered with a status other than 2xx.
    #[error("HTTP {status}: {body}")]
    Status {
        /// The status.
        status: hyper::StatusCode,
        /// The start of the response body.
        body: String,
    },
    /// The export took longer than the configured timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The request body could not be compressed.
    #[error("gzip: {0}")]
    Gzip(std::io::Error),
}

/// `error`'s message followed by each of its causes.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}
