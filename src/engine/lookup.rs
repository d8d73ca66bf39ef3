//! The configuration the metrics need, registered as small SQL tables, and the
//! scalar functions the saved queries use:
//! - `role_patterns(kind, pattern)`: SQL `LIKE` patterns of role ARNs by kind
//!   (`node`, `lb_controller`, `external_dns`, `cluster_autoscaler`, `karpenter`, `break_glass`);
//! - `subnet_azs(cidr, az)`, `node_subnets(cidr, name)`, `vpc_endpoints(address, service)`;
//! - `ip_in_cidr(ip, cidr)` and `json_field(json_text, key)`;
//! - `subnet_az(ip)`, `node_subnet(ip)` and `control_plane_subnet(ip)`: the value of the first
//!   `subnet_azs` / `node_subnets` row (or control-plane CIDR) whose CIDR holds `ip`, or null;
//! - the classification functions of [`super::functions`]. (A correlated subquery
//!   with a non-equality condition does not plan in DataFusion, and a join on
//!   CIDR membership would count an address in overlapping subnets twice.)

use std::net::IpAddr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use simd_json::prelude::*;

use crate::config::Lookups;

/// Turns a glob (`*` any run of characters) into a SQL `LIKE` pattern, escaping `%`, `_` and `\`.
pub fn glob_to_like(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len() + 4);
    for c in glob.chars() {
        match c {
            '*' => out.push('%'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn text_table(columns: &[(&str, Vec<String>)]) -> Result<RecordBatch> {
    let arrays: Vec<(&str, ArrayRef)> = columns
        .iter()
        .map(|(name, values)| {
            (
                *name,
                Arc::new(StringArray::from(values.clone())) as ArrayRef,
            )
        })
        .collect();
    Ok(RecordBatch::try_from_iter(arrays)?)
}

/// Registers the lookup tables and functions on `ctx`.
pub fn register(ctx: &SessionContext, lookups: &Lookups) -> Result<()> {
    let mut kinds = Vec::new();
    let mut patterns = Vec::new();
    for (kind, globs) in lookups.role_kinds() {
        for g in &globs {
            kinds.push(kind.to_string());
            patterns.push(glob_to_like(g));
        }
    }
    ctx.register_batch(
        "role_patterns",
        text_table(&[("kind", kinds), ("pattern", patterns)])?,
    )?;
    ctx.register_batch(
        "subnet_azs",
        text_table(&[
            (
                "cidr",
                lookups.subnet_azs.iter().map(|s| s.cidr.clone()).collect(),
            ),
            (
                "az",
                lookups.subnet_azs.iter().map(|s| s.az.clone()).collect(),
            ),
        ])?,
    )?;
    ctx.register_batch(
        "node_subnets",
        text_table(&[
            (
                "cidr",
                lookups
                    .node_subnets
                    .iter()
                    .map(|s| s.cidr.clone())
                    .collect(),
            ),
            (
                "name",
                lookups
                    .node_subnets
                    .iter()
                    .map(|s| s.name.clone().unwrap_or_else(|| s.cidr.clone()))
                    .collect(),
            ),
        ])?,
    )?;
    ctx.register_batch(
        "vpc_endpoints",
        text_table(&[
            (
                "address",
                lookups
                    .vpc_endpoints
                    .iter()
                    .map(|s| s.address.clone())
                    .collect(),
            ),
            (
                "service",
                lookups
                    .vpc_endpoints
                    .iter()
                    .map(|s| s.service.clone())
                    .collect(),
            ),
        ])?,
    )?;
    let azs: Vec<(String, String)> = lookups
        .subnet_azs
        .iter()
        .map(|s| (s.cidr.clone(), s.az.clone()))
        .collect();
    ctx.register_udf(cidr_lookup("subnet_az", azs));
    let nodes: Vec<(String, String)> = lookups
        .node_subnets
        .iter()
        .map(|s| {
            (
                s.cidr.clone(),
                s.name.clone().unwrap_or_else(|| s.cidr.clone()),
            )
        })
        .collect();
    ctx.register_udf(cidr_lookup("node_subnet", nodes));
    let control_plane: Vec<(String, String)> = lookups
        .control_plane_subnets
        .iter()
        .map(|cidr| (cidr.clone(), cidr.clone()))
        .collect();
    ctx.register_udf(cidr_lookup("control_plane_subnet", control_plane));
    super::functions::register(ctx, lookups);
    ctx.register_udf(create_udf(
        "ip_in_cidr",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            binary_text(args, |ip, cidr| Some(ip_in_cidr(ip?, cidr?)), to_bool)
        }),
    ));
    ctx.register_udf(create_udf(
        "json_field",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            binary_text(args, |json, key| json_field(json?, key?), to_text)
        }),
    ));
    Ok(())
}

/// A function `name(ip)` giving the value of the first `(cidr, value)` whose CIDR holds `ip`.
fn cidr_lookup(name: &str, table: Vec<(String, String)>) -> datafusion::logical_expr::ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arg = args.first().cloned().ok_or_else(|| {
                datafusion::error::DataFusionError::Plan("expected one argument".into())
            })?;
            let lookup = |ip: Option<&str>, _: Option<&str>| {
                let ip = ip?;
                table
                    .iter()
                    .find(|(cidr, _)| ip_in_cidr(ip, cidr))
                    .map(|(_, v)| v.clone())
            };
            binary_text(&[arg.clone(), arg], lookup, to_text)
        }),
    )
}

fn to_bool(values: Vec<Option<bool>>) -> ArrayRef {
    Arc::new(BooleanArray::from(values))
}

fn to_text(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

/// Applies `f` row by row to two text arguments (arrays or scalars).
fn binary_text<T>(
    args: &[ColumnarValue],
    f: impl Fn(Option<&str>, Option<&str>) -> Option<T>,
    build: impl Fn(Vec<Option<T>>) -> ArrayRef,
) -> Result<ColumnarValue> {
    let rows = args.iter().find_map(|a| match a {
        ColumnarValue::Array(a) => Some(a.len()),
        ColumnarValue::Scalar(_) => None,
    });
    let arrays: Vec<ArrayRef> = args
        .iter()
        .map(|a| {
            a.to_array(rows.unwrap_or(1))
                .and_then(|a| Ok(cast(&a, &DataType::Utf8)?))
        })
        .collect::<Result<_>>()?;
    let (Some(a), Some(b)) = (arrays.first(), arrays.get(1)) else {
        return Err(datafusion::error::DataFusionError::Plan(
            "expected two arguments".into(),
        ));
    };
    let (a, b) = (
        a.as_any().downcast_ref::<StringArray>(),
        b.as_any().downcast_ref::<StringArray>(),
    );
    let (Some(a), Some(b)) = (a, b) else {
        return Err(datafusion::error::DataFusionError::Plan(
            "expected text arguments".into(),
        ));
    };
    let out: Vec<Option<T>> = (0..a.len())
        .map(|i| {
            f(
                a.is_valid(i).then(|| a.value(i)),
                b.is_valid(i).then(|| b.value(i)),
            )
        })
        .collect();
    let array = build(out);
    Ok(if rows.is_some() {
        ColumnarValue::Array(array)
    } else {
        ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&array, 0)?)
    })
}

/// True when `ip` lies in `cidr` (IPv4 or IPv6); false for anything unparsable.
pub fn ip_in_cidr(ip: &str, cidr: &str) -> bool {
    let (Ok(ip), Some((net, len))) = (ip.trim().parse::<IpAddr>(), cidr.trim().split_once('/'))
    else {
        return false;
    };
    let (Ok(net), Ok(len)) = (net.parse::<IpAddr>(), len.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if len <= 128 => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The top-level field `key` of a JSON object text, as text (strings unquoted, other values as JSON).
pub fn json_field(json: &str, key: &str) -> Option<String> {
    let mut bytes = json.as_bytes().to_vec();
    let value = simd_json::to_borrowed_value(&mut bytes).ok()?;
    let field = value.get(key)?;
    if field.is_null() {
        return None;
    }
    Some(
        field
            .as_str()
            .map_or_else(|| field.encode(), str::to_string),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_membership() {
        assert!(ip_in_cidr("10.0.1.25", "10.0.1.0/24"));
        assert!(!ip_in_cidr("10.0.2.25", "10.0.1.0/24"));
        assert!(ip_in_cidr("203.0.113.9", "0.0.0.0/0"));
        assert!(ip_in_cidr("2001:db8::1", "2001:db8::/32"));
        assert!(!ip_in_cidr("2001:db8::1", "10.0.0.0/8"));
        assert!(!ip_in_cidr("ec2.amazonaws.com", "10.0.0.0/8"));
        assert!(!ip_in_cidr("10.0.0.1", "10.0.0.0/33"));
    }

    #[test]
    fn globs_become_escaped_like_patterns() {
        assert_eq!(glob_to_like("*NodeInstanceRole*"), "%NodeInstanceRole%");
        assert_eq!(
            glob_to_like("arn:aws:iam::*:role/eks_node"),
            "arn:aws:iam::%:role/eks\\_node"
        );
    }

    #[test]
    fn json_fields() {
        assert_eq!(
            json_field(r#"{"roleName":"x","n":1}"#, "roleName").as_deref(),
            Some("x")
        );
        assert_eq!(json_field(r#"{"n":1}"#, "n").as_deref(), Some("1"));
        assert_eq!(json_field("not json", "n"), None);
    }
}
