//! The typed column builders of one flow-log layout, grouped by type so that appending a row is
//! one tight loop per type (no per-field dispatch), and their assembly into a batch.

use std::sync::{Arc, OnceLock};

use arrow::array::{
    ArrayRef, Int32Builder, Int64Builder, StringBuilder, TimestampSecondBuilder, new_null_array,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use super::layout::{Layout, Place};
use crate::schema::flowlog::{self, FieldType, KNOWN_FIELDS};

/// Average text bytes per field assumed when sizing text builders.
const TEXT_BYTES_PER_FIELD: usize = 16;

/// The builders of one layout.
pub struct Columns {
    layout: Arc<Layout>,
    /// One per `layout.text` position.
    text: Vec<StringBuilder>,
    int32: Vec<Int32Builder>,
    int64: Vec<Int64Builder>,
    seconds: Vec<TimestampSecondBuilder>,
    /// Rows appended since the last `finish`.
    pub rows: usize,
}

fn seconds_builder(capacity: usize) -> TimestampSecondBuilder {
    TimestampSecondBuilder::with_capacity(capacity).with_timezone("+00:00")
}

impl Columns {
    /// Builders for `layout`, with room for `capacity` rows.
    pub fn new(layout: &Arc<Layout>, capacity: usize) -> Self {
        let (n32, n64) = layout.numeric_split;
        let nsec = layout.numeric.len() - n32 - n64;
        Self {
            text: (0..layout.text.len())
                .map(|_| StringBuilder::with_capacity(capacity, capacity * TEXT_BYTES_PER_FIELD))
                .collect(),
            int32: (0..n32)
                .map(|_| Int32Builder::with_capacity(capacity))
                .collect(),
            int64: (0..n64)
                .map(|_| Int64Builder::with_capacity(capacity))
                .collect(),
            seconds: (0..nsec).map(|_| seconds_builder(capacity)).collect(),
            layout: Arc::clone(layout),
            rows: 0,
        }
    }

    /// The layout these builders follow.
    pub fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// Appends one row whose numbers were all validated: `tokens` are the `(start, end)` byte
    /// ranges of the line's fields in header order, `numbers` the parsed values of
    /// `layout.numeric` in its order.
    pub fn append(&mut self, line: &str, tokens: &[(usize, usize)], numbers: &[Option<i64>]) {
        for (b, &pos) in self.text.iter_mut().zip(&self.layout.text) {
            let Some(&(s, e)) = tokens.get(pos) else {
                b.append_null();
                continue;
            };
            match line.get(s..e) {
                Some("-") | None => b.append_null(),
                Some(token) => b.append_value(token),
            }
        }
        let (n32, rest) = numbers.split_at(self.int32.len().min(numbers.len()));
        let (n64, nsec) = rest.split_at(self.int64.len().min(rest.len()));
        for (b, v) in self.int32.iter_mut().zip(n32) {
            // Validated against the field's range, which lies within `i32`.
            b.append_option(v.map(|v| v as i32));
        }
        for (b, &v) in self.int64.iter_mut().zip(n64) {
            b.append_option(v);
        }
        for (b, &v) in self.seconds.iter_mut().zip(nsec) {
            b.append_option(v);
        }
        self.rows += 1;
    }

    /// A batch in the canonical column order (absent fields null), extra columns after;
    /// `more` when another batch follows in this layout: the builders then start over with
    /// room for as many rows and text bytes (Arrow's `finish` leaves a builder with no
    /// capacity, and the next batch would regrow and copy every buffer from empty).
    pub fn finish(&mut self, more: bool) -> RecordBatch {
        let rows = std::mem::take(&mut self.rows);
        let mut text: Vec<Option<ArrayRef>> = self
            .text
            .iter_mut()
            .map(|b| {
                let bytes = b.values_slice().len();
                let array: ArrayRef = Arc::new(b.finish());
                if more {
                    *b = StringBuilder::with_capacity(rows, bytes);
                }
                Some(array)
            })
            .collect();
        let mut columns: Vec<ArrayRef> =
            Vec::with_capacity(KNOWN_FIELDS.len() + self.layout.extras.len());
        for (field, place) in KNOWN_FIELDS.iter().zip(&self.layout.places) {
            let built: Option<ArrayRef> = match *place {
                Place::Absent => None,
                Place::Text(i) => text.get_mut(i).and_then(Option::take),
                Place::Int32(i) => self.int32.get_mut(i).map(|b| {
                    let a: ArrayRef = Arc::new(b.finish());
                    if more {
                        *b = Int32Builder::with_capacity(rows);
                    }
                    a
                }),
                Place::Int64(i) => self.int64.get_mut(i).map(|b| {
                    let a: ArrayRef = Arc::new(b.finish());
                    if more {
                        *b = Int64Builder::with_capacity(rows);
                    }
                    a
                }),
                Place::Seconds(i) => self.seconds.get_mut(i).map(|b| {
                    let a: ArrayRef = Arc::new(b.finish());
                    if more {
                        *b = seconds_builder(rows);
                    }
                    a
                }),
            };
            columns.push(built.unwrap_or_else(|| null_column(field.ty, rows)));
        }
        let schema = if self.layout.extras.is_empty() {
            flowlog::schema()
        } else {
            let mut fields: Vec<Arc<Field>> = flowlog::schema().fields().iter().cloned().collect();
            for (name, &i) in self.layout.extras.iter().zip(&self.layout.extra_text) {
                fields.push(Arc::new(Field::new(name, DataType::Utf8, true)));
                let array = text.get_mut(i).and_then(Option::take);
                columns.push(array.unwrap_or_else(|| null_column(FieldType::Text, rows)));
            }
            Arc::new(Schema::new(fields))
        };
        // Columns follow the schema they are built with, so this cannot fail.
        RecordBatch::try_new(schema, columns)
            .unwrap_or_else(|e| unreachable!("flow-log columns out of sync: {e}"))
    }
}

/// An all-null column of `rows` rows for a field the layout lacks: a slice of one shared
/// array per type (no allocation), or a new array past its length.
fn null_column(ty: FieldType, rows: usize) -> ArrayRef {
    const SHARED_ROWS: usize = 8192;
    static SHARED: OnceLock<[ArrayRef; 4]> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        [
            FieldType::Text,
            FieldType::Int32,
            FieldType::Int64,
            FieldType::UnixSeconds,
        ]
        .map(|t| new_null_array(&t.data_type(), SHARED_ROWS))
    });
    let index = match ty {
        FieldType::Text => 0,
        FieldType::Int32 => 1,
        FieldType::Int64 => 2,
        FieldType::UnixSeconds => 3,
    };
    if rows <= SHARED_ROWS {
        shared[index].slice(0, rows)
    } else {
        new_null_array(&ty.data_type(), rows)
    }
}
