//! The columns the saved queries read, from their optimized plans: the decoders fill only
//! those (see `decode::ColumnSelection`).

use std::collections::{BTreeMap, BTreeSet};

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;

use crate::decode::ColumnSelection;
use crate::schema::LogKind;

/// The tables whose decoders honour a selection.
const SELECTABLE: [LogKind; 3] = [LogKind::CloudTrail, LogKind::FlowLog, LogKind::ElbAccess];

/// The columns of the window tables that `plans` (optimized: projections pushed into the
/// scans) read. A table no plan reads gets an empty selection; a scan without a projection
/// reads every column.
pub fn read_by<'a>(plans: impl IntoIterator<Item = &'a LogicalPlan>) -> ColumnSelection {
    // `None`: every column.
    let mut read: BTreeMap<LogKind, Option<BTreeSet<usize>>> = SELECTABLE
        .iter()
        .map(|&k| (k, Some(BTreeSet::new())))
        .collect();
    for plan in plans {
        // The closure never fails, so neither does the walk.
        let _ = plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node
                && let Some(entry) = SELECTABLE
                    .iter()
                    .find(|k| k.table_name() == scan.table_name.table())
                    .and_then(|k| read.get_mut(k))
                && let Some(columns) = entry
            {
                match &scan.projection {
                    None => *entry = None,
                    Some(projection) => {
                        columns.extend(projection.iter().copied());
                        // Filters pushed into a scan may name columns outside its projection.
                        let schema = scan.source.schema();
                        for filter in &scan.filters {
                            for column in filter.column_refs() {
                                if let Ok(i) = schema.index_of(&column.name) {
                                    columns.insert(i);
                                }
                            }
                        }
                    }
                }
            }
            Ok(TreeNodeRecursion::Continue)
        });
    }
    read.into_iter().fold(
        ColumnSelection::all(),
        |selection, (kind, columns)| match columns {
            Some(columns) => selection.only(kind, columns),
            None => selection,
        },
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::config::Lookups;
    use crate::engine::{Engine, load_catalog};
    use crate::metrics::catalog::{Catalog, MetricQuery};
    use crate::schema::LogKind;

    async fn engine_of(file: &str, text: &str) -> Engine {
        let query = MetricQuery::parse(file, text).unwrap();
        Engine::new(Catalog::new(vec![query]).unwrap(), &Lookups::default())
            .await
            .unwrap()
    }

    fn names(engine: &Engine, kind: LogKind) -> BTreeSet<String> {
        engine.columns_read().kept_names(kind).into_iter().collect()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[tokio::test]
    async fn f1_alone_reads_its_eleven_flow_log_columns_and_no_cloudtrail() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("queries/metrics/f1_rejected_flows.sql");
        let engine = engine_of("f1.sql", &std::fs::read_to_string(path).unwrap()).await;
        assert_eq!(
            names(&engine, LogKind::FlowLog),
            set(&[
                "interface_id",
                "vpc_id",
                "subnet_id",
                "az_id",
                "flow_direction",
                "dstport",
                "protocol",
                "reject_reason",
                "account_id",
                "region",
                "action",
            ])
        );
        assert_eq!(names(&engine, LogKind::CloudTrail), set(&[]));
    }

    #[tokio::test]
    async fn filters_subqueries_and_star_count() {
        let header = "-- metric: trailflow.t.m\n-- instrument: counter\n-- unit: {x}\n-- description: d\n\
                      -- value: n\n-- labels: k\n";
        // A column only in WHERE, one only in a subquery.
        let engine = engine_of(
            "q.sql",
            &format!(
                "{header}-- table: cloudtrail\nSELECT event_name AS k, COUNT(*) AS n FROM cloudtrail \
                 WHERE error_code IS NULL AND source_ip IN (SELECT srcaddr FROM flowlog WHERE action = 'REJECT') \
                 GROUP BY event_name"
            ),
        )
        .await;
        assert_eq!(
            names(&engine, LogKind::CloudTrail),
            set(&["event_name", "error_code", "source_ip"])
        );
        assert_eq!(
            names(&engine, LogKind::FlowLog),
            set(&["srcaddr", "action"])
        );
        // `SELECT *` under an aggregate reads only what the aggregate needs: here nothing.
        let engine = engine_of(
            "q.sql",
            &format!(
                "{header}-- table: flowlog\nSELECT k, COUNT(*) AS n FROM \
                 (SELECT *, 'x' AS k FROM flowlog) AS t GROUP BY k"
            ),
        )
        .await;
        assert_eq!(names(&engine, LogKind::FlowLog), set(&[]));
    }

    #[tokio::test]
    async fn the_built_in_queries_skip_every_raw_json_column() {
        let engine = Engine::new(load_catalog(None).unwrap(), &Lookups::default())
            .await
            .unwrap();
        let cloudtrail = names(&engine, LogKind::CloudTrail);
        // The fields the metrics need are derived columns: no raw JSON is re-encoded.
        assert!(cloudtrail.contains("event_time"));
        for unread in [
            "request_parameters",
            "response_elements",
            "additional_event_data",
            "resources",
        ] {
            assert!(
                !cloudtrail.contains(unread),
                "{unread} is read: {cloudtrail:?}"
            );
        }
        let flowlog = names(&engine, LogKind::FlowLog);
        assert!(flowlog.contains("action") && flowlog.contains("log_status"));
        assert!(flowlog.len() < 40, "{flowlog:?}");
    }
}
