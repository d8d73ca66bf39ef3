//! The typed column builders of one flow-log layout, grouped by type so that appending a row is
//! one tight loop per type (no per-field dispatch), and their assembly into a batch. Only the
//! selected columns get a builder; the others come out null.

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use super::layout::{Layout, Slot};
use crate::schema::columns::{I32Column, I64Column, TextColumn, TsSecondsColumn};
use crate::schema::flowlog::{self, FieldType, KNOWN_FIELDS};
use crate::schema::null_column;

/// Average text bytes per field assumed when sizing text builders.
const TEXT_BYTES_PER_FIELD: usize = 16;

/// Which builder fills a column: its type and its index among the builders of that type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Not filled: the column is null.
    Absent,
    Text(usize),
    Int32(usize),
    Int64(usize),
    Seconds(usize),
}

/// The builders of one layout.
pub struct Columns {
    layout: Arc<Layout>,
    /// Where each field of `KNOWN_FIELDS` is built, by index.
    places: Vec<Place>,
    /// The extra (unknown) fields kept: index in `layout.extras` and text builder.
    extras: Vec<(usize, usize)>,
    /// The text builders, with the line position each reads.
    text: Vec<TextColumn>,
    text_at: Vec<usize>,
    /// The integer builders, with the index in the parsed numbers each reads.
    int32: Vec<I32Column>,
    int32_from: Vec<usize>,
    int64: Vec<I64Column>,
    int64_from: Vec<usize>,
    seconds: Vec<TsSecondsColumn>,
    seconds_from: Vec<usize>,
    /// Rows appended since the last `finish`.
    pub rows: usize,
}

impl Columns {
    /// Builders for the columns of `layout` that `mask` keeps (all without a mask; unknown
    /// fields only without one), with room for `capacity` rows.
    pub fn new(layout: &Arc<Layout>, capacity: usize, mask: Option<&[bool]>) -> Self {
        let keep = |k: usize| crate::schema::mask_keeps(mask, k);
        let mut places = vec![Place::Absent; KNOWN_FIELDS.len()];
        let (mut text_at, mut extras) = (Vec::new(), Vec::new());
        for &pos in &layout.text {
            match layout.slots.get(pos) {
                Some(&Slot::Known(k)) if keep(k) => {
                    places[k] = Place::Text(text_at.len());
                    text_at.push(pos);
                }
                Some(&Slot::Extra(x)) if mask.is_none() => {
                    extras.push((x, text_at.len()));
                    text_at.push(pos);
                }
                _ => {}
            }
        }
        let (mut int32_from, mut int64_from, mut seconds_from) =
            (Vec::new(), Vec::new(), Vec::new());
        for (j, &(_, k)) in layout.numeric.iter().enumerate() {
            if !keep(k) {
                continue;
            }
            places[k] = match KNOWN_FIELDS[k].ty {
                FieldType::Int32 => Place::Int32(push_index(&mut int32_from, j)),
                FieldType::Int64 => Place::Int64(push_index(&mut int64_from, j)),
                FieldType::UnixSeconds => Place::Seconds(push_index(&mut seconds_from, j)),
                FieldType::Text => Place::Absent,
            };
        }
        Self {
            text: (0..text_at.len())
                .map(|_| TextColumn::with_capacity(capacity, capacity * TEXT_BYTES_PER_FIELD))
                .collect(),
            int32: (0..int32_from.len())
                .map(|_| I32Column::with_capacity(capacity))
                .collect(),
            int64: (0..int64_from.len())
                .map(|_| I64Column::with_capacity(capacity))
                .collect(),
            seconds: (0..seconds_from.len())
                .map(|_| TsSecondsColumn::with_capacity(capacity))
                .collect(),
            layout: Arc::clone(layout),
            places,
            extras,
            text_at,
            int32_from,
            int64_from,
            seconds_from,
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
        for (b, &pos) in self.text.iter_mut().zip(&self.text_at) {
            let (s, e) = tokens.get(pos).copied().unwrap_or((usize::MAX, 0));
            if e == s.wrapping_add(1) && line.as_bytes().get(s) == Some(&b'-') {
                b.append_option(None);
            } else {
                b.append_slice(line, s, e);
            }
        }
        let number = |j: usize| numbers.get(j).copied().flatten();
        for (b, &j) in self.int32.iter_mut().zip(&self.int32_from) {
            // Validated against the field's range, which lies within `i32`.
            b.append_option(number(j).map(|v| v as i32));
        }
        for (b, &j) in self.int64.iter_mut().zip(&self.int64_from) {
            b.append_option(number(j));
        }
        for (b, &j) in self.seconds.iter_mut().zip(&self.seconds_from) {
            b.append_option(number(j));
        }
        self.rows += 1;
    }

    /// A batch in the canonical column order (absent fields null), extra columns after;
    /// `more` when another batch follows in this layout: the builders then start over with
    /// room for as many rows and text bytes.
    pub fn finish(&mut self, more: bool) -> RecordBatch {
        let rows = std::mem::take(&mut self.rows);
        let mut text: Vec<Option<ArrayRef>> = self
            .text
            .iter_mut()
            .map(|b| Some(b.finish_with_room(more)))
            .collect();
        let mut columns: Vec<ArrayRef> =
            Vec::with_capacity(KNOWN_FIELDS.len() + self.layout.extras.len());
        let schema = flowlog::schema();
        for (field, place) in schema.fields().iter().zip(&self.places) {
            let built: Option<ArrayRef> = match *place {
                Place::Absent => None,
                Place::Text(i) => text.get_mut(i).and_then(Option::take),
                Place::Int32(i) => self.int32.get_mut(i).map(|b| b.finish_with_room(more)),
                Place::Int64(i) => self.int64.get_mut(i).map(|b| b.finish_with_room(more)),
                Place::Seconds(i) => self.seconds.get_mut(i).map(|b| b.finish_with_room(more)),
            };
            columns.push(built.unwrap_or_else(|| null_column(field.data_type(), rows)));
        }
        let schema = if self.extras.is_empty() {
            schema
        } else {
            let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
            for &(x, i) in &self.extras {
                let name = self.layout.extras.get(x).map_or("", String::as_str);
                fields.push(Arc::new(Field::new(name, DataType::Utf8, true)));
                let array = text.get_mut(i).and_then(Option::take);
                columns.push(array.unwrap_or_else(|| null_column(&DataType::Utf8, rows)));
            }
            Arc::new(Schema::new(fields))
        };
        // Columns follow the schema they are built with, so this cannot fail.
        RecordBatch::try_new(schema, columns)
            .unwrap_or_else(|e| unreachable!("flow-log columns out of sync: {e}"))
    }
}

fn push_index(v: &mut Vec<usize>, value: usize) -> usize {
    v.push(value);
    v.len() - 1
}
