//! The OTLP sink: each export is one `ExportMetricsServiceRequest` with every
//! series, sent over gRPC or HTTP/protobuf, whose response decides whether the
//! daemon may delete the window's messages. Timeouts and errors come back as
//! an [`ExportError`]; the coordinator retries with backoff and counts them.

mod encode;
mod error;
mod settings;
mod transport;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

pub use encode::{Baseline, Temporality, Times, attribute, data_points, request};
pub use error::OtlpError;
pub use settings::{OtlpSettings, Protocol};

use super::{ExportError, Sink};
use crate::config::OtlpConfig;
use crate::metrics::SeriesSet;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use transport::Transport;

/// Exports to an OpenTelemetry collector.
pub struct OtlpSink {
    settings: OtlpSettings,
    transport: Transport,
    resource: Vec<KeyValue>,
    start_unix_nano: u64,
    baseline: Mutex<Option<Baseline>>,
}

fn now_unix_nano() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl OtlpSink {
    /// A sink for `config` with `env`'s `OTEL_*` variables, for the replica `instance_id`.
    pub fn new(
        config: &OtlpConfig,
        env: &HashMap<String, String>,
        instance_id: &str,
    ) -> Result<Self, ExportError> {
        let settings =
            OtlpSettings::resolve(config, env, instance_id).map_err(|e| ExportError {
                sink: "otlp".into(),
                cause: e.into(),
            })?;
        let transport = Transport::new(&settings).map_err(|e| ExportError {
            sink: format!("otlp {}", settings.endpoint),
            cause: e.into(),
        })?;
        let resource = settings
            .resource
            .iter()
            .map(|(k, v)| attribute(k, v))
            .collect();
        Ok(Self {
            settings,
            transport,
            resource,
            start_unix_nano: now_unix_nano(),
            baseline: Mutex::new(None),
        })
    }

    /// The resolved settings.
    pub fn settings(&self) -> &OtlpSettings {
        &self.settings
    }
}

#[async_trait]
impl Sink for OtlpSink {
    async fn export(&self, series: &SeriesSet) -> Result<(), ExportError> {
        let now = now_unix_nano();
        let baseline = self.baseline.lock().ok().and_then(|b| b.clone());
        let request = request(
            series,
            &self.resource,
            Times {
                start_unix_nano: self.start_unix_nano,
                now_unix_nano: now,
            },
            self.settings.temporality,
            baseline.as_ref(),
        );
        let points = data_points(&request);
        let fail = |e: OtlpError| ExportError {
            sink: format!("otlp {}", self.settings.endpoint),
            cause: e.into(),
        };
        let rejected = tokio::time::timeout(self.settings.timeout, self.transport.send(request))
            .await
            .map_err(|_| fail(OtlpError::Timeout(self.settings.timeout)))?
            .map_err(fail)?;
        if rejected > 0 {
            // Rejected points are not retryable (the collector said so): retrying would only
            // duplicate the accepted ones.
            tracing::warn!(
                endpoint = %self.settings.endpoint,
                rejected,
                points,
                "the collector rejected part of an export"
            );
        }
        if self.settings.temporality == Temporality::Delta
            && let Ok(mut b) = self.baseline.lock()
        {
            *b = Some(Baseline::of(series, now));
        }
        Ok(())
    }
}
