//! Embeds the saved queries (`queries/metrics/*.sql`, `queries/adhoc/*.sql`) into the binary,
//! so a deployed trailflow needs no files beside it; `--queries`/`queries_dir` can override them.

use std::fmt::Write;
use std::path::Path;

fn embed(dir: &str, name: &str, out: &mut String) {
    // The manifest directory of this run, not of the build that compiled this script: clones in
    // other directories sharing a target directory reuse the compiled build script.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join(dir);
    let mut files: Vec<_> = match std::fs::read_dir(&root) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect(),
        Err(e) => panic!("reading {}: {e}", root.display()),
    };
    if files.is_empty() {
        panic!("{} holds no .sql file", root.display());
    }
    files.sort();
    let _ = writeln!(
        out,
        "/// `{dir}/*.sql`: (file name, text).\npub const {name}: &[(&str, &str)] = &["
    );
    for f in files {
        let file = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        // Relative to the manifest at compile time, not this run's absolute path: clones in
        // other directories may share a target directory and reuse this build script's output.
        let _ = writeln!(
            out,
            "    ({file:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{file}\"))),"
        );
    }
    out.push_str("];\n");
}

fn main() {
    println!("cargo:rerun-if-changed=queries");
    let mut out = String::new();
    embed("queries/metrics", "METRIC_QUERIES", &mut out);
    embed("queries/adhoc", "ADHOC_QUERIES", &mut out);
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("embedded_queries.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("writing {}: {e}", dest.display());
    }
}
