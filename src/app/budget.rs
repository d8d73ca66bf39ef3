//! The budget of decoded bytes: the Arrow memory of objects counted into a window and not yet
//! exported. A worker takes room for an object's batches before it hands them to the
//! coordinator, and the room comes back when the object is done (committed after the export,
//! failed, or dropped with a lost message). When the budget is nearly full, the coordinator
//! exports the windows waiting for the export interval at once, or closes its open window early
//! when that holds it all; when it is full, workers wait with their decoded object (so no new
//! object is fetched: `max_inflight_objects` are busy) and receivers stop taking messages.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayData};
use arrow::record_batch::RecordBatch;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::schema::LogKind;

/// The budget, in KiB permits.
#[derive(Clone, Debug)]
pub struct DecodedBudget {
    room: Arc<Semaphore>,
    total_kib: usize,
}

impl DecodedBudget {
    /// A budget of `mib` MiB.
    pub fn new(mib: usize) -> Self {
        let total_kib = mib.max(1) * 1024;
        Self {
            room: Arc::new(Semaphore::new(total_kib)),
            total_kib,
        }
    }

    /// Waits for room for `bytes` and holds it until the permit is dropped. An object larger
    /// than a quarter of the budget holds a quarter: it still waits for room (and so for an
    /// export, which the coordinator starts when the budget is [`pressed`](Self::pressed)),
    /// but it never waits for more room than the budget can free. `None` only if the budget is
    /// closed, which it never is.
    pub async fn hold(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let kib = (bytes / 1024 + 1).min(self.total_kib / 4).max(1);
        self.room
            .clone()
            .acquire_many_owned(u32::try_from(kib).unwrap_or(u32::MAX))
            .await
            .ok()
    }

    /// Waits until the budget has room (receivers call it before taking more messages).
    pub async fn wait_for_room(&self) {
        // Taking one KiB and giving it back at once: a wait while the budget is empty.
        let _ = self.room.acquire().await;
    }

    /// True when less than a quarter of the budget is free: time to export what is held.
    pub fn pressed(&self) -> bool {
        self.room.available_permits() < self.total_kib / 4
    }

    /// Bytes held now.
    pub fn held_bytes(&self) -> usize {
        (self.total_kib - self.room.available_permits().min(self.total_kib)) * 1024
    }
}

/// What a source waits for before it takes more deliveries: a place among the messages in
/// flight, and room in the decoded bytes' budget.
#[derive(Clone, Debug)]
pub struct Admission {
    /// One permit per message (or file) in flight, from receipt to verdict.
    pub inflight: Arc<Semaphore>,
    /// The decoded bytes held between count and export.
    pub decoded: DecodedBudget,
}

impl Admission {
    /// Waits for room in the budget, then for `n` places in flight; `None` if closed.
    pub async fn admit(&self, n: u32) -> Option<OwnedSemaphorePermit> {
        self.decoded.wait_for_room().await;
        self.inflight.clone().acquire_many_owned(n).await.ok()
    }
}

/// The Arrow memory of an object's batches, every buffer counted once (columns the queries do
/// not read share one null array, which a per-array sum would count once per column).
pub fn arrow_bytes(batches: &[(LogKind, RecordBatch)]) -> usize {
    let mut seen = HashSet::new();
    let mut total = 0;
    for (_, batch) in batches {
        for column in batch.columns() {
            total += data_bytes(&column.to_data(), &mut seen);
        }
    }
    total
}

fn data_bytes(data: &ArrayData, seen: &mut HashSet<usize>) -> usize {
    let mut total = 0;
    let buffers = data
        .buffers()
        .iter()
        .chain(data.nulls().map(|n| n.buffer()));
    for buffer in buffers {
        if seen.insert(buffer.data_ptr().as_ptr() as usize) {
            total += buffer.capacity();
        }
    }
    for child in data.child_data() {
        total += data_bytes(child, seen);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, StringArray, new_null_array};
    use arrow::datatypes::DataType;

    #[test]
    fn shared_arrays_are_counted_once() {
        let text: ArrayRef = Arc::new(StringArray::from(vec!["a"; 1_000]));
        let nulls = new_null_array(&DataType::Int64, 1_000);
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1; 1_000]));
        let one = RecordBatch::try_from_iter([("t", text.clone()), ("n", numbers.clone())])
            .map(|b| (LogKind::CloudTrail, b));
        let shared = RecordBatch::try_from_iter([
            ("t", text),
            ("n", numbers),
            ("x", nulls.clone()),
            ("y", nulls),
        ])
        .map(|b| (LogKind::CloudTrail, b));
        let (Ok(one), Ok(shared)) = (one, shared) else {
            panic!("batches");
        };
        let base = arrow_bytes(std::slice::from_ref(&one));
        assert!(base >= 8_000 + 4_000 + 1_000, "{base}");
        // Two null columns over one array: one more set of buffers, not two.
        let with_nulls = arrow_bytes(std::slice::from_ref(&shared));
        let null_once = with_nulls - base;
        assert!((8_000..16_000).contains(&null_once), "{null_once}");
        // The same batch twice: still counted once.
        assert_eq!(arrow_bytes(&[shared.clone(), shared]), with_nulls);
    }

    #[tokio::test]
    async fn a_full_budget_waits_for_room_and_says_it_is_pressed() {
        let budget = DecodedBudget::new(1);
        assert!(!budget.pressed());
        let big = budget.hold(10 << 20).await;
        // Capped at a quarter of the budget.
        assert_eq!(budget.held_bytes(), 256 * 1024);
        let mut rest = Vec::new();
        for _ in 0..3 {
            assert!(!budget.pressed());
            rest.push(budget.hold(200 * 1024).await);
        }
        assert_eq!(budget.held_bytes(), (256 + 3 * 201) * 1024);
        assert!(budget.pressed());
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            budget.hold(200 * 1024),
        )
        .await;
        assert!(waiting.is_err(), "no room: the third object waits");
        drop((big, rest));
        assert!(!budget.pressed());
        assert_eq!(budget.held_bytes(), 0);
        budget.wait_for_room().await;
    }
}
