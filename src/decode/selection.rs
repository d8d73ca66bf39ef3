//! Which columns of each table the decoders fill. The metric engine reads a fraction of the
//! columns (F1 nine of the flow log's 40, no metric the raw JSON of responses); the others
//! are left null, which skips their copying and, for CloudTrail's raw JSON columns, their
//! re-encoding. Every record is still parsed and validated in full, so the rows and the
//! errors of an object do not depend on the selection.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::Schema;

use crate::schema::LogKind;

/// Columns to fill per table: a table without a mask has all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnSelection {
    masks: BTreeMap<LogKind, Arc<[bool]>>,
}

impl ColumnSelection {
    /// Every column of every table (the default).
    pub fn all() -> Self {
        Self::default()
    }

    /// Fills only `columns` (indices into the table's schema) of `kind`; indices past the
    /// schema are ignored.
    pub fn only(mut self, kind: LogKind, columns: impl IntoIterator<Item = usize>) -> Self {
        let mut mask = vec![false; kind.schema().fields().len()];
        for i in columns {
            if let Some(m) = mask.get_mut(i) {
                *m = true;
            }
        }
        self.masks.insert(kind, mask.into());
        self
    }

    /// Also fills column `name` of `kind` (a no-op when every column is filled).
    pub fn with(mut self, kind: LogKind, name: &str) -> Self {
        let index = kind.schema().index_of(name).ok();
        if let (Some(mask), Some(i)) = (self.masks.get_mut(&kind), index) {
            let mut grown = mask.to_vec();
            if let Some(m) = grown.get_mut(i) {
                *m = true;
            }
            *mask = grown.into();
        }
        self
    }

    /// The mask of `kind` (true: fill the column), or `None` when every column is filled.
    pub fn mask(&self, kind: LogKind) -> Option<&Arc<[bool]>> {
        self.masks.get(&kind)
    }

    /// True when column `index` of `kind` is filled.
    pub fn keeps(&self, kind: LogKind, index: usize) -> bool {
        crate::schema::mask_keeps(self.mask(kind).map(|m| &m[..]), index)
    }

    /// `batch` of `kind` as the decoders would have produced it for this selection: the
    /// columns it does not fill become shared all-null arrays, and a flow log's unknown fields
    /// (columns past the schema) are left out. The full columns are freed on the calling
    /// thread when `batch` held the last reference to them.
    pub fn restrict(&self, kind: LogKind, batch: RecordBatch) -> RecordBatch {
        let Some(mask) = self.mask(kind) else {
            return batch;
        };
        let rows = batch.num_rows();
        let width = mask.len().min(batch.num_columns());
        let schema = if width == batch.num_columns() {
            batch.schema()
        } else {
            Arc::new(Schema::new(batch.schema().fields()[..width].to_vec()))
        };
        let columns = batch
            .columns()
            .iter()
            .zip(mask.iter())
            .map(|(column, keep)| match keep {
                true => Arc::clone(column),
                false => crate::schema::null_column(column.data_type(), rows),
            })
            .collect();
        // Every table's columns are nullable; a schema that is not keeps the full batch.
        RecordBatch::try_new(schema, columns).unwrap_or(batch)
    }

    /// The names of the columns of `kind` that are filled, in schema order.
    pub fn kept_names(&self, kind: LogKind) -> Vec<String> {
        kind.schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.keeps(kind, *i))
            .map(|(_, f)| f.name().clone())
            .collect()
    }
}
