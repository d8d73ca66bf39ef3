//! Where archive files are written: a local directory (written to a temporary name, then
//! renamed, so a reader never sees half a file) or an S3 prefix (a PUT is atomic).
//! Writing a name again replaces the file: that is what makes a redelivery harmless.

use std::path::PathBuf;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;

use super::ArchiveError;

/// An archive root.
#[derive(Debug, Clone)]
pub enum Store {
    /// `file:///path`.
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3 {
        /// The client.
        client: Client,
        /// Bucket name.
        bucket: String,
        /// Key prefix, without a trailing `/` (may be empty).
        prefix: String,
    },
}

impl Store {
    /// The root as a URL, for messages.
    pub fn url(&self) -> String {
        match self {
            Store::Local(p) => format!("file://{}", p.display()),
            Store::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}"),
        }
    }

    /// Writes (or replaces) the file at `relative`.
    pub async fn put(&self, relative: &str, bytes: Vec<u8>) -> Result<(), ArchiveError> {
        match self {
            Store::Local(root) => {
                let path = root.join(relative);
                // Hidden (a leading `.`) while it is written: Athena, Trino, Spark and Hive skip
                // such files, so a process killed mid-write leaves nothing a reader counts.
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
                let err = |source: std::io::Error| ArchiveError::Write {
                    file: format!("file://{}", path.display()),
                    message: source.to_string(),
                };
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir).await.map_err(err)?;
                }
                tokio::fs::write(&tmp, bytes).await.map_err(err)?;
                tokio::fs::rename(&tmp, &path).await.map_err(err)
            }
            Store::S3 {
                client,
                bucket,
                prefix,
            } => {
                let key = if prefix.is_empty() {
                    relative.to_string()
                } else {
                    format!("{prefix}/{relative}")
                };
                client
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .content_type("application/vnd.apache.parquet")
                    .body(ByteStream::from(bytes))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| ArchiveError::Write {
                        file: format!("s3://{bucket}/{key}"),
                        message: aws_sdk_s3::error::DisplayErrorContext(&e).to_string(),
                    })
            }
        }
    }
}
