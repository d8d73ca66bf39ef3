//! Column builders of the fixed-schema tables. Each holds plain vectors and finishes straight
//! into its Arrow array: arrow's own builders finish through `ArrayData` (a vector of buffers,
//! aligned allocations, a conversion), a fixed cost per column that dominated the decoding of
//! small objects (a 10 KB CloudTrail file fills 48 columns with 7 rows).

use std::sync::{Arc, OnceLock};

use arrow::array::{ArrayRef, BooleanArray, PrimitiveArray, StringArray};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampSecondType,
};

use super::null_column;

/// The validity bitmap of a column, allocated at its first null.
#[derive(Default)]
struct Validity {
    bits: Vec<u8>,
    rows: usize,
    nulls: usize,
}

impl Validity {
    #[inline(always)]
    fn push(&mut self, valid: bool) {
        if valid && self.nulls == 0 {
            self.rows += 1;
        } else {
            self.push_bit(valid);
        }
    }

    /// `push` once the column has a null: one bit per row, set without a branch on `valid`
    /// (columns with nulls mix them with values in no order a predictor learns).
    #[inline]
    fn push_bit(&mut self, valid: bool) {
        let byte = self.rows / 8;
        if self.nulls == 0 || byte >= self.bits.len() {
            self.make_room();
        }
        let shift = self.rows % 8;
        if let Some(b) = self.bits.get_mut(byte) {
            *b = (*b & !(1u8 << shift)) | (u8::from(valid) << shift);
        }
        self.nulls += usize::from(!valid);
        self.rows += 1;
    }

    /// Room for the next row's bit: the bitmap of the rows so far (all valid) on the first
    /// null, then twice the room whenever it is full.
    #[cold]
    fn make_room(&mut self) {
        if self.nulls == 0 {
            // The first null: every row so far was valid.
            let len = self.rows.div_ceil(8).max(8);
            self.bits.clear();
            self.bits.resize(len, 0xff);
        }
        if self.rows / 8 >= self.bits.len() {
            self.bits.resize(self.bits.len().max(8) * 2, 0xff);
        }
    }

    fn finish(&mut self) -> Option<NullBuffer> {
        let rows = std::mem::take(&mut self.rows);
        let nulls = std::mem::take(&mut self.nulls);
        let bits = std::mem::take(&mut self.bits);
        (nulls > 0).then(|| NullBuffer::new(BooleanBuffer::new(Buffer::from_vec(bits), 0, rows)))
    }
}

/// Values up to this long are copied by `TextColumn::append_slice` as one fixed-size block (then
/// cut back): a copy of a known length is a couple of vector moves, one of a variable length a
/// `memcpy` call, and most flow-log tokens (ids, addresses, actions) are shorter than this.
const BLOCK: usize = 16;

/// A `Utf8` column.
pub struct TextColumn {
    values: Vec<u8>,
    offsets: Vec<i32>,
    validity: Validity,
}

impl TextColumn {
    /// A column with room for `rows` values of `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            values: Vec::with_capacity(bytes),
            offsets,
            validity: Validity::default(),
        }
    }

    /// Appends a value or a null.
    #[inline]
    pub fn append_option(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.values.extend_from_slice(v.as_bytes());
        }
        // A batch holds far less than 2 GiB of one column's text; past it the column would
        // fail to build and come out null (see `finish`).
        self.offsets
            .push(i32::try_from(self.values.len()).unwrap_or(i32::MAX));
        self.validity.push(value.is_some());
    }

    /// Appends `text[start..end]`, or a null when that is not a slice of `text` (out of range
    /// or not at character boundaries).
    #[inline]
    pub fn append_slice(&mut self, text: &str, start: usize, end: usize) {
        let Some(value) = text.get(start..end) else {
            return self.append_option(None);
        };
        match text.as_bytes().get(start..start + BLOCK) {
            Some(block) if value.len() <= BLOCK => {
                let keep = self.values.len() + value.len();
                self.values.extend_from_slice(block);
                self.values.truncate(keep);
            }
            _ => self.values.extend_from_slice(value.as_bytes()),
        }
        self.offsets
            .push(i32::try_from(self.values.len()).unwrap_or(i32::MAX));
        self.validity.push(true);
    }

    /// `finish`, then, when `more` rows follow, room for as many rows and bytes again (a
    /// finished column has none, and the next batch would regrow it from empty).
    pub fn finish_with_room(&mut self, more: bool) -> ArrayRef {
        let (rows, bytes) = (self.offsets.len() - 1, self.values.len());
        let array = self.finish();
        if more {
            *self = Self::with_capacity(rows, bytes);
        }
        array
    }

    /// The column so far as an array; the column starts over empty.
    pub fn finish(&mut self) -> ArrayRef {
        let rows = self.offsets.len() - 1;
        let values = std::mem::take(&mut self.values);
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        let nulls = self.validity.finish();
        if values.len() > i32::MAX as usize {
            return null_column(&DataType::Utf8, rows);
        }
        // SAFETY: every value appended was a whole `str` (`append_option` takes one,
        // `append_slice` cuts one with `str::get`), so `values` is UTF-8 and every offset falls
        // on a character boundary. The offsets start at 0 and ascend by each value's length;
        // with at most `i32::MAX` bytes in all none was clamped, so the last is `values.len()`.
        // The validity holds one entry per value. These are the checks `try_new` would repeat
        // over every byte (2-3% of decoding a small flow-log object).
        let array = unsafe {
            let offsets = OffsetBuffer::new_unchecked(offsets.into());
            StringArray::new_unchecked(offsets, values.into(), nulls)
        };
        Arc::new(array)
    }
}

/// A `Boolean` column.
pub struct BoolColumn {
    values: Vec<bool>,
    validity: Validity,
}

impl BoolColumn {
    /// A column with room for `rows` values.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            values: Vec::with_capacity(rows),
            validity: Validity::default(),
        }
    }

    /// Appends a value or a null.
    #[inline]
    pub fn append_option(&mut self, value: Option<bool>) {
        self.values.push(value.unwrap_or(false));
        self.validity.push(value.is_some());
    }

    /// `finish`, then, when `more` rows follow, room for as many rows again.
    pub fn finish_with_room(&mut self, more: bool) -> ArrayRef {
        let rows = self.values.len();
        let array = self.finish();
        if more {
            self.values.reserve(rows);
        }
        array
    }

    /// The column so far as an array; the column starts over empty.
    pub fn finish(&mut self) -> ArrayRef {
        let values = BooleanBuffer::from(std::mem::take(&mut self.values));
        Arc::new(BooleanArray::new(values, self.validity.finish()))
    }
}

/// A column of a primitive type: integers, floats, or timestamps (always UTC).
pub struct PrimitiveColumn<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    validity: Validity,
    data_type: DataType,
}

impl<T: ArrowPrimitiveType> PrimitiveColumn<T> {
    /// A column with room for `rows` values.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            values: Vec::with_capacity(rows),
            validity: Validity::default(),
            data_type: in_utc(T::DATA_TYPE),
        }
    }

    /// Appends a value or a null.
    #[inline]
    pub fn append_option(&mut self, value: Option<T::Native>) {
        self.values.push(value.unwrap_or_default());
        self.validity.push(value.is_some());
    }

    /// `finish`, then, when `more` rows follow, room for as many rows again.
    pub fn finish_with_room(&mut self, more: bool) -> ArrayRef {
        let rows = self.values.len();
        let array = self.finish();
        if more {
            self.values.reserve(rows);
        }
        array
    }

    /// The column so far as an array; the column starts over empty.
    pub fn finish(&mut self) -> ArrayRef {
        let values = ScalarBuffer::from(std::mem::take(&mut self.values));
        let array = PrimitiveArray::<T>::new(values, self.validity.finish());
        Arc::new(array.with_data_type(self.data_type.clone()))
    }
}

/// `Int32` column.
pub type I32Column = PrimitiveColumn<Int32Type>;
/// `Int64` column.
pub type I64Column = PrimitiveColumn<Int64Type>;
/// `Float64` column.
pub type F64Column = PrimitiveColumn<Float64Type>;
/// `Timestamp(Second, "+00:00")` column.
pub type TsSecondsColumn = PrimitiveColumn<TimestampSecondType>;
/// `Timestamp(Microsecond, "+00:00")` column.
pub type TsMicrosColumn = PrimitiveColumn<TimestampMicrosecondType>;

/// `data_type`, with the UTC time zone when it is a timestamp: every time trailflow stores is
/// UTC. The zone's name is shared, not allocated per column.
fn in_utc(data_type: DataType) -> DataType {
    static UTC: OnceLock<Arc<str>> = OnceLock::new();
    match data_type {
        DataType::Timestamp(unit, _) => {
            DataType::Timestamp(unit, Some(Arc::clone(UTC.get_or_init(|| "+00:00".into()))))
        }
        other => other,
    }
}

/// The type of UTC microsecond timestamp columns, `Timestamp(Microsecond, "+00:00")`.
pub fn utc_micros() -> DataType {
    in_utc(TimestampMicrosecondType::DATA_TYPE)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::record_batch::RecordBatch;

    /// Panics unless every array of `batch` passes Arrow's full validation: the text columns
    /// are built without it.
    pub(crate) fn assert_valid(batch: &RecordBatch) {
        for (column, field) in batch.columns().iter().zip(batch.schema().fields()) {
            if let Err(e) = column.to_data().validate_full() {
                panic!("column {}: {e}", field.name());
            }
        }
    }

    /// Values with nulls first, last, in runs, and none at all, across byte boundaries.
    fn patterns() -> Vec<Vec<bool>> {
        let mut patterns = vec![vec![], vec![true; 20], vec![false; 20]];
        for n in [1, 7, 8, 9, 17, 70] {
            patterns.push((0..n).map(|i| i % 3 != 0).collect());
            patterns.push((0..n).map(|i| i + 1 != n).collect());
            patterns.push((0..n).map(|i| i >= n / 2).collect());
        }
        patterns
    }

    #[test]
    fn columns_match_arrows_own_builders() {
        for valid in patterns() {
            let n = valid.len();
            let texts: Vec<Option<String>> = (0..n)
                .map(|i| valid[i].then(|| "é".repeat(i % 4)))
                .collect();
            let mut text = TextColumn::with_capacity(2, 3);
            let mut bools = BoolColumn::with_capacity(0);
            let mut ints = I64Column::with_capacity(1);
            let mut times = TsMicrosColumn::with_capacity(1);
            for (i, t) in texts.iter().enumerate() {
                text.append_option(t.as_deref());
                bools.append_option(valid[i].then_some(i % 2 == 0));
                ints.append_option(valid[i].then_some(i as i64 - 3));
                times.append_option(valid[i].then_some(i as i64 * 1_000_000));
            }
            let got = text.finish();
            got.to_data().validate_full().unwrap();
            assert_eq!(got.null_count(), valid.iter().filter(|v| !**v).count());
            let got: Vec<Option<&str>> = got.as_string::<i32>().iter().collect();
            assert_eq!(got, texts.iter().map(|t| t.as_deref()).collect::<Vec<_>>());
            assert_eq!(text.finish().len(), 0, "starts over empty");
            let expected: BooleanArray = (0..n).map(|i| valid[i].then_some(i % 2 == 0)).collect();
            assert_eq!(bools.finish().as_boolean(), &expected);
            let expected: PrimitiveArray<Int64Type> =
                (0..n).map(|i| valid[i].then_some(i as i64 - 3)).collect();
            assert_eq!(ints.finish().as_primitive::<Int64Type>(), &expected);
            let times = times.finish();
            assert_eq!(times.data_type(), &utc_micros());
            assert_eq!(times.null_count(), expected.null_count());
        }
    }

    #[test]
    fn slices_of_every_length_at_every_offset() {
        let line = "a - 0123456789abcdef 0123456789abcdefg é- x".repeat(3);
        let mut starts = vec![0];
        starts.extend(line.match_indices(' ').map(|(i, _)| i + 1));
        let mut column = TextColumn::with_capacity(2, 4);
        let mut expected = Vec::new();
        for (i, &s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).map_or(line.len(), |&n| n - 1);
            column.append_slice(&line, s, e);
            expected.push(Some(&line[s..e]));
        }
        let accent = line.find('é').unwrap();
        for (s, e) in [
            (line.len() + 1, line.len() + 2),
            (accent + 1, accent + 3),
            (3, 2),
        ] {
            column.append_slice(&line, s, e);
            expected.push(None);
        }
        let array = column.finish();
        array.to_data().validate_full().unwrap();
        let got: Vec<Option<&str>> = array.as_string::<i32>().iter().collect();
        assert_eq!(got, expected);
        assert_eq!(column.finish().len(), 0, "starts over empty");
    }
}
