//! CloudWatch Logs envelopes as a subscription filter hands them to Firehose, which writes them
//! to S3 back to back (one gzip member each, no separator): `{"messageType", "owner",
//! "logGroup", "logStream", "logEvents": [{"id", "timestamp", "message"}]}`. The envelope says
//! what its messages are:
//! - `kube-apiserver-audit-*` streams of `/aws/eks/<cluster>/cluster`: Kubernetes audit events;
//! - CloudTrail's streams (`<account>_CloudTrail_<region>`): CloudTrail events;
//! - VPC flow logs' streams (`eni-...`): flow-log records in the default format.
//!
//! Other streams (the API server's own log, the authenticator, the scheduler, ...) are skipped
//! and counted, and `CONTROL_MESSAGE` envelopes (Firehose's reachability checks) are dropped.
//! Bare audit events (Firehose's message extraction, or an API server's audit log file) and
//! `EventList`s decode too.

use simd_json::BorrowedValue;
use simd_json::prelude::*;

use super::cloudtrail::CloudTrailDecoder;
use super::flowlog::FlowLogDecoder;
use super::json_values::each_value;
use super::k8s_audit::{self, Origin};
use super::{DecodeOptions, Location, Output};
use crate::schema::LogKind;
use crate::schema::k8s_audit::AuditBuilder;

/// What the messages of an envelope are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Audit,
    CloudTrail,
    FlowLog,
    Other,
}

/// The cluster of an EKS control-plane log group `/aws/eks/<cluster>/cluster`.
pub fn eks_cluster(log_group: &str) -> Option<&str> {
    log_group
        .strip_prefix("/aws/eks/")?
        .strip_suffix("/cluster")
        .filter(|c| !c.is_empty() && !c.contains('/'))
}

fn stream_of(log_group: &str, log_stream: &str, first_message: Option<&str>) -> Stream {
    if eks_cluster(log_group).is_some() {
        return if log_stream.starts_with("kube-apiserver-audit") {
            Stream::Audit
        } else {
            Stream::Other
        };
    }
    if log_stream.contains("_CloudTrail") {
        return Stream::CloudTrail;
    }
    if log_stream.starts_with("eni-") {
        return Stream::FlowLog;
    }
    // A log group of another name: judge by the first message.
    match first_message.map(str::trim_start) {
        Some(m) if m.starts_with('{') && m.contains("\"eventVersion\"") => Stream::CloudTrail,
        Some(m) if m.starts_with('{') && m.contains("\"audit.k8s.io/") => Stream::Audit,
        _ => Stream::Other,
    }
}

/// Collected messages of the other kinds, decoded by their own decoders at the end.
struct Forwarded {
    cloudtrail: Vec<u8>,
    flowlog: Vec<u8>,
}

impl Forwarded {
    /// Keeps a message for its decoder; `Err` when a CloudTrail message is not a JSON value
    /// (it would run into the next ones).
    fn add(&mut self, stream: Stream, message: &str) -> Result<(), String> {
        match stream {
            Stream::CloudTrail => {
                let mut copy = message.as_bytes().to_vec();
                if let Err(e) = simd_json::to_tape(&mut copy) {
                    return Err(format!("CloudTrail message is not JSON: {e}"));
                }
                self.cloudtrail.push(if self.cloudtrail.is_empty() {
                    b'['
                } else {
                    b','
                });
                self.cloudtrail.extend_from_slice(message.as_bytes());
            }
            Stream::FlowLog => {
                self.flowlog
                    .extend_from_slice(message.trim_end().as_bytes());
                self.flowlog.push(b'\n');
            }
            Stream::Audit | Stream::Other => {}
        }
        Ok(())
    }

    fn decode(mut self, options: &DecodeOptions, out: &mut Output) {
        if !self.cloudtrail.is_empty() {
            self.cloudtrail.push(b']');
            let mut d = CloudTrailDecoder::new(options, self.cloudtrail.len());
            d.push(&self.cloudtrail, out);
            d.finish(out);
        }
        if !self.flowlog.is_empty() {
            let mut d = FlowLogDecoder::new(options, self.flowlog.len());
            d.push(&self.flowlog, out);
            d.finish(out);
        }
    }
}

/// One top-level value: an envelope, an audit event or an event list.
fn take(
    value: &BorrowedValue<'_>,
    location: Location,
    builder: &mut AuditBuilder,
    forwarded: &mut Forwarded,
    out: &mut Output,
) {
    if let Some(kind) = value.get("messageType").and_then(|m| m.as_str()) {
        if kind != "DATA_MESSAGE" {
            return;
        }
        let group = value
            .get("logGroup")
            .and_then(|g| g.as_str())
            .unwrap_or_default();
        let stream_name = value
            .get("logStream")
            .and_then(|s| s.as_str())
            .unwrap_or_default();
        let events = value
            .get("logEvents")
            .and_then(|e| e.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let message = |e: &BorrowedValue<'_>| {
            e.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        };
        let first = events.first().and_then(message);
        let stream = stream_of(group, stream_name, first.as_deref());
        let origin = Origin {
            cluster: eks_cluster(group),
            log_stream: Some(stream_name).filter(|s| !s.is_empty()),
            account: value.get("owner").and_then(|o| o.as_str()),
        };
        for (i, event) in events.iter().enumerate() {
            let Some(text) = event.get("message").and_then(|m| m.as_str()) else {
                out.errors
                    .record(location, format!("log event {} without a message", i + 1));
                continue;
            };
            match stream {
                Stream::Audit => {
                    let mut bytes = text.as_bytes().to_vec();
                    match simd_json::to_borrowed_value(&mut bytes) {
                        Ok(audit) if k8s_audit::is_event(&audit) => {
                            k8s_audit::append(&audit, origin, builder)
                        }
                        Ok(_) => out.errors.record(
                            location,
                            format!("log event {} of {stream_name} is not an audit event", i + 1),
                        ),
                        Err(e) => out.errors.record(
                            location,
                            format!(
                                "log event {} of {stream_name}: message is not JSON: {e}",
                                i + 1
                            ),
                        ),
                    }
                }
                Stream::CloudTrail | Stream::FlowLog => {
                    if let Err(e) = forwarded.add(stream, text) {
                        out.errors.record(
                            location,
                            format!("log event {} of {stream_name}: {e}", i + 1),
                        );
                    }
                }
                Stream::Other => out.skipped += 1,
            }
        }
    } else if k8s_audit::is_event(value) {
        k8s_audit::append(value, Origin::default(), builder);
    } else if value.get("kind").and_then(|k| k.as_str()) == Some("EventList") {
        for item in value
            .get("items")
            .and_then(|i| i.as_array())
            .into_iter()
            .flatten()
        {
            if k8s_audit::is_event(item) {
                k8s_audit::append(item, Origin::default(), builder);
            }
        }
    } else {
        out.errors.record(
            location,
            "neither a CloudWatch Logs envelope nor a Kubernetes audit event".to_string(),
        );
    }
}

/// Decodes the whole content of an object of envelopes or audit events.
pub fn decode(content: &[u8], options: &DecodeOptions, out: &mut Output) {
    let batch_rows = options.batch_rows;
    let mut builder = AuditBuilder::with_capacity(batch_rows.min(4096));
    let mut forwarded = Forwarded {
        cloudtrail: Vec::new(),
        flowlog: Vec::new(),
    };
    each_value(content, options.split, out, |value, location, out| {
        take(value, location, &mut builder, &mut forwarded, out);
        if builder.len() >= batch_rows {
            out.push(LogKind::K8sAudit, builder.finish());
        }
    });
    out.push(LogKind::K8sAudit, builder.finish());
    forwarded.decode(options, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_by_group_and_name() {
        assert_eq!(eks_cluster("/aws/eks/prod-eu/cluster"), Some("prod-eu"));
        assert_eq!(eks_cluster("/aws/eks/prod/other"), None);
        assert_eq!(
            stream_of("/aws/eks/prod/cluster", "kube-apiserver-audit-0a1b", None),
            Stream::Audit
        );
        assert_eq!(
            stream_of("/aws/eks/prod/cluster", "authenticator-0a1b", None),
            Stream::Other
        );
        assert_eq!(
            stream_of(
                "CloudTrail/logs",
                "111111111111_CloudTrail/logs_us-east-1",
                None
            ),
            Stream::CloudTrail
        );
        assert_eq!(
            stream_of("vpc-flow", "eni-0a1b2c3d-all", None),
            Stream::FlowLog
        );
        assert_eq!(stream_of("app", "web-1", Some("hello")), Stream::Other);
    }
}
