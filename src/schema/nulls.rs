//! All-null columns, for the columns a decoder does not fill (absent from a flow log's
//! header, or not selected).

use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{ArrayRef, new_null_array};
use arrow::datatypes::DataType;

/// Rows of the shared null arrays; a batch is at most this long by default.
const SHARED_ROWS: usize = 8192;

/// An all-null column of `rows` rows: a slice of one shared array per type (no allocation),
/// or a new array past its length.
pub fn null_column(data_type: &DataType, rows: usize) -> ArrayRef {
    static SHARED: OnceLock<Mutex<Vec<ArrayRef>>> = OnceLock::new();
    if rows > SHARED_ROWS {
        return new_null_array(data_type, rows);
    }
    let shared = SHARED.get_or_init(Default::default);
    let Ok(mut shared) = shared.lock() else {
        return new_null_array(data_type, rows);
    };
    let array = match shared.iter().find(|a| a.data_type() == data_type) {
        Some(a) => Arc::clone(a),
        None => {
            let a = new_null_array(data_type, SHARED_ROWS);
            shared.push(Arc::clone(&a));
            a
        }
    };
    drop(shared);
    array.slice(0, rows)
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
