//! Query results to metric points: each result row is a series (its label
//! columns) and a value; rows of a histogram metric are aggregated per series
//! here, so a per-record histogram costs no per-record allocation.

use std::collections::HashMap;

use arrow::array::{Array, AsArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Schema};
use arrow::record_batch::RecordBatch;

use crate::metrics::{Histogram, Instrument, MetricPoint, MetricQuery, PointValue};

/// Checks that a query's result has the header's label columns and a numeric value column.
pub fn check_result_schema(query: &MetricQuery, schema: &Schema) -> Result<(), String> {
    let value = schema
        .field_with_name(&query.value)
        .map_err(|_| format!("the result has no value column `{}`", query.value))?;
    if !value.data_type().is_numeric() {
        return Err(format!(
            "value column `{}` is {}, not a number",
            query.value,
            value.data_type()
        ));
    }
    for label in &query.labels {
        if schema.field_with_name(label).is_err() {
            return Err(format!("the result has no label column `{label}`"));
        }
    }
    let expected = query.labels.len() + 1;
    if schema.fields().len() != expected {
        let extra: Vec<&str> = schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .filter(|n| *n != query.value && !query.labels.iter().any(|l| l == n))
            .collect();
        return Err(format!(
            "result columns {extra:?} are neither the value nor a label"
        ));
    }
    Ok(())
}

/// Converts result batches of `query` (metric index `metric`) into points.
pub fn to_points(
    metric: usize,
    query: &MetricQuery,
    batches: &[RecordBatch],
) -> Result<Vec<MetricPoint>, arrow::error::ArrowError> {
    let mut points = Vec::new();
    let mut histograms: HashMap<Vec<String>, Histogram> = HashMap::new();
    for batch in batches {
        let value = cast(
            batch
                .column_by_name(&query.value)
                .ok_or_else(|| missing(&query.value))?,
            &DataType::Float64,
        )?;
        let value = value.as_primitive::<Float64Type>();
        let labels: Vec<StringArray> = query
            .labels
            .iter()
            .map(|l| {
                let c = batch.column_by_name(l).ok_or_else(|| missing(l))?;
                Ok(cast(c, &DataType::Utf8)?.as_string::<i32>().clone())
            })
            .collect::<Result<_, arrow::error::ArrowError>>()?;
        let label_at = |row: usize| -> Vec<String> {
            labels
                .iter()
                .map(|c| {
                    if c.is_valid(row) {
                        c.value(row).to_string()
                    } else {
                        String::new()
                    }
                })
                .collect()
        };
        if query.instrument == Instrument::Histogram {
            // Rows of one series usually come together: reuse the last key while the labels repeat.
            let mut last: Option<(Vec<String>, Histogram)> = None;
            for row in 0..batch.num_rows() {
                if value.is_null(row) {
                    continue;
                }
                let same = last.as_ref().is_some_and(|(key, _)| {
                    key.iter().zip(&labels).all(|(k, c)| {
                        if c.is_valid(row) {
                            k == c.value(row)
                        } else {
                            k.is_empty()
                        }
                    })
                });
                if !same {
                    if let Some((key, h)) = last.take() {
                        histograms.entry(key).or_default().merge(&h);
                    }
                    last = Some((label_at(row), Histogram::default()));
                }
                if let Some((_, h)) = last.as_mut() {
                    h.record(value.value(row));
                }
            }
            if let Some((key, h)) = last {
                histograms.entry(key).or_default().merge(&h);
            }
        } else {
            for row in 0..batch.num_rows() {
                if value.is_valid(row) {
                    points.push(MetricPoint {
                        metric,
                        labels: label_at(row),
                        value: PointValue::Number(value.value(row)),
                    });
                }
            }
        }
    }
    points.extend(histograms.into_iter().map(|(labels, h)| MetricPoint {
        metric,
        labels,
        value: PointValue::Histogram(h),
    }));
    Ok(points)
}

fn missing(column: &str) -> arrow::error::ArrowError {
    arrow::error::ArrowError::SchemaError(format!("result has no column `{column}`"))
}
