//! DuckDB (its Python package) as the independent reader of the Parquet archive.

use std::path::Path;
use std::process::Command;

/// True when `python3 -c "import duckdb"` works.
pub fn available() -> bool {
    Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success())
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
    let out = Command::new("python3")
        .args(["-c", script, sql])
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
    let out = Command::new("python3")
        .args(["-c", script, setup, sql])
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
