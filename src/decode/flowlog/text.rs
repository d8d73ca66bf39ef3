//! A text column built from slices of flow-log lines.

use std::sync::Arc;

use arrow::array::{ArrayRef, NullBufferBuilder, StringArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::DataType;

use crate::schema::null_column;

/// Tokens up to this long are copied as one fixed-size block (then cut back): a copy of a known
/// length is a couple of vector moves, one of a variable length a `memcpy` call, and most
/// flow-log tokens (ids, addresses, actions) are shorter than this.
const BLOCK: usize = 16;

/// Values, offsets and validity of one text column, as Arrow lays them out.
pub struct TextColumn {
    values: Vec<u8>,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
}

impl TextColumn {
    /// A column with room for `rows` values of `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            values: Vec::with_capacity(bytes + BLOCK),
            offsets,
            nulls: NullBufferBuilder::new(rows),
        }
    }

    /// Appends `line[start..end]`, or a null for `-` (or a range outside the line).
    #[inline]
    pub fn append(&mut self, line: &str, start: usize, end: usize) {
        let bytes = line.as_bytes();
        match bytes.get(start..end) {
            None | Some(b"-") => {
                self.offsets.push(self.offset());
                self.nulls.append_null();
            }
            Some(token) => {
                match bytes.get(start..start + BLOCK) {
                    Some(block) if token.len() <= BLOCK => {
                        let keep = self.values.len() + token.len();
                        self.values.extend_from_slice(block);
                        self.values.truncate(keep);
                    }
                    _ => self.values.extend_from_slice(token),
                }
                self.offsets.push(self.offset());
                self.nulls.append_non_null();
            }
        }
    }

    fn offset(&self) -> i32 {
        // A column holds at most one batch of lines of at most `max_line_bytes`.
        i32::try_from(self.values.len()).unwrap_or(i32::MAX)
    }

    /// Text bytes held.
    pub fn bytes(&self) -> usize {
        self.values.len()
    }

    /// The column so far as an array; the column starts over empty.
    pub fn finish(&mut self) -> ArrayRef {
        let rows = self.offsets.len() - 1;
        let values = std::mem::take(&mut self.values);
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        let nulls = self.nulls.finish();
        // The values are whole `str` tokens cut at ASCII spaces and the offsets ascend, so this
        // cannot fail short of a column past 2 GiB; such a column would come out null.
        match StringArray::try_new(OffsetBuffer::new(offsets.into()), values.into(), nulls) {
            Ok(array) => Arc::new(array),
            Err(_) => null_column(&DataType::Utf8, rows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    #[test]
    fn tokens_of_every_length_at_every_offset_and_nulls() {
        let line = "a - 0123456789abcdef 0123456789abcdefg é- x".repeat(3);
        let mut starts = vec![0];
        starts.extend(line.match_indices(' ').map(|(i, _)| i + 1));
        let mut column = TextColumn::with_capacity(2, 4);
        let mut expected = Vec::new();
        for (i, &s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).map_or(line.len(), |&n| n - 1);
            column.append(&line, s, e);
            expected.push((&line[s..e] != "-").then(|| &line[s..e]));
        }
        column.append(&line, line.len() + 1, line.len() + 2);
        expected.push(None);
        let array = column.finish();
        let array = array.as_any().downcast_ref::<StringArray>().unwrap();
        let got: Vec<Option<&str>> = array.iter().collect();
        assert_eq!(got, expected);
        assert_eq!(column.finish().len(), 0, "starts over empty");
    }
}
