//! Synthetic CloudTrail and flow-log content for samples, tests and benchmarks.
