//! The AWS SDK's shared settings: the standard configuration chain (IRSA, Pod Identity, ECS
//! task role, environment, profile) and the one HTTPS client every SDK client uses.
//!
//! The client is rustls over `ring`, chosen here rather than through the SDK crates'
//! `default-https-client` feature, which brings rustls over `aws-lc-rs`: its C library builds
//! with CMake, 55 s of a cold release build on 2 cores against ring's 10 s. trailflow's other
//! TLS (the OTLP exporters) uses `ring` as well, so the binary carries one crypto library.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::config::SharedHttpClient;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// The HTTPS client for every AWS SDK client: rustls over `ring`, the system's trusted roots.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The shared configuration from the standard chain, with [`http_client`]; honours
/// `AWS_ENDPOINT_URL`.
pub async fn shared_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}
