//! trailflow turns AWS CloudTrail and VPC Flow Logs into operational and
//! security metrics for teams that run Kubernetes on EKS.
//!
//! Data flows one way: object bytes -> [`decode`] (gunzip, CloudTrail and
//! flow-log decoders) -> Arrow batches with the schemas of [`schema`] ->
//! windows -> [`engine`] (saved DataFusion queries) -> [`metrics`] points and series.

pub mod app;
pub mod archive;
pub mod aws;
pub mod cli;
pub mod config;
pub mod decode;
pub mod engine;
pub mod export;
pub mod fault;
pub mod health;
pub mod ledger;
pub mod metrics;
pub mod schema;
pub mod source;
#[cfg(any(test, feature = "test-support"))]
pub mod synth;
