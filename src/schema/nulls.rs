//! All-null columns, for the columns a decoder does not fill (absent from a flow log's
//! header, or not selected).

use std::cell::RefCell;
use std::sync::Arc;

use arrow::array::{ArrayRef, new_null_array};
use arrow::datatypes::DataType;

/// Rows of the shared null arrays; a batch is at most this long by default.
const SHARED_ROWS: usize = 8192;

/// The shared null array of one type, and the last slice taken from it.
struct Shared {
    full: ArrayRef,
    last: ArrayRef,
}

/// An all-null column of `rows` rows: a slice of one shared array per type (no allocation when
/// the last column of that type had as many rows, as the columns of one batch do), or a new
/// array past its length.
pub fn null_column(data_type: &DataType, rows: usize) -> ArrayRef {
    thread_local! {
        // Per thread: no lock on the decoders' path (a handful of types, a few KiB each).
        static SHARED: RefCell<Vec<Shared>> = const { RefCell::new(Vec::new()) };
    }
    if rows > SHARED_ROWS {
        return new_null_array(data_type, rows);
    }
    let shared = SHARED.try_with(|shared| {
        let mut shared = shared.try_borrow_mut().ok()?;
        let i = match shared.iter().position(|s| s.full.data_type() == data_type) {
            Some(i) => i,
            None => {
                let full = new_null_array(data_type, SHARED_ROWS);
                let last = full.slice(0, 0);
                shared.push(Shared { full, last });
                shared.len() - 1
            }
        };
        let s = shared.get_mut(i)?;
        if s.last.len() != rows {
            s.last = s.full.slice(0, rows);
        }
        Some(Arc::clone(&s.last))
    });
    match shared {
        Ok(Some(array)) => array,
        _ => new_null_array(data_type, rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    #[test]
    fn null_columns_of_any_length_and_type() {
        for ty in [
            DataType::Utf8,
            DataType::Int32,
            DataType::Boolean,
            DataType::Utf8,
        ] {
            for rows in [0, 1, 1, 7, SHARED_ROWS, 7, SHARED_ROWS + 1, 0, 3] {
                let c = null_column(&ty, rows);
                assert_eq!((c.len(), c.null_count(), c.data_type()), (rows, rows, &ty));
            }
        }
    }
}
