//! DuckDB (its Python package) as the independent reader of the Parquet archive.

use std::path::Path;
use std::process::Command;

/// True when `python3 -c "import duckdb"` works; otherwise the calling test skips (through
/// [`super::skip::skip`]: SKIPPED, or a failure under CI) and should return.
pub fn available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        super::skip::skip("python3 -m pip install duckdb");
    }
    ok
}

/// Runs a DuckDB Python `script` with `args` from `dir`; one JSON value per printed line.
fn run<T: serde::de::DeserializeOwned>(
    dir: &Path,
    script: &str,
    args: &[&str],
    sql: &str,
) -> Vec<T> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "duckdb `{sql}`: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("duckdb prints JSON rows"))
        .collect()
}

/// Runs `sql` with DuckDB (one thread) from `dir` and returns the rows as JSON arrays.
pub fn query(dir: &Path, sql: &str) -> Vec<serde_json::Value> {
    let script = r#"
import duckdb, json, sys
c = duckdb.connect()
c.execute("SET threads = 1")
rows = c.execute(sys.argv[1]).fetchall()
for r in rows:
    print(json.dumps([v if v is None or isinstance(v, (int, float, str, bool)) else str(v) for v in r]))
"#;
    run(dir, script, &[sql], sql)
}

/// Runs `setup` then `sql` with DuckDB from `dir`; every value comes back as text (or null),
/// one map of column name to value per row.
pub fn query_text(
    dir: &Path,
    setup: &str,
    sql: &str,
) -> Vec<std::collections::BTreeMap<String, Option<String>>> {
    let script = r#"
import duckdb, json, sys
c = duckdb.connect()
c.execute("SET threads = 1")
c.execute(sys.argv[1])
cur = c.execute("SELECT COLUMNS(*)::VARCHAR FROM (" + sys.argv[2] + ")")
names = [d[0] for d in cur.description]
for r in cur.fetchall():
    print(json.dumps(dict(zip(names, r))))
"#;
    run(dir, script, &[setup, sql], sql)
}
