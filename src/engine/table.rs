//! A table whose rows are swapped per window: queries are planned once against
//! it at start-up, and each window's physical plan scans the batches it holds.

use std::sync::{Arc, RwLock};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::{MemTable, Session, TableProvider};
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;

/// The current window's batches of one log kind.
#[derive(Debug)]
pub struct WindowTable {
    schema: SchemaRef,
    batches: RwLock<Vec<RecordBatch>>,
}

impl WindowTable {
    /// An empty table of `schema`.
    pub fn new(schema: SchemaRef) -> Self {
        Self {
            schema,
            batches: RwLock::new(Vec::new()),
        }
    }

    /// Replaces the rows (batches must have the table's schema).
    pub fn set(&self, batches: Vec<RecordBatch>) {
        *self.batches.write().unwrap_or_else(|p| p.into_inner()) = batches;
    }

    /// Rows held.
    pub fn rows(&self) -> usize {
        self.batches
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(RecordBatch::num_rows)
            .sum()
    }
}

#[async_trait]
impl TableProvider for WindowTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let batches = self
            .batches
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let table = MemTable::try_new(Arc::clone(&self.schema), vec![batches])?;
        table.scan(state, projection, filters, limit).await
    }
}
