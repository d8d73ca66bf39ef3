//! Windows: decoded objects collected until a row count or an age is reached.
//! An object is never split across windows, so a window's result names every
//! object it covers and the caller can acknowledge exactly those after export.

use std::time::{Duration, Instant};

use arrow::record_batch::RecordBatch;

use crate::schema::LogKind;

/// When a window closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPolicy {
    /// Close once the window holds at least this many rows of CloudTrail's tables.
    pub max_rows: usize,
    /// Close once the window holds at least this many flow-log rows.
    pub max_flow_rows: usize,
    /// Close once the window has been open this long.
    pub max_age: Duration,
}

impl WindowPolicy {
    /// The policy of the engine's configuration.
    pub fn of(engine: &crate::config::EngineConfig) -> Self {
        Self {
            max_rows: engine.window_max_rows,
            max_flow_rows: engine.window_max_flow_rows,
            max_age: Duration::from_secs(engine.window_max_age_secs),
        }
    }

    fn full(&self, window: &Window<impl Sized>) -> bool {
        window.rows - window.flow_rows >= self.max_rows || window.flow_rows >= self.max_flow_rows
    }
}

/// The objects and rows of one window. Batches are kept per object, so an
/// object whose message was lost can be dropped before the window is exported.
#[derive(Debug)]
pub struct Window<O> {
    entries: Vec<(O, Vec<(LogKind, RecordBatch)>)>,
    /// Rows over all tables.
    pub rows: usize,
    /// Rows of the flow-log table.
    pub flow_rows: usize,
    opened: Instant,
}

impl<O> Window<O> {
    fn new(now: Instant) -> Self {
        Self {
            entries: Vec::new(),
            rows: 0,
            flow_rows: 0,
            opened: now,
        }
    }

    /// True when no object was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The objects whose rows the window holds, in arrival order.
    pub fn objects(&self) -> impl Iterator<Item = &O> {
        self.entries.iter().map(|(o, _)| o)
    }

    /// Takes the objects out, dropping their batches.
    pub fn into_objects(self) -> Vec<O> {
        self.entries.into_iter().map(|(o, _)| o).collect()
    }

    /// The batches of one table, in arrival order.
    pub fn batches(&self, kind: LogKind) -> Vec<RecordBatch> {
        self.entries
            .iter()
            .flat_map(|(_, b)| b.iter())
            .filter(|(k, _)| *k == kind)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Keeps the objects for which `keep` is true; returns how many were dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(&O) -> bool) -> usize {
        let before = self.entries.len();
        self.entries.retain(|(o, _)| keep(o));
        let (rows, flow_rows) = rows_of(self.entries.iter().flat_map(|(_, b)| b.iter()));
        (self.rows, self.flow_rows) = (rows, flow_rows);
        before - self.entries.len()
    }
}

/// Collects objects into windows.
#[derive(Debug)]
pub struct Windower<O> {
    policy: WindowPolicy,
    current: Window<O>,
}

impl<O> Windower<O> {
    /// A windower with `policy`.
    pub fn new(policy: WindowPolicy) -> Self {
        Self {
            policy,
            current: Window::new(Instant::now()),
        }
    }

    /// Adds an object's batches (flow-log batches are cut to the canonical columns);
    /// returns the window if this object filled it.
    pub fn push(
        &mut self,
        object: O,
        batches: Vec<(LogKind, RecordBatch)>,
        now: Instant,
    ) -> Option<Window<O>> {
        self.push_unparsed(object, batches, None, now)
    }

    /// [`Windower::push`] for an object of which `unparsed` records of a table were left
    /// unparsed (`decode::RecordFilter`): they count towards the window's limits as rows, so a
    /// window stands for as many records as without the filter, and holds no more query
    /// results than it would then.
    pub fn push_unparsed(
        &mut self,
        object: O,
        batches: Vec<(LogKind, RecordBatch)>,
        unparsed: Option<(LogKind, usize)>,
        now: Instant,
    ) -> Option<Window<O>> {
        if let Some((kind, n)) = unparsed {
            self.current.rows += n;
            if kind == LogKind::FlowLog {
                self.current.flow_rows += n;
            }
        }
        if self.current.is_empty() {
            self.current.opened = now;
        }
        let batches: Vec<(LogKind, RecordBatch)> = batches
            .into_iter()
            .map(|(kind, batch)| (kind, canonical(kind, batch)))
            .collect();
        let (rows, flow_rows) = rows_of(batches.iter());
        self.current.rows += rows;
        self.current.flow_rows += flow_rows;
        self.current.entries.push((object, batches));
        self.policy.full(&self.current).then(|| self.take(now))
    }

    /// Returns the window if it is older than the policy allows.
    pub fn poll_age(&mut self, now: Instant) -> Option<Window<O>> {
        let due = !self.current.is_empty()
            && now.duration_since(self.current.opened) >= self.policy.max_age;
        due.then(|| self.take(now))
    }

    /// When the open window becomes due by age, if it holds anything.
    pub fn deadline(&self) -> Option<Instant> {
        (!self.current.is_empty()).then(|| self.current.opened + self.policy.max_age)
    }

    /// Drops objects from the open window; returns how many were dropped.
    pub fn retain_open(&mut self, keep: impl FnMut(&O) -> bool) -> usize {
        self.current.retain(keep)
    }

    /// The objects in the open window.
    pub fn open_objects(&self) -> impl Iterator<Item = &O> {
        self.current.objects()
    }

    /// Rows in the open window.
    pub fn open_rows(&self) -> usize {
        self.current.rows
    }

    /// Closes the open window, if it holds anything.
    pub fn flush(&mut self) -> Option<Window<O>> {
        (!self.current.is_empty()).then(|| self.take(Instant::now()))
    }

    fn take(&mut self, now: Instant) -> Window<O> {
        std::mem::replace(&mut self.current, Window::new(now))
    }
}

/// Rows over all the batches, and those of the flow-log table.
fn rows_of<'a>(batches: impl Iterator<Item = &'a (LogKind, RecordBatch)>) -> (usize, usize) {
    batches.fold((0, 0), |(all, flow), (kind, b)| {
        let n = b.num_rows();
        (
            all + n,
            flow + if *kind == LogKind::FlowLog { n } else { 0 },
        )
    })
}

/// Drops the extra (unknown) columns a flow-log batch may carry, so every batch of a table has its schema.
fn canonical(kind: LogKind, batch: RecordBatch) -> RecordBatch {
    let schema = kind.schema();
    if batch.schema() == schema {
        return batch;
    }
    let n = schema.fields().len().min(batch.num_columns());
    // The decoders put the canonical columns first and in order.
    RecordBatch::try_new(schema, batch.columns()[..n].to_vec()).unwrap_or(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow_batch(rows: usize) -> (LogKind, RecordBatch) {
        let text = format!(
            "{}\n",
            vec!["2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK"; rows].join("\n")
        );
        let d = crate::decode::decode_object(
            "f.log",
            text.as_bytes(),
            crate::decode::KindHint::FlowLog,
            &Default::default(),
        );
        d.batches.into_iter().next().unwrap()
    }

    fn cloudtrail_batch(rows: usize) -> (LogKind, RecordBatch) {
        let event = r#"{"eventVersion":"1.08","eventTime":"2026-11-27T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#;
        let text = vec![event; rows].join("\n");
        let d = crate::decode::decode_object(
            "e.json",
            text.as_bytes(),
            crate::decode::KindHint::CloudTrail,
            &Default::default(),
        );
        d.batches.into_iter().next().unwrap()
    }

    /// A windower closing at these row limits, or after five seconds.
    fn windower(max_rows: usize, max_flow_rows: usize) -> Windower<&'static str> {
        Windower::new(WindowPolicy {
            max_rows,
            max_flow_rows,
            max_age: Duration::from_secs(5),
        })
    }

    #[test]
    fn each_table_has_its_own_row_limit() {
        let mut w = windower(5, 20);
        let t0 = Instant::now();
        assert!(w.push("flows", vec![flow_batch(12)], t0).is_none());
        assert!(w.push("events", vec![cloudtrail_batch(4)], t0).is_none());
        let full = w
            .push("more events", vec![cloudtrail_batch(1)], t0)
            .unwrap();
        assert_eq!((full.rows, full.flow_rows), (17, 12));
        assert!(w.push("flows", vec![flow_batch(19)], t0).is_none());
        let full = w.push("flows", vec![flow_batch(1)], t0).unwrap();
        assert_eq!((full.rows, full.flow_rows), (20, 20));
    }

    #[test]
    fn records_left_unparsed_count_towards_their_tables_limit() {
        let mut w = windower(5, 20);
        let t0 = Instant::now();
        let unparsed = Some((LogKind::FlowLog, 15));
        assert!(
            w.push_unparsed("flows", vec![flow_batch(2)], unparsed, t0)
                .is_none()
        );
        let full = w
            .push_unparsed("flows", vec![flow_batch(3)], None, t0)
            .unwrap();
        assert_eq!((full.rows, full.flow_rows), (20, 20));
        let unparsed = Some((LogKind::CloudTrail, 4));
        let full = w
            .push_unparsed("events", vec![cloudtrail_batch(1)], unparsed, t0)
            .unwrap();
        assert_eq!((full.rows, full.flow_rows), (5, 0));
    }

    #[test]
    fn windows_close_on_rows_and_age_without_splitting_objects() {
        let mut w = windower(1_000, 10);
        let t0 = Instant::now();
        assert!(w.push("a", vec![flow_batch(6)], t0).is_none());
        let full = w.push("b", vec![flow_batch(6)], t0).unwrap();
        assert_eq!(full.objects().collect::<Vec<_>>(), [&"a", &"b"]);
        assert_eq!(full.rows, 12, "an object is never split");
        let mut full = full;
        assert_eq!(full.retain(|o| *o != "a"), 1);
        assert_eq!((full.rows, full.batches(LogKind::FlowLog).len()), (6, 1));

        assert!(
            w.poll_age(t0 + Duration::from_secs(60)).is_none(),
            "an empty window never closes"
        );
        assert!(
            w.push("c", vec![flow_batch(1)], t0 + Duration::from_secs(10))
                .is_none()
        );
        assert!(w.poll_age(t0 + Duration::from_secs(14)).is_none());
        assert_eq!(w.deadline(), Some(t0 + Duration::from_secs(15)));
        let aged = w.poll_age(t0 + Duration::from_secs(15)).unwrap();
        assert_eq!(aged.into_objects(), vec!["c"]);
        assert!(w.flush().is_none());
    }
}
