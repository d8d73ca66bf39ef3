//! Flow logs delivered as Parquet (AWS's `parquet` file format option): the
//! columns carry the published field names with hyphens turned into
//! underscores. Known columns are cast to trailflow's types, missing ones are
//! null, unknown ones are kept as text.

use std::sync::Arc;

use arrow::array::{ArrayRef, new_null_array};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::decode::{DecodeError, Output};
use crate::schema::LogKind;
use crate::schema::flowlog::{self, KNOWN_FIELDS};

/// Decodes a whole Parquet object.
pub fn decode(
    content: bytes::Bytes,
    batch_rows: usize,
    out: &mut Output,
) -> Result<(), DecodeError> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(content)
        .and_then(|b| b.with_batch_size(batch_rows.max(1)).build())
        .map_err(|e| DecodeError::Parquet(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| DecodeError::Parquet(e.to_string()))?;
        out.push(LogKind::FlowLog, normalize(&batch)?);
    }
    Ok(())
}

/// Maps a Parquet batch onto the canonical `flowlog` columns.
fn normalize(batch: &RecordBatch) -> Result<RecordBatch, DecodeError> {
    let rows = batch.num_rows();
    let strict = CastOptions {
        safe: false,
        ..Default::default()
    };
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(KNOWN_FIELDS.len());
    for field in KNOWN_FIELDS {
        let target = field.ty.data_type();
        let column = match batch.column_by_name(field.column) {
            Some(c) => cast_with_options(c, &target, &strict)
                .map_err(|e| DecodeError::Parquet(format!("column `{}`: {e}", field.column)))?,
            None => new_null_array(&target, rows),
        };
        columns.push(column);
    }
    let mut fields: Vec<Arc<Field>> = flowlog::schema().fields().iter().cloned().collect();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if flowlog::known_field(field.name()).is_none() {
            let text = cast_with_options(column, &DataType::Utf8, &CastOptions::default())
                .map_err(|e| DecodeError::Parquet(format!("column `{}`: {e}", field.name())))?;
            fields.push(Arc::new(Field::new(field.name(), DataType::Utf8, true)));
            columns.push(text);
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| DecodeError::Parquet(e.to_string()))
}
