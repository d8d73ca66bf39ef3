//! Writes generated gzip objects in AWS's key layout for load tests and comparisons:
//! `cargo run --release --example gen_bulk -- cloudtrail|flowlog OBJECTS RECORDS_PER_OBJECT DIR`.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, bail};
use trailflow::synth::{bulk, gzip};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, objects, per_object, dir] = args.as_slice() else {
        bail!("usage: gen_bulk cloudtrail|flowlog OBJECTS RECORDS_PER_OBJECT DIR");
    };
    let (objects, per_object): (usize, usize) = (objects.parse()?, per_object.parse()?);
    for i in 0..objects {
        let (path, raw) = match kind.as_str() {
            "cloudtrail" => (
                format!(
                    "{dir}/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/111122223333_CloudTrail_eu-west-1_20261127T1000Z_{i:06}.json.gz"
                ),
                bulk::cloudtrail_object(per_object, i as u64),
            ),
            "flowlog" => (
                format!(
                    "{dir}/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/27/111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f67890_20261127T1000Z_{i:06}.log.gz"
                ),
                bulk::flowlog_object(per_object, i as u64),
            ),
            other => bail!("unknown kind {other}"),
        };
        let path = std::path::PathBuf::from(path);
        std::fs::create_dir_all(path.parent().context("a parent directory")?)?;
        std::fs::write(&path, gzip(&raw))?;
    }
    println!("wrote {objects} {kind} objects of {per_object} records under {dir}");
    Ok(())
}
