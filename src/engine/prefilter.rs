//! The literals every query of a table filters its rows on, from the optimized plans: the
//! decoders leave records that hold none of them unparsed (see `decode::RecordFilter`).

use std::collections::BTreeMap;

use datafusion::common::ScalarValue;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{BinaryExpr, Expr, LogicalPlan, Operator};

use crate::decode::RecordFilter;
use crate::schema::LogKind;

/// The tables whose decoders take a filter.
const FILTERABLE: [LogKind; 2] = [LogKind::CloudTrail, LogKind::FlowLog];

/// CloudTrail columns copied from a JSON string of the record unchanged (the other text
/// columns are derived: a role ARN from a session's issuer, an account from an ARN, ...).
const CLOUDTRAIL_VERBATIM: [&str; 15] = [
    "event_version",
    "event_source",
    "event_name",
    "aws_region",
    "source_ip",
    "user_agent",
    "error_code",
    "error_message",
    "event_type",
    "event_category",
    "recipient_account_id",
    "event_id",
    "request_id",
    "shared_event_id",
    "vpc_endpoint_id",
];

/// Whether column `name` of `kind` holds a field of the record byte for byte.
fn is_verbatim(kind: LogKind, name: &str) -> bool {
    match kind {
        LogKind::CloudTrail => CLOUDTRAIL_VERBATIM.contains(&name),
        // Every text field of a line, except `region`, which a format without it takes from
        // the object's key.
        LogKind::FlowLog => {
            name != "region"
                && kind
                    .schema()
                    .field_with_name(name)
                    .is_ok_and(|f| *f.data_type() == datafusion::arrow::datatypes::DataType::Utf8)
        }
        _ => false,
    }
}

/// The filter under which `plans` read the same rows: a table is filtered when every scan of
/// it sits right under a `Filter` with a conjunct of the form `column = 'literal'`,
/// `column IN ('a', 'b')` or an `OR` of those, over verbatim columns. Its literals are those of
/// every scan together (a record holding any of them may feed some query).
pub fn filter_of<'a>(plans: impl IntoIterator<Item = &'a LogicalPlan>) -> RecordFilter {
    let mut scans: BTreeMap<LogKind, usize> = BTreeMap::new();
    let mut covered: BTreeMap<LogKind, (usize, Vec<String>)> = BTreeMap::new();
    let kind_of = |scan: &datafusion::logical_expr::TableScan| {
        FILTERABLE
            .into_iter()
            .find(|k| k.table_name() == scan.table_name.table())
    };
    for plan in plans {
        // The closure never fails, so neither does the walk.
        let _ = plan.apply_with_subqueries(|node| {
            match node {
                LogicalPlan::TableScan(scan) => {
                    if let Some(kind) = kind_of(scan) {
                        *scans.entry(kind).or_default() += 1;
                    }
                }
                LogicalPlan::Filter(filter) => {
                    if let LogicalPlan::TableScan(scan) = filter.input.as_ref()
                        && let Some(kind) = kind_of(scan)
                        && let Some(literals) = best_conjunct(kind, &filter.predicate)
                    {
                        let entry = covered.entry(kind).or_default();
                        entry.0 += 1;
                        entry.1.extend(literals);
                    }
                }
                _ => {}
            }
            Ok(TreeNodeRecursion::Continue)
        });
    }
    covered
        .into_iter()
        .filter(|(kind, (n, _))| scans.get(kind) == Some(n))
        .fold(RecordFilter::none(), |filter, (kind, (_, mut literals))| {
            literals.sort();
            literals.dedup();
            filter.with(kind, literals)
        })
}

/// The literals of the conjunct of `predicate` that rules out most cheaply: the fewest
/// literals, then the longest shortest one.
fn best_conjunct(kind: LogKind, predicate: &Expr) -> Option<Vec<String>> {
    split_conjunction(predicate)
        .into_iter()
        .filter_map(|c| literals_of(kind, c))
        .filter(|l| {
            l.iter()
                .all(|s| RecordFilter::literal_is_searchable(kind, s))
        })
        .min_by_key(|l| {
            let shortest = l.iter().map(String::len).min().unwrap_or(0);
            (l.len(), std::cmp::Reverse(shortest))
        })
}

/// The literals a row passing `expr` must hold in a verbatim column, if `expr` says so.
fn literals_of(kind: LogKind, expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::Eq => {
                let literal = match (left.as_ref(), right.as_ref()) {
                    (Expr::Column(c), other) | (other, Expr::Column(c))
                        if is_verbatim(kind, &c.name) =>
                    {
                        text_literal(other)?
                    }
                    _ => return None,
                };
                Some(vec![literal])
            }
            Operator::Or => {
                let mut all = literals_of(kind, left)?;
                all.extend(literals_of(kind, right)?);
                Some(all)
            }
            _ => None,
        },
        Expr::InList(list) if !list.negated => match list.expr.as_ref() {
            Expr::Column(c) if is_verbatim(kind, &c.name) => {
                list.list.iter().map(text_literal).collect()
            }
            _ => None,
        },
        _ => None,
    }
}

fn text_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Literal(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)),
            _,
        ) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Lookups;
    use crate::engine::{Engine, load_catalog};
    use crate::metrics::catalog::{Catalog, MetricQuery};
    use crate::schema::LogKind;

    const HEADER: &str = "-- metric: trailflow.t.m\n-- instrument: counter\n-- unit: {x}\n\
                          -- description: d\n-- value: n\n-- labels: k\n";

    async fn engine_of(queries: &[(&str, String)]) -> Engine {
        let queries = queries
            .iter()
            .enumerate()
            .map(|(i, (table, body))| {
                let text = format!("{HEADER}-- table: {table}\n{body}")
                    .replace("trailflow.t.m", &format!("trailflow.t.m{i}"));
                MetricQuery::parse(&format!("q{i}.sql"), &text).unwrap()
            })
            .collect();
        Engine::new(Catalog::new(queries).unwrap(), &Lookups::default())
            .await
            .unwrap()
    }

    fn literals(engine: &Engine, kind: LogKind) -> Option<Vec<&str>> {
        let filter = engine.record_filter();
        filter
            .literals(kind)
            .map(|l| l.iter().map(String::as_str).collect())
    }

    fn saved(file: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("queries/metrics")
            .join(file);
        std::fs::read_to_string(path).unwrap()
    }

    #[tokio::test]
    async fn c1_and_f1_alone_filter_on_their_most_selective_literal() {
        let c1 = MetricQuery::parse("c1.sql", &saved("c01_sts_assume_role.sql")).unwrap();
        let f1 = MetricQuery::parse("f1.sql", &saved("f1_rejected_flows.sql")).unwrap();
        let engine = Engine::new(Catalog::new(vec![c1, f1]).unwrap(), &Lookups::default())
            .await
            .unwrap();
        // One literal (the event source) beats the three event names.
        assert_eq!(
            literals(&engine, LogKind::CloudTrail),
            Some(vec!["sts.amazonaws.com"])
        );
        assert_eq!(literals(&engine, LogKind::FlowLog), Some(vec!["REJECT"]));
    }

    #[tokio::test]
    async fn one_unfiltered_scan_leaves_its_table_unfiltered() {
        let engine = engine_of(&[
            (
                "flowlog",
                "SELECT 'a' AS k, COUNT(*) AS n FROM flowlog WHERE action = 'REJECT'".into(),
            ),
            (
                "flowlog",
                "SELECT 'b' AS k, COUNT(*) AS n FROM flowlog WHERE action = 'ACCEPT' OR action IN ('x', 'y')"
                    .into(),
            ),
        ])
        .await;
        assert_eq!(
            literals(&engine, LogKind::FlowLog),
            Some(vec!["ACCEPT", "REJECT", "x", "y"])
        );
        for unfiltered in [
            "SELECT 'c' AS k, COUNT(*) AS n FROM flowlog",
            "SELECT 'c' AS k, COUNT(*) AS n FROM flowlog WHERE action <> 'REJECT'",
            "SELECT 'c' AS k, COUNT(*) AS n FROM flowlog WHERE action NOT IN ('REJECT')",
            "SELECT 'c' AS k, COUNT(*) AS n FROM flowlog WHERE action = 'REJECT' OR dstport = 22",
            // `region` may come from the object's key, not the line.
            "SELECT 'c' AS k, COUNT(*) AS n FROM flowlog WHERE region = 'eu-west-1'",
        ] {
            let engine = engine_of(&[
                (
                    "flowlog",
                    "SELECT 'a' AS k, COUNT(*) AS n FROM flowlog WHERE action = 'REJECT'".into(),
                ),
                ("flowlog", unfiltered.into()),
            ])
            .await;
            assert_eq!(literals(&engine, LogKind::FlowLog), None, "{unfiltered}");
        }
    }

    #[tokio::test]
    async fn derived_columns_and_escapable_literals_are_not_searched_for() {
        for unfiltered in [
            // Derived from the identity or the session, not a field of the record.
            "SELECT role_arn AS k, COUNT(*) AS n FROM cloudtrail WHERE role_arn = 'arn:aws:iam::1:role/x' GROUP BY role_arn",
            "SELECT 'a' AS k, COUNT(*) AS n FROM cloudtrail WHERE identity_account_id = '111122223333'",
            // JSON may write `/` as `\/`.
            "SELECT 'a' AS k, COUNT(*) AS n FROM cloudtrail WHERE user_agent = 'aws-cli/2.0'",
        ] {
            let engine = engine_of(&[("cloudtrail", unfiltered.into())]).await;
            assert_eq!(literals(&engine, LogKind::CloudTrail), None, "{unfiltered}");
        }
        // A subquery's scan counts like any other: both scans of the table are filtered here.
        let engine = engine_of(&[(
            "cloudtrail",
            "SELECT event_name AS k, COUNT(*) AS n FROM cloudtrail WHERE event_source = 'kms.amazonaws.com' \
             AND source_ip IN (SELECT source_ip FROM cloudtrail WHERE error_code = 'AccessDenied') GROUP BY event_name"
                .into(),
        )])
        .await;
        assert_eq!(
            literals(&engine, LogKind::CloudTrail),
            Some(vec!["AccessDenied", "kms.amazonaws.com"])
        );
    }

    #[tokio::test]
    async fn the_built_in_queries_leave_every_table_unfiltered() {
        let engine = Engine::new(load_catalog(None).unwrap(), &Lookups::default())
            .await
            .unwrap();
        for kind in LogKind::ALL {
            assert_eq!(literals(&engine, kind), None, "{kind:?}");
        }
    }
}
