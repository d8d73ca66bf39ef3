//! Getting an object's bytes, from S3 or a local file, with retries,
//! exponential backoff and jitter for transient failures, and a verdict the
//! ack policy can act on.

use std::path::PathBuf;
use std::time::Duration;

use super::notification::ObjectRef;
use super::s3::{GetFailure, S3Reader};

/// An object to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectSpec {
    /// An S3 object from a notification or a listing.
    S3(ObjectRef),
    /// A local file.
    File(PathBuf),
}

impl ObjectSpec {
    /// `s3://bucket/key` or the file path: the name in every message about the object.
    pub fn name(&self) -> String {
        match self {
            ObjectSpec::S3(o) => o.url(),
            ObjectSpec::File(p) => p.display().to_string(),
        }
    }

    /// The ETag the notification or listing names, if any. The ETag (not the version id,
    /// which listings lack) is the version in ledger keys, so that notifications, listings
    /// and downloads of one object agree on its key.
    pub fn announced_version(&self) -> Option<String> {
        match self {
            ObjectSpec::S3(o) => o.etag.clone(),
            ObjectSpec::File(_) => None,
        }
    }
}

/// An object's bytes and the version they are.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body as stored (maybe gzip).
    pub bytes: Vec<u8>,
    /// ETag for S3; size and modification time for files.
    pub version: Option<String>,
}

/// Why an object could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The object does not exist.
    #[error("{object}: not found: {message}")]
    NotFound {
        /// The object.
        object: String,
        /// The store's message.
        message: String,
    },
    /// Reading it is not allowed.
    #[error("{object}: access denied: {message}")]
    AccessDenied {
        /// The object.
        object: String,
        /// The store's message.
        message: String,
    },
    /// Every attempt failed, or the failure is not worth retrying.
    #[error("{object}: {message} (after {attempts} attempts)")]
    Failed {
        /// The object.
        object: String,
        /// The last message.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
}

impl FetchError {
    /// The outcome label of the `trailflow.pipeline.objects` metric.
    pub fn outcome(&self) -> &'static str {
        match self {
            FetchError::NotFound { .. } => "not_found",
            FetchError::AccessDenied { .. } => "access_denied",
            FetchError::Failed { .. } => "fetch_error",
        }
    }
}

/// Fetches objects with a retry policy.
#[derive(Debug, Clone)]
pub struct Fetcher {
    s3: Option<S3Reader>,
    attempts: u32,
    timeout: Duration,
}

impl Fetcher {
    /// `s3` may be `None` when only files are read.
    pub fn new(s3: Option<S3Reader>, attempts: u32, timeout: Duration) -> Self {
        Self {
            s3,
            attempts: attempts.max(1),
            timeout,
        }
    }

    /// The S3 client, if any.
    pub fn s3(&self) -> Option<&S3Reader> {
        self.s3.as_ref()
    }

    /// The object's bytes.
    pub async fn fetch(&self, object: &ObjectSpec) -> Result<Fetched, FetchError> {
        match object {
            ObjectSpec::File(path) => read_file(path).await,
            ObjectSpec::S3(o) => self.fetch_s3(o).await,
        }
    }

    async fn fetch_s3(&self, o: &ObjectRef) -> Result<Fetched, FetchError> {
        let Some(s3) = &self.s3 else {
            return Err(FetchError::Failed {
                object: o.url(),
                message: "no S3 client configured".into(),
                attempts: 0,
            });
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match s3.get_once(&o.bucket, &o.key, self.timeout).await {
                Ok(got) => {
                    return Ok(Fetched {
                        bytes: got.bytes,
                        version: got.etag.or_else(|| o.version_id.clone()),
                    });
                }
                Err(f) => f,
            };
            let object = o.url();
            match failure {
                GetFailure::NotFound(message) => {
                    return Err(FetchError::NotFound { object, message });
                }
                GetFailure::AccessDenied(message) => {
                    return Err(FetchError::AccessDenied { object, message });
                }
                GetFailure::Permanent(message) => {
                    return Err(FetchError::Failed {
                        object,
                        message,
                        attempts: attempt,
                    });
                }
                GetFailure::Transient(message) if attempt >= self.attempts => {
                    return Err(FetchError::Failed {
                        object,
                        message,
                        attempts: attempt,
                    });
                }
                GetFailure::Transient(message) => {
                    let wait =
                        backoff(attempt, Duration::from_millis(200), Duration::from_secs(10));
                    tracing::debug!(object, attempt, error = %message, ?wait, "get object retried");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

async fn read_file(path: &PathBuf) -> Result<Fetched, FetchError> {
    let object = path.display().to_string();
    let fail = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => FetchError::NotFound {
            object: object.clone(),
            message: e.to_string(),
        },
        std::io::ErrorKind::PermissionDenied => FetchError::AccessDenied {
            object: object.clone(),
            message: e.to_string(),
        },
        _ => FetchError::Failed {
            object: object.clone(),
            message: e.to_string(),
            attempts: 1,
        },
    };
    let meta = tokio::fs::metadata(path).await.map_err(fail)?;
    let bytes = tokio::fs::read(path).await.map_err(fail)?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    Ok(Fetched {
        bytes,
        version: Some(format!("{}-{modified}", meta.len())),
    })
}

/// Exponential backoff with full jitter: a random wait in `[d/2, d]`, `d = min(max, base * 2^(attempt-1))`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let d = exp.min(max);
    d / 2 + d.mul_f64(jitter() / 2.0)
}

/// A number in `[0, 1)`, different on every call (std's per-process random hash keys, no crate needed).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_jitters_and_caps() {
        let (base, max) = (Duration::from_millis(100), Duration::from_secs(2));
        for attempt in 1..40 {
            let d = backoff(attempt, base, max);
            let cap = (base * 2u32.pow(attempt.min(16) - 1)).min(max);
            assert!(
                d >= cap / 2 && d <= cap,
                "attempt {attempt}: {d:?} outside [{:?}, {cap:?}]",
                cap / 2
            );
        }
        let waits: std::collections::HashSet<Duration> =
            (0..20).map(|_| backoff(5, base, max)).collect();
        assert!(waits.len() > 10, "jitter varies the waits: {waits:?}");
    }

    #[tokio::test]
    async fn files_are_read_and_missing_ones_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, b"x y").unwrap();
        let fetcher = Fetcher::new(None, 3, Duration::from_secs(1));
        let got = fetcher
            .fetch(&ObjectSpec::File(path.clone()))
            .await
            .unwrap();
        assert_eq!(got.bytes, b"x y");
        assert!(got.version.unwrap().starts_with("3-"));
        let missing = fetcher
            .fetch(&ObjectSpec::File(dir.path().join("b")))
            .await
            .unwrap_err();
        assert_eq!(missing.outcome(), "not_found");
        let no_s3 = fetcher
            .fetch(&ObjectSpec::S3(ObjectRef::new("b", "k")))
            .await
            .unwrap_err();
        assert!(no_s3.to_string().starts_with("s3://b/k: "), "{no_s3}");
    }
}
