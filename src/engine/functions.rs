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

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, StringArray};
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

/// The class of a port: the first configured service port or range holding it, else `other`.
pub fn port_class(ports: &[ServicePort], port: i64) -> String {
    ports
        .iter()
        .find(|p| i64::from(p.first) <= port && port <= i64::from(p.last))
        .map_or_else(|| "other".to_string(), |p| p.label())
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
    ctx.register_udf(text_udf("outcome", DataType::Utf8, |code| {
        Some(Value::Text(outcome(code).to_string()))
    }));
    ctx.register_udf(text_udf("access_denied", DataType::Boolean, |code| {
        Some(Value::Bool(code.is_some_and(is_access_denied)))
    }));
    let clusters: Vec<(String, String)> = lookups
        .clusters
        .iter()
        .map(|c| (oidc_id(&c.oidc_issuer).to_string(), c.name.clone()))
        .collect();
    ctx.register_udf(text_udf("cluster_name", DataType::Utf8, move |provider| {
        let id = oidc_id(provider?);
        let name = clusters
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.as_str());
        Some(Value::Text(name.unwrap_or(id).to_string()))
    }));
    let ports = lookups.service_ports.clone();
    ctx.register_udf(int_udf("port_class", move |port| {
        Some(port_class(&ports, port?))
    }));
    let kinds = lookups.role_kinds();
    ctx.register_udf(binary_udf(
        "role_is",
        DataType::Boolean,
        move |kind, arn| {
            let (kind, arn) = (kind?, arn?);
            let matched = kinds
                .iter()
                .filter(|(k, _)| *k == kind)
                .any(|(_, globs)| globs.iter().any(|g| glob_matches(g, arn)));
            Some(Value::Bool(matched))
        },
    ));
    let ports = lookups.control_plane_ports.clone();
    ctx.register_udf(int_bool_udf("control_plane_port", move |port| {
        port.is_some_and(|p| ports.iter().any(|c| i64::from(*c) == p))
    }));
    let network = lookups.clone();
    ctx.register_udf(direction_udf(move |src, dst, port| {
        control_plane_direction(&network, src?, dst?, port?)
    }));
    let logged = lookups.logged_accounts.clone();
    ctx.register_udf(binary_udf(
        "counted_copy",
        DataType::Utf8,
        move |copy, caller| {
            let copy = copy?;
            let duplicate = copy == "owner"
                && caller.is_some_and(|c| logged.iter().any(|g| glob_matches(g, c)));
            Some(Value::Text(
                if duplicate { "duplicate" } else { copy }.to_string(),
            ))
        },
    ));
}

/// A function result.
enum Value {
    Text(String),
    Bool(bool),
}

fn build(values: Vec<Option<Value>>, output: &DataType) -> ArrayRef {
    match output {
        DataType::Boolean => Arc::new(BooleanArray::from(
            values
                .into_iter()
                .map(|v| match v {
                    Some(Value::Bool(b)) => Some(b),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        _ => Arc::new(StringArray::from(
            values
                .into_iter()
                .map(|v| match v {
                    Some(Value::Text(s)) => Some(s),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
    }
}

/// The rows of the call and its arguments cast to `types`, one array per argument.
fn arguments(args: &[ColumnarValue], types: &[DataType]) -> Result<(usize, bool, Vec<ArrayRef>)> {
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
    let arrays = args
        .iter()
        .zip(types)
        .map(|(a, t)| a.to_array(rows.unwrap_or(1)).and_then(|a| Ok(cast(&a, t)?)))
        .collect::<Result<_>>()?;
    Ok((rows.unwrap_or(1), rows.is_some(), arrays))
}

fn finish(array: ArrayRef, is_array: bool) -> Result<ColumnarValue> {
    Ok(if is_array {
        ColumnarValue::Array(array)
    } else {
        ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&array, 0)?)
    })
}

fn text_at(a: &ArrayRef, i: usize) -> Option<&str> {
    let a = a.as_any().downcast_ref::<StringArray>()?;
    a.is_valid(i).then(|| a.value(i))
}

/// A function of one text argument.
fn text_udf(
    name: &str,
    output: DataType,
    f: impl Fn(Option<&str>) -> Option<Value> + Send + Sync + 'static,
) -> ScalarUDF {
    let out = output.clone();
    create_udf(
        name,
        vec![DataType::Utf8],
        output,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (rows, is_array, arrays) = arguments(args, &[DataType::Utf8])?;
            let values = (0..rows).map(|i| f(text_at(&arrays[0], i))).collect();
            finish(build(values, &out), is_array)
        }),
    )
}

/// A function of two text arguments.
fn binary_udf(
    name: &str,
    output: DataType,
    f: impl Fn(Option<&str>, Option<&str>) -> Option<Value> + Send + Sync + 'static,
) -> ScalarUDF {
    let out = output.clone();
    create_udf(
        name,
        vec![DataType::Utf8, DataType::Utf8],
        output,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (rows, is_array, arrays) = arguments(args, &[DataType::Utf8, DataType::Utf8])?;
            let values = (0..rows)
                .map(|i| f(text_at(&arrays[0], i), text_at(&arrays[1], i)))
                .collect();
            finish(build(values, &out), is_array)
        }),
    )
}

/// A text function of one integer argument.
fn int_udf(
    name: &str,
    f: impl Fn(Option<i64>) -> Option<String> + Send + Sync + 'static,
) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Int64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (rows, is_array, arrays) = arguments(args, &[DataType::Int64])?;
            let ints = arrays[0]
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| DataFusionError::Plan("expected an integer".into()))?;
            let values: Vec<Option<String>> = (0..rows)
                .map(|i| f(ints.is_valid(i).then(|| ints.value(i))))
                .collect();
            finish(Arc::new(StringArray::from(values)), is_array)
        }),
    )
}

/// A boolean function of one integer argument.
fn int_bool_udf(name: &str, f: impl Fn(Option<i64>) -> bool + Send + Sync + 'static) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Int64],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (rows, is_array, arrays) = arguments(args, &[DataType::Int64])?;
            let ints = arrays[0]
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| DataFusionError::Plan("expected an integer".into()))?;
            let values: BooleanArray = (0..rows)
                .map(|i| Some(f(ints.is_valid(i).then(|| ints.value(i)))))
                .collect();
            finish(Arc::new(values), is_array)
        }),
    )
}

/// `control_plane_direction(srcaddr, dstaddr, dstport)`.
fn direction_udf(
    f: impl Fn(Option<&str>, Option<&str>, Option<i64>) -> Option<&'static str> + Send + Sync + 'static,
) -> ScalarUDF {
    let types = [DataType::Utf8, DataType::Utf8, DataType::Int64];
    create_udf(
        "control_plane_direction",
        types.to_vec(),
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (rows, is_array, arrays) = arguments(args, &types)?;
            let ports = arrays[2]
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| DataFusionError::Plan("expected an integer port".into()))?;
            let values: StringArray = (0..rows)
                .map(|i| {
                    f(
                        text_at(&arrays[0], i),
                        text_at(&arrays[1], i),
                        ports.is_valid(i).then(|| ports.value(i)),
                    )
                })
                .collect();
            finish(Arc::new(values), is_array)
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
