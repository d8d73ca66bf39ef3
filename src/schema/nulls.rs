//! All-null columns, for the columns a decoder does not fill (absent from a flow log's
//! header, or not selected).

use std::cell::RefCell;
use std::sync::Arc;

use arrow::array::{ArrayRef, new_null_array};
use arrow::datatypes::DataType;

/// Rows of the shared null arrays; a batch is at most this long by default.
const SHARED_ROWS: usize = 8192;

/// An all-null column of `rows` rows: a slice of one shared array per type (no allocation),
/// or a new array past its length.
pub fn null_column(data_type: &DataType, rows: usize) -> ArrayRef {
    thread_local! {
        // Per thread: no lock on the decoders' path (a handful of types, a few KiB each).
        static SHARED: RefCell<Vec<ArrayRef>> = const { RefCell::new(Vec::new()) };
    }
    if rows > SHARED_ROWS {
        return new_null_array(data_type, rows);
    }
    let shared = SHARED.try_with(|shared| {
        let mut shared = shared.try_borrow_mut().ok()?;
        Some(match shared.iter().find(|a| a.data_type() == data_type) {
            Some(a) => Arc::clone(a),
            None => {
                let a = new_null_array(data_type, SHARED_ROWS);
                shared.push(Arc::clone(&a));
                a
            }
        })
    });
    match shared {
        Ok(Some(array)) => array.slice(0, rows),
        _ => new_null_array(data_type, rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    #[test]
    fn null_columns_of_any_length_and_type() {
        for ty in [DataType::Utf8, DataType::Int32, DataType::Boolean] {
            for rows in [0, 1, SHARED_ROWS, SHARED_ROWS + 1] {
                let c = null_column(&ty, rows);
                assert_eq!((c.len(), c.null_count(), c.data_type()), (rows, rows, &ty));
            }
        }
    }
}
