//! Generated documentation stays in step with the code.
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn check_or_update(rel: &str, expected: &str) {
    let path = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join(rel);
    if std::env::var_os("TRAILFLOW_UPDATE_DOCS").is_some() {
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{rel} is stale: run `TRAILFLOW_UPDATE_DOCS=1 cargo test --test docs`"
    );
}

#[test]
fn schema_doc_is_current() {
    check_or_update("docs/schema.md", &trailflow::schema::docs::markdown());
}

#[test]
fn metric_catalog_doc_is_current() {
    let catalog = trailflow::engine::load_catalog(None).unwrap();
    let dashboards = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("dashboards");
    let queries = trailflow::metrics::usage::shipped_queries(&dashboards).unwrap();
    let uses = trailflow::metrics::usage::uses_by_series(&queries);
    check_or_update("docs/metrics.md", &catalog.markdown(&uses));
}

#[test]
fn external_table_statements_are_current() {
    for (file, athena, trino) in trailflow::archive::ddl::files() {
        check_or_update(&format!("queries/athena/{file}"), &athena);
        check_or_update(&format!("queries/trino/{file}"), &trino);
    }
}

#[test]
fn the_terraform_glue_tables_are_current() {
    check_or_update(
        "deploy/terraform/trailflow/archive_tables.json",
        &trailflow::archive::ddl::glue_tables_json(),
    );
}
