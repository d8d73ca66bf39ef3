//! Scalar functions that classify a value the same way in every saved query:
//! - `outcome(error_code)`: `success`, `throttled`, `access_denied` or `error`, with one
//!   definition of throttling ([`THROTTLE_CODES`]) and of access denied for every metric;
//!   `access_denied(error_code)` is its filter form;
//! - `port_class(port)`: the configured service port or range the port falls in, else `other`;
//! - `role_is(kind, arn)`: whether a role ARN matches the configured patterns of a kind
//!   (`node`, `lb_controller`, `external_dns`, `cluster_autoscaler`, `karpenter`, `break_glass`);
//! - `cluster_name(provider)`: the EKS cluster behind an OIDC provider (ARN, URL or id), from
//!   the `clusters` lookup, else the provider's id;
//! - `counted_copy(event_copy, caller_account)`: the copy label of a record, with the owner's
//!   copy of a call whose caller's copy also arrives marked `duplicate` (see `docs/metrics.md`);
//! - `control_plane_port(port)` and `control_plane_direction(srcaddr, dstaddr, dstport)`: which
//!   rejected flows are on a path between the EKS control plane and the nodes, and which way.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, StringArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use datafusion::prelude::SessionContext;

use crate::config::{Lookups, ServicePort};

/// Error codes that mean the caller was throttled, across services: STS and most JSON APIs
/// (`Throttling`, `ThrottlingException`), EC2 (`RequestLimitExceeded`, and
/// `Client.RequestLimitExceeded` as CloudTrail records it), API Gateway-style services
/// (`TooManyRequestsException`), S3 (`SlowDown`) and Route 53 domains (`RequestThrottled`).
pub const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "Client.RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "RequestThrottled",
];

/// True for an error code that means the call was denied by IAM: `AccessDenied`,
/// `*AccessDeniedException`, `*UnauthorizedOperation` (EC2's `Client.UnauthorizedOperation`).
pub fn is_access_denied(code: &str) -> bool {
    code == "AccessDenied"
        || code.ends_with("AccessDeniedException")
        || code.ends_with("UnauthorizedOperation")
}

/// The outcome of a call from its error code.
pub fn outcome(code: Option<&str>) -> &'static str {
    match code {
        None => "success",
        Some(c) if THROTTLE_CODES.contains(&c) => "throttled",
        Some(c) if is_access_denied(c) => "access_denied",
        Some(_) => "error",
    }
}

/// True when `text` matches `glob` (`*` matches any run of characters, case-sensitive).
pub fn glob_matches(glob: &str, text: &str) -> bool {
    let mut parts = glob.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The id of an EKS OIDC provider given as an ARN, URL or host path (`.../id/ABC` -> `ABC`).
pub fn oidc_id(provider: &str) -> &str {
    let provider = provider.trim_end_matches('/');
    provider.rsplit_once("/id/").map_or(provider, |(_, id)| id)
}

/// The direction of a flow on a control-plane port, judged from the node subnets and the
/// control-plane subnets (`None`: not a control-plane path). Without control-plane subnets, any
/// flow to or from a node counts (`to_node`, `from_node`); with them, only flows between a node
/// and the control plane (`control_plane_to_node`, `node_to_control_plane`). When both ends lie
/// in both kinds of subnet (the control plane shares the nodes' subnets), the port decides: the
/// API server listens on 443, the kubelet and webhooks on the others.
pub fn control_plane_direction(
    lookups: &Lookups,
    src: &str,
    dst: &str,
    port: i64,
) -> Option<&'static str> {
    use super::lookup::ip_in_cidr;
    let node = |ip: &str| lookups.node_subnets.iter().any(|s| ip_in_cidr(ip, &s.cidr));
    let plane = |ip: &str| {
        lookups
            .control_plane_subnets
            .iter()
            .any(|c| ip_in_cidr(ip, c))
    };
    if lookups.control_plane_subnets.is_empty() {
        return if node(dst) {
            Some("to_node")
        } else if node(src) {
            Some("from_node")
        } else {
            None
        };
    }
    let to_node = plane(src) && node(dst);
    let to_plane = node(src) && plane(dst);
    match (to_node, to_plane) {
        (true, true) if port == 443 => Some("node_to_control_plane"),
        (true, _) => Some("control_plane_to_node"),
        (false, true) => Some("node_to_control_plane"),
        (false, false) => None,
    }
}

/// Registers the functions on `ctx`.
pub fn register(ctx: &SessionContext, lookups: &Lookups) {
    use DataType::{Int64, Utf8};
    ctx.register_udf(text_fn("outcome", &[Utf8], |a, i, out| {
        out.append_value(outcome(a.text(0, i)));
    }));
    ctx.register_udf(bool_fn("access_denied", &[Utf8], |a, i| {
        Some(a.text(0, i).is_some_and(is_access_denied))
    }));
    let clusters: Vec<(String, String)> = lookups
        .clusters
        .iter()
        .map(|c| (oidc_id(&c.oidc_issuer).to_string(), c.name.clone()))
        .collect();
    ctx.register_udf(text_fn("cluster_name", &[Utf8], move |a, i, out| {
        match a.text(0, i).map(oidc_id) {
            Some(id) => out.append_value(
                clusters
                    .iter()
                    .find(|(known, _)| known == id)
                    .map_or(id, |(_, name)| name.as_str()),
            ),
            None => out.append_null(),
        }
    }));
    let ports = lookups.service_ports.clone();
    let labels: Vec<String> = ports.iter().map(ServicePort::label).collect();
    ctx.register_udf(text_fn("port_class", &[Int64], move |a, i, out| {
        match a.int(0, i) {
            Some(port) => out.append_value(
                ports
                    .iter()
                    .position(|p| i64::from(p.first) <= port && port <= i64::from(p.last))
                    .map_or("other", |k| labels[k].as_str()),
            ),
            None => out.append_null(),
        }
    }));
    let kinds = lookups.role_kinds();
    ctx.register_udf(create_udf(
        "role_is",
        vec![Utf8, Utf8],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = Args::new(args, &[Utf8, Utf8])?;
            // A window holds few distinct roles in many rows: match each (kind, ARN) once.
            let mut seen: HashMap<(&str, &str), bool> = HashMap::new();
            let out: BooleanArray = (0..a.rows)
                .map(|i| {
                    let (kind, arn) = (a.text(0, i)?, a.text(1, i)?);
                    Some(*seen.entry((kind, arn)).or_insert_with(|| {
                        kinds
                            .iter()
                            .filter(|(k, _)| *k == kind)
                            .any(|(_, globs)| globs.iter().any(|g| glob_matches(g, arn)))
                    }))
                })
                .collect();
            a.finish(Arc::new(out))
        }),
    ));
    let ports = lookups.control_plane_ports.clone();
    ctx.register_udf(bool_fn("control_plane_port", &[Int64], move |a, i| {
        Some(
            a.int(0, i)
                .is_some_and(|p| ports.iter().any(|c| i64::from(*c) == p)),
        )
    }));
    let network = lookups.clone();
    ctx.register_udf(text_fn(
        "control_plane_direction",
        &[Utf8, Utf8, Int64],
        move |a, i, out| {
            let direction = match (a.text(0, i), a.text(1, i), a.int(2, i)) {
                (Some(src), Some(dst), Some(port)) => {
                    control_plane_direction(&network, src, dst, port)
                }
                _ => None,
            };
            out.append_option(direction);
        },
    ));
    let logged = lookups.logged_accounts.clone();
    ctx.register_udf(text_fn(
        "counted_copy",
        &[Utf8, Utf8],
        move |a, i, out| match a.text(0, i) {
            Some("owner")
                if a.text(1, i)
                    .is_some_and(|c| logged.iter().any(|g| glob_matches(g, c))) =>
            {
                out.append_value("duplicate")
            }
            copy => out.append_option(copy),
        },
    ));
}

/// An argument column, downcast once per call.
enum Column {
    Text(StringArray),
    Int(Int64Array),
}

/// The arguments of one call, cast to the declared types: rows, and whether any was an array
/// (all scalars give a scalar).
struct Args {
    columns: Vec<Column>,
    rows: usize,
    is_array: bool,
}

impl Args {
    fn new(args: &[ColumnarValue], types: &[DataType]) -> Result<Args> {
        if args.len() != types.len() {
            return Err(DataFusionError::Plan(format!(
                "expected {} arguments",
                types.len()
            )));
        }
        let rows = args.iter().find_map(|a| match a {
            ColumnarValue::Array(a) => Some(a.len()),
            ColumnarValue::Scalar(_) => None,
        });
        let columns = args
            .iter()
            .zip(types)
            .map(|(a, t)| {
                let array = cast(&a.to_array(rows.unwrap_or(1))?, t)?;
                let any = array.as_any();
                match t {
                    DataType::Int64 => any
                        .downcast_ref::<Int64Array>()
                        .map(|a| Column::Int(a.clone())),
                    _ => any
                        .downcast_ref::<StringArray>()
                        .map(|a| Column::Text(a.clone())),
                }
                .ok_or_else(|| DataFusionError::Plan(format!("expected {t} arguments")))
            })
            .collect::<Result<_>>()?;
        Ok(Args {
            columns,
            rows: rows.unwrap_or(1),
            is_array: rows.is_some(),
        })
    }

    fn text(&self, column: usize, row: usize) -> Option<&str> {
        match self.columns.get(column)? {
            Column::Text(a) => a.is_valid(row).then(|| a.value(row)),
            Column::Int(_) => None,
        }
    }

    fn int(&self, column: usize, row: usize) -> Option<i64> {
        match self.columns.get(column)? {
            Column::Int(a) => a.is_valid(row).then(|| a.value(row)),
            Column::Text(_) => None,
        }
    }

    fn finish(&self, array: ArrayRef) -> Result<ColumnarValue> {
        Ok(if self.is_array {
            ColumnarValue::Array(array)
        } else {
            ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&array, 0)?)
        })
    }
}

/// A text function of `inputs`: `f` appends each row's value (or null) to the result.
fn text_fn(
    name: &str,
    inputs: &[DataType],
    f: impl Fn(&Args, usize, &mut StringBuilder) + Send + Sync + 'static,
) -> ScalarUDF {
    let types = inputs.to_vec();
    create_udf(
        name,
        types.clone(),
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = Args::new(args, &types)?;
            let mut out = StringBuilder::with_capacity(a.rows, a.rows * 8);
            for i in 0..a.rows {
                f(&a, i, &mut out);
            }
            a.finish(Arc::new(out.finish()))
        }),
    )
}

/// A boolean function of `inputs`.
fn bool_fn(
    name: &str,
    inputs: &[DataType],
    f: impl Fn(&Args, usize) -> Option<bool> + Send + Sync + 'static,
) -> ScalarUDF {
    let types = inputs.to_vec();
    create_udf(
        name,
        types.clone(),
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = Args::new(args, &types)?;
            let out: BooleanArray = (0..a.rows).map(|i| f(&a, i)).collect();
            a.finish(Arc::new(out))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_definition_of_throttled_and_denied() {
        for code in THROTTLE_CODES {
            assert_eq!(outcome(Some(code)), "throttled", "{code}");
        }
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "KMS.AccessDeniedException",
        ] {
            assert_eq!(outcome(Some(code)), "access_denied", "{code}");
        }
        assert_eq!(outcome(Some("PriorRequestNotComplete")), "error");
        assert_eq!(outcome(Some("ThrottlingExceptionX")), "error");
        assert_eq!(outcome(None), "success");
    }

    #[test]
    fn globs_match_like_the_role_patterns() {
        assert!(glob_matches(
            "*NodeInstanceRole*",
            "arn:aws:iam::1:role/x-NodeInstanceRole-Y"
        ));
        assert!(glob_matches(
            "arn:aws:iam::*:role/eks_node",
            "arn:aws:iam::1:role/eks_node"
        ));
        assert!(!glob_matches(
            "arn:aws:iam::*:role/eks_node",
            "arn:aws:iam::1:role/eks_node2"
        ));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "abc"));
        assert!(!glob_matches("a*b*c", "acb"));
        assert!(!glob_matches(
            "*-karpenter",
            "arn:aws:iam::1:role/karpenter-node"
        ));
        assert!(glob_matches("111122223333", "111122223333"));
        assert!(!glob_matches("111122223333", "1111222233334"));
        assert!(!glob_matches("ab*ba", "aba"), "the ends may not overlap");
    }

    #[test]
    fn control_plane_paths_are_told_apart_by_subnet_then_port() {
        let mut l: Lookups = toml::from_str(
            "[[node_subnets]]\ncidr = \"10.0.1.0/24\"\n[[node_subnets]]\ncidr = \"10.0.2.0/24\"",
        )
        .unwrap();
        let d = |l: &Lookups, s: &str, t: &str, p: i64| control_plane_direction(l, s, t, p);
        assert_eq!(d(&l, "10.0.9.9", "10.0.1.5", 10250), Some("to_node"));
        assert_eq!(d(&l, "10.0.1.5", "10.0.9.9", 443), Some("from_node"));
        assert_eq!(d(&l, "10.0.8.1", "10.0.9.9", 443), None);
        l.control_plane_subnets = vec!["10.0.9.0/28".into()];
        assert_eq!(
            d(&l, "10.0.9.9", "10.0.1.5", 10250),
            Some("control_plane_to_node")
        );
        assert_eq!(
            d(&l, "10.0.1.5", "10.0.9.9", 443),
            Some("node_to_control_plane")
        );
        assert_eq!(
            d(&l, "10.0.2.5", "10.0.1.5", 443),
            None,
            "node to node is not a control-plane path"
        );
        // Control-plane interfaces in the nodes' own subnets: the port decides.
        l.control_plane_subnets = vec!["10.0.1.0/24".into()];
        assert_eq!(
            d(&l, "10.0.1.7", "10.0.1.5", 9443),
            Some("control_plane_to_node")
        );
        assert_eq!(
            d(&l, "10.0.1.7", "10.0.1.5", 443),
            Some("node_to_control_plane")
        );
    }

    #[test]
    fn oidc_ids_from_every_spelling() {
        for p in [
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "ABC",
        ] {
            assert_eq!(oidc_id(p), "ABC", "{p}");
        }
    }
}
