//! Writes `samples/` from the scenario in `trailflow::synth::samples`.
//! Run with `cargo run --example gen_samples`; a test fails when `samples/` is stale.
// Benchmark and example code: a panic on bad setup is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for object in trailflow::synth::samples::objects() {
        let path = root.join(&object.key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &object.bytes)?;
        println!("{}", path.display());
    }
    Ok(())
}
