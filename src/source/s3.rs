//! Reading log objects from S3: list a prefix, get an object. The client uses
//! the standard AWS configuration chain (environment, profile, IRSA, Pod
//! Identity, ECS task role) and honours `AWS_ENDPOINT_URL` (path-style
//! addressing then, as local S3 servers expect). Only read calls are made.

use aws_sdk_s3::Client;

/// An `s3://bucket/prefix` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix (may be empty).
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket/prefix`; `None` for anything else.
    pub fn parse(url: &str) -> Option<S3Location> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| S3Location {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

/// An object listed under a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag without quotes.
    pub etag: Option<String>,
    /// Last modification, Unix seconds.
    pub modified_secs: Option<i64>,
}

impl S3Object {
    /// `s3://bucket/key`, the name used in every message about the object.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// S3 failures, each naming the object or prefix concerned.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    /// Listing a prefix failed.
    #[error("listing s3://{bucket}/{prefix}: {message}")]
    List {
        /// Bucket.
        bucket: String,
        /// Prefix.
        prefix: String,
        /// The SDK's message.
        message: String,
    },
    /// Getting an object failed.
    #[error("s3://{bucket}/{key}: {message}")]
    Get {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// The SDK's message.
        message: String,
    },
}

fn message(e: &impl std::error::Error) -> String {
    // The SDK's Display is terse ("service error"); its source chain says what happened.
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Why one `GetObject` attempt failed, classified for the retry and ack policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetFailure {
    /// 404 / NoSuchKey: the object is gone (or not there yet); not retried.
    NotFound(String),
    /// 403: the role may not read it; not retried.
    AccessDenied(String),
    /// Throttling, 5xx, timeouts, broken connections: worth another attempt.
    Transient(String),
    /// Anything else (a bad request): not retried.
    Permanent(String),
}

/// An object's bytes and the ETag it was served with.
#[derive(Debug, Clone)]
pub struct GotObject {
    /// The body.
    pub bytes: Vec<u8>,
    /// ETag without quotes.
    pub etag: Option<String>,
}

/// S3 client settings from the standard AWS configuration chain; path-style addressing when an
/// endpoint is set (a local S3 such as moto's).
pub async fn config_from_env() -> aws_sdk_s3::Config {
    let shared = crate::aws::shared_config().await;
    let local_endpoint = std::env::var_os("AWS_ENDPOINT_URL").is_some()
        || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(local_endpoint)
        .build()
}

/// A read-only S3 client.
#[derive(Debug, Clone)]
pub struct S3Reader {
    client: Client,
    single: Client,
}

impl S3Reader {
    /// A client from the standard AWS configuration chain.
    pub async fn from_env() -> S3Reader {
        let config = config_from_env().await;
        // `get_once` is one attempt: the caller retries with the body and its timeout included.
        let single = config
            .to_builder()
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
            .build();
        S3Reader {
            client: Client::from_conf(config),
            single: Client::from_conf(single),
        }
    }

    /// Every object under `location`, in key order.
    pub async fn list(&self, location: &S3Location) -> Result<Vec<S3Object>, S3Error> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&location.bucket)
            .prefix(&location.prefix)
            .into_paginator()
            .send();
        let mut objects = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| S3Error::List {
                bucket: location.bucket.clone(),
                prefix: location.prefix.clone(),
                message: message(&e),
            })?;
            for o in page.contents() {
                if let Some(key) = o.key() {
                    objects.push(S3Object {
                        bucket: location.bucket.clone(),
                        key: key.to_string(),
                        size: o.size().unwrap_or_default().max(0) as u64,
                        etag: o.e_tag().map(|e| e.trim_matches('"').to_string()),
                        modified_secs: o.last_modified().map(|t| t.secs()),
                    });
                }
            }
        }
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// The bytes of one object.
    pub async fn get(&self, object: &S3Object) -> Result<Vec<u8>, S3Error> {
        let err = |message: String| S3Error::Get {
            bucket: object.bucket.clone(),
            key: object.key.clone(),
            message,
        };
        let response = self
            .client
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .send()
            .await
            .map_err(|e| err(message(&e)))?;
        let body = response
            .body
            .collect()
            .await
            .map_err(|e| err(message(&e)))?;
        Ok(body.into_bytes().to_vec())
    }
}

impl S3Reader {
    /// One `GetObject` attempt, body included, bounded by `timeout`.
    pub async fn get_once(
        &self,
        bucket: &str,
        key: &str,
        timeout: std::time::Duration,
    ) -> Result<GotObject, GetFailure> {
        let attempt = async {
            let response = self
                .single
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .map_err(classify)?;
            let etag = response
                .e_tag()
                .map(|e| e.trim_matches('"').to_string())
                .filter(|e| !e.is_empty());
            let body = response
                .body
                .collect()
                .await
                .map_err(|e| GetFailure::Transient(message(&e)))?;
            Ok(GotObject {
                bytes: body.into_bytes().to_vec(),
                etag,
            })
        };
        tokio::time::timeout(timeout, attempt)
            .await
            .unwrap_or_else(|_| {
                Err(GetFailure::Transient(format!(
                    "timed out after {timeout:?}"
                )))
            })
    }
}

fn classify(
    e: aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::get_object::GetObjectError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
) -> GetFailure {
    use aws_sdk_s3::error::SdkError;
    let text = message(&e);
    match &e {
        SdkError::ServiceError(se) => match se.raw().status().as_u16() {
            404 => GetFailure::NotFound(text),
            403 => GetFailure::AccessDenied(text),
            408 | 429 | 500..=599 => GetFailure::Transient(text),
            _ if se.err().is_no_such_key() => GetFailure::NotFound(text),
            _ => GetFailure::Permanent(text),
        },
        SdkError::ConstructionFailure(_) => GetFailure::Permanent(text),
        _ => GetFailure::Transient(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls() {
        assert_eq!(
            S3Location::parse("s3://logs/AWSLogs/1/"),
            Some(S3Location {
                bucket: "logs".into(),
                prefix: "AWSLogs/1/".into()
            })
        );
        assert_eq!(
            S3Location::parse("s3://logs"),
            Some(S3Location {
                bucket: "logs".into(),
                prefix: String::new()
            })
        );
        assert_eq!(S3Location::parse("s3://"), None);
        assert_eq!(S3Location::parse("/tmp/x"), None);
    }
}
