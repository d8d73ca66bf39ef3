//! Where objects come from. Knows AWS, not Arrow: S3 today; the SQS queue and
//! a directory source arrive with the daemon.

pub mod s3;
