//! The ack decision without a network: an in-memory queue, the memory ledger,
//! files as objects, a file sink whose directory can be missing, and the
//! coordinator driven step by step.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};

use super::Event;
use super::budget::DecodedBudget;
use super::coordinator::{Coordinator, Parts};
use super::heartbeat::Heartbeat;
use super::selfmetrics::SelfMetrics;
use super::tracker::Delivery;
use super::worker::WorkerContext;
use crate::config::Lookups;
use crate::engine::{Engine, WindowPolicy, Windower, load_catalog};
use crate::export::FileSink;
use crate::health::Health;
use crate::ledger::{Ledger, MemoryLedger};
use crate::metrics::SeriesSet;
use crate::source::memory::MemoryQueue;
use crate::source::{Fetcher, ObjectSpec, Queue};

const LEASE: Duration = Duration::from_secs(30);

struct Rig {
    lease: Duration,
    coordinator: Coordinator,
    events: mpsc::Receiver<Event>,
    queue: Arc<MemoryQueue>,
    ledger: Arc<MemoryLedger>,
    heartbeat: Heartbeat,
    files: Vec<PathBuf>,
    export: PathBuf,
    _dir: tempfile::TempDir,
}

/// Two CloudTrail sample objects, and a decoded bytes' budget that never fills.
async fn rig(lease: Duration) -> Rig {
    let objects = crate::synth::samples::objects()
        .into_iter()
        .filter(|o| o.key.contains("/CloudTrail/"))
        .take(2)
        .map(|o| (o.key.replace('/', "_"), o.bytes))
        .collect();
    rig_with(lease, objects, DecodedBudget::new(64)).await
}

async fn rig_with(lease: Duration, objects: Vec<(String, Vec<u8>)>, decoded: DecodedBudget) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, bytes) in objects {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        files.push(path);
    }
    let export = dir.path().join("out/export.ndjson");
    let engine = Engine::new(load_catalog(None).unwrap(), &Lookups::default())
        .await
        .unwrap();
    let series = SeriesSet::new(engine.catalog(), 100);
    let metrics = SelfMetrics::new(series.metrics());
    let queue = Arc::new(MemoryQueue::new());
    let ledger = Arc::new(MemoryLedger::new());
    let (tx, events) = mpsc::channel(64);
    let leases = Arc::new(Mutex::new(Default::default()));
    let workers = WorkerContext {
        fetcher: Fetcher::new(None, 1, Duration::from_secs(5)),
        ledger: ledger.clone(),
        owner: "me".into(),
        lease,
        options: Arc::new(Default::default()),
        slots: Arc::new(Semaphore::new(4)),
        bytes: Arc::new(Semaphore::new(1024)),
        bytes_total: 1024,
        decoded,
        events: tx.clone(),
        leases: leases.clone(),
        decoders: super::decode_pool::DecodePool::new(1).unwrap(),
        health: Arc::new(Health::default()),
        archive: None,
    };
    let heartbeat = Heartbeat {
        queue: Some(queue.clone()),
        ledger: ledger.clone(),
        owner: "me".into(),
        lease,
        leases: leases.clone(),
        events: tx,
        metrics: metrics.clone(),
    };
    let coordinator = Coordinator::new(Parts {
        engine,
        windower: Windower::new(WindowPolicy {
            max_rows: 1_000_000,
            max_flow_rows: 1_000_000,
            max_age: Duration::from_secs(3600),
        }),
        series,
        sink: Box::new(FileSink::new(export.clone())),
        ledger: ledger.clone(),
        queue: Some(queue.clone()),
        workers,
        leases,
        health: Arc::new(Health::default()),
        metrics,
        ttl: Duration::from_secs(3600),
        max_backoff: Duration::from_secs(1),
        export_timeout: Duration::from_secs(10),
        idle_export: Duration::from_secs(3600),
        export_interval: Duration::ZERO,
        log_burst: 0,
        digest_grace_secs: 7200,
    });
    Rig {
        lease,
        coordinator,
        events,
        queue,
        ledger,
        heartbeat,
        files,
        export,
        _dir: dir,
    }
}

impl Rig {
    /// Sends one message per file, receives them, and counts every file into the open window.
    async fn deliver(&mut self) -> Vec<String> {
        let ids: Vec<String> = self
            .files
            .iter()
            .map(|f| self.queue.send(&f.display().to_string()))
            .collect();
        let messages = self.queue.receive(10, self.lease).await.unwrap();
        assert_eq!(messages.len(), self.files.len());
        for (m, f) in messages.into_iter().zip(&self.files) {
            self.coordinator.on_delivery(Delivery {
                message: Some(m),
                envelope: "s3",
                objects: vec![ObjectSpec::File(f.clone())],
                permit: None,
            });
        }
        for _ in 0..self.files.len() {
            match self.events.recv().await.unwrap() {
                Event::Object { handle, outcome } => {
                    self.coordinator.on_object(handle, outcome).await
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        ids
    }

    fn exported_records(&self) -> f64 {
        let Ok(text) = std::fs::read_to_string(&self.export) else {
            return 0.0;
        };
        let last = text.rsplit("{\"export\":").next().unwrap_or_default();
        last.lines()
            .filter(|l| l.contains("\"metric\":\"trailflow.records\""))
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["value"].as_f64())
            .sum()
    }
}

fn records_of(path: &Path) -> f64 {
    let bytes = std::fs::read(path).unwrap();
    crate::decode::decode_object("x", &bytes, Default::default(), &Default::default()).rows() as f64
}

#[tokio::test]
async fn a_failed_export_deletes_nothing_and_the_retry_deletes_everything() {
    let mut rig = rig(LEASE).await;
    let ids = rig.deliver().await;
    rig.coordinator.flush(false).await;
    assert!(
        rig.coordinator.export_due().is_some(),
        "the export failed (no directory)"
    );
    assert!(
        rig.queue.deleted().is_empty(),
        "nothing deleted after a failed export"
    );

    std::fs::create_dir_all(rig.export.parent().unwrap()).unwrap();
    rig.coordinator.export().await;
    rig.coordinator.flush_deletes().await;
    assert_eq!(rig.queue.deleted(), ids);
    let want: f64 = rig.files.iter().map(|f| records_of(f)).sum();
    assert_eq!(rig.exported_records(), want);
    assert_eq!(
        rig.coordinator.stats().objects_committed,
        2,
        "{}",
        std::fs::read_to_string(&rig.export).unwrap()
    );
}

#[tokio::test]
async fn an_object_whose_claim_was_taken_over_is_dropped_before_export() {
    let mut rig = rig(LEASE).await;
    std::fs::create_dir_all(rig.export.parent().unwrap()).unwrap();
    let ids = rig.deliver().await;
    // Another replica took over the second object's claim and counted it.
    let version = rig.taken_over(1).await;
    let lost = rig.heartbeat.beat().await;
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].claims, [version]);
    rig.coordinator.on_lost(lost[0].clone()).await;
    rig.flush_expecting_the_first_object_alone(&ids).await;
}

/// The heartbeat is held up (it never beats here) and another replica takes a claim over: the
/// claims that may have lapsed are confirmed before the export, which leaves the object out
/// instead of counting it a second time.
#[tokio::test]
async fn a_claim_lapsed_behind_a_held_up_heartbeat_is_caught_before_the_export() {
    // A lease shorter than the export timeout (10 s): no claim is sure to outlast an export.
    let mut rig = rig(Duration::from_secs(5)).await;
    std::fs::create_dir_all(rig.export.parent().unwrap()).unwrap();
    let ids = rig.deliver().await;
    rig.taken_over(1).await;
    rig.flush_expecting_the_first_object_alone(&ids).await;
    let text = std::fs::read_to_string(&rig.export).unwrap();
    let value = |metric: &str| -> f64 {
        text.lines()
            .filter(|l| l.contains(&format!("\"metric\":\"{metric}\"")))
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["value"].as_f64())
            .sum()
    };
    assert_eq!(
        value("trailflow.ledger.conflicts"),
        0.0,
        "nothing counted twice"
    );
    assert_eq!(
        value("trailflow.ledger.claims_confirmed_before_export"),
        2.0,
        "both claims were confirmed"
    );
}

#[tokio::test]
async fn a_message_whose_visibility_lapsed_is_not_deleted_with_its_stale_receipt() {
    let lease = Duration::from_millis(300);
    let mut rig = rig(lease).await;
    std::fs::create_dir_all(rig.export.parent().unwrap()).unwrap();
    rig.deliver().await;
    // The heartbeat stalls past the visibility timeout; someone else receives the messages.
    tokio::time::sleep(lease + Duration::from_millis(100)).await;
    let again = rig.queue.receive(10, LEASE).await.unwrap();
    assert_eq!(again.len(), 2);
    let lost = rig.heartbeat.beat().await;
    assert!(
        lost.iter().all(|l| l.message) && lost.len() == 2,
        "{lost:?}"
    );
    for l in lost {
        rig.coordinator.on_lost(l).await;
    }
    rig.coordinator.flush(false).await;
    rig.coordinator.flush_deletes().await;
    // The objects were still ours (claims renewed): counted once, recorded done; the new
    // receiver deletes the messages when it finds them done.
    let want: f64 = rig.files.iter().map(|f| records_of(f)).sum();
    assert_eq!(rig.exported_records(), want);
    assert!(rig.queue.deleted().is_empty());
    let key = rig.ledger_key(0).await;
    assert_eq!(
        rig.ledger.claim(&key, "other", LEASE).await.unwrap(),
        crate::ledger::Claim::Done
    );
}

impl Rig {
    /// Another replica takes file `i`'s claim over and counts it; returns its ledger key.
    async fn taken_over(&self, i: usize) -> String {
        let key = self.ledger_key(i).await;
        self.ledger
            .commit(std::slice::from_ref(&key), "other", Duration::from_secs(60))
            .await
            .unwrap();
        key
    }

    /// Flushes, and checks that only the first object was exported and only its message
    /// deleted: the second is left for redelivery.
    async fn flush_expecting_the_first_object_alone(&mut self, ids: &[String]) {
        self.coordinator.flush(false).await;
        self.coordinator.flush_deletes().await;
        assert_eq!(
            self.exported_records(),
            records_of(&self.files[0]),
            "only the first object is exported"
        );
        assert_eq!(
            self.queue.deleted(),
            ids[..1],
            "the second message is left for redelivery"
        );
    }

    /// The ledger key of file `i`, as the worker builds it.
    async fn ledger_key(&self, i: usize) -> String {
        let fetched = Fetcher::new(None, 1, Duration::from_secs(1))
            .fetch(&ObjectSpec::File(self.files[i].clone()))
            .await
            .unwrap();
        crate::ledger::object_key(
            "file:",
            &self.files[i].display().to_string(),
            fetched.version.as_deref(),
        )
    }
}

/// Four objects of 2,000 events, each holding a quarter of a 1 MiB budget (their batches are
/// larger): the budget fills, and the coordinator exports the open window at once, although the
/// window (a million rows, an hour) and the export interval would have it wait. With a budget
/// that does not fill, nothing is exported before the flush.
#[tokio::test]
async fn a_full_decoded_budget_exports_at_once_and_gives_its_room_back() {
    for (mib, exported_early) in [(1, true), (64, false)] {
        let objects = (0..4)
            .map(|i| {
                let json = crate::synth::bulk::cloudtrail_object(2_000, i);
                (format!("ct-{i}.json.gz"), crate::synth::gzip(&json))
            })
            .collect();
        let budget = DecodedBudget::new(mib);
        let mut rig = rig_with(LEASE, objects, budget.clone()).await;
        std::fs::create_dir_all(rig.export.parent().unwrap()).unwrap();
        let ids = rig.deliver().await;
        rig.coordinator.flush_deletes().await;
        let want: f64 = rig.files.iter().map(|f| records_of(f)).sum();
        if exported_early {
            assert_eq!(
                rig.queue.deleted(),
                ids,
                "exported and deleted without a flush"
            );
            assert_eq!(rig.exported_records(), want);
            assert_eq!(
                budget.held_bytes(),
                0,
                "the room came back with the verdicts"
            );
        } else {
            assert!(
                rig.queue.deleted().is_empty(),
                "{mib} MiB: nothing exported yet"
            );
            assert!(budget.held_bytes() > 0);
            rig.coordinator.flush(true).await;
            rig.coordinator.flush_deletes().await;
            assert_eq!(rig.queue.deleted(), ids);
            assert_eq!(rig.exported_records(), want);
            assert_eq!(budget.held_bytes(), 0);
        }
    }
}

/// A budget pressed mostly by objects still on their way to the coordinator (here, room the
/// test holds) does not make it export for the one object that arrived: those objects join the
/// open window next, and an export per arrival cost a whole export each (75 exports for 80
/// flow-log objects on two cores). Once that room is the windows', the pressure exports.
#[tokio::test]
async fn a_budget_pressed_by_objects_on_their_way_does_not_export_per_arrival() {
    let json = crate::synth::bulk::cloudtrail_object(2_000, 1);
    let objects = vec![("ct-1.json.gz".to_string(), crate::synth::gzip(&json))];
    let budget = DecodedBudget::new(1);
    let mut on_their_way = Vec::new();
    for _ in 0..3 {
        on_their_way.push(budget.hold(256 * 1024).await.unwrap());
    }
    let mut rig = rig_with(LEASE, objects, budget.clone()).await;
    std::fs::create_dir_all(rig.export.parent().unwrap()).unwrap();
    let ids = rig.deliver().await;
    rig.coordinator.flush_deletes().await;
    assert!(budget.pressed(), "the object's quarter filled the budget");
    assert!(
        rig.queue.deleted().is_empty(),
        "the windows hold a quarter of what is held: no export yet"
    );
    drop(on_their_way);
    rig.coordinator.flush(true).await;
    rig.coordinator.flush_deletes().await;
    assert_eq!(rig.queue.deleted(), ids);
    assert_eq!(budget.held_bytes(), 0);
}

/// One message announcing six objects whose batches need more than a 1 MiB budget (each holds
/// a quarter): the first four fill it, the budget's pressure exports them, and their room must
/// come back as they are committed, before the message's verdict, or the last two would wait on
/// their own message for ever.
#[tokio::test]
async fn a_message_with_more_objects_than_the_budget_holds_does_not_wait_on_itself() {
    let objects = (0..6)
        .map(|i| {
            let json = crate::synth::bulk::cloudtrail_object(2_000, i);
            (format!("ct-{i}.json.gz"), crate::synth::gzip(&json))
        })
        .collect();
    let budget = DecodedBudget::new(1);
    let mut rig = rig_with(LEASE, objects, budget.clone()).await;
    std::fs::create_dir_all(rig.export.parent().unwrap()).unwrap();
    let id = rig.queue.send("six objects");
    let mut messages = rig.queue.receive(1, rig.lease).await.unwrap();
    rig.coordinator.on_delivery(Delivery {
        message: messages.pop(),
        envelope: "s3",
        objects: rig.files.iter().cloned().map(ObjectSpec::File).collect(),
        permit: None,
    });
    for _ in 0..6 {
        let event = tokio::time::timeout(Duration::from_secs(30), rig.events.recv()).await;
        match event {
            Ok(Some(Event::Object { handle, outcome })) => {
                rig.coordinator.on_object(handle, outcome).await
            }
            Err(_) => panic!("an object waits for room its own message holds"),
            other => panic!("unexpected {other:?}"),
        }
    }
    rig.coordinator.flush(true).await;
    rig.coordinator.flush_deletes().await;
    assert_eq!(rig.queue.deleted(), vec![id]);
    let want: f64 = rig.files.iter().map(|f| records_of(f)).sum();
    assert_eq!(rig.exported_records(), want);
    assert_eq!(budget.held_bytes(), 0);
}
