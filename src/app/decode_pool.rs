//! A fixed pool of decoder threads, one per core by default. Decoding is CPU
//! work and must not run on the async runtime; a fixed pool (rather than
//! tokio's growing blocking pool) keeps each thread's allocator heap warm, so
//! objects decode into reused memory instead of freshly faulted pages.

use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::oneshot;

use crate::archive::{Archive, ArchiveError, ArchiveFile};
use crate::decode::{ColumnSelection, DecodeOptions, DecodedObject, KindHint, decode_object};

type Job = Box<dyn FnOnce() + Send>;

/// The archive, and the columns an archived object keeps for counting: the decoders fill every
/// column for the archive, and the window needs only those the queries read.
#[derive(Debug, Clone)]
pub struct Archiving {
    /// Where the records go.
    pub archive: Archive,
    /// The columns the queries read.
    pub counted: Arc<ColumnSelection>,
}

/// Decoder threads fed through a queue.
#[derive(Clone)]
pub struct DecodePool {
    jobs: mpsc::Sender<Job>,
}

/// Why an object got no decoding.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The pool is gone (only at shutdown).
    #[error("decoder pool stopped")]
    Stopped,
    /// The decoder panicked on this object: a bug that one object's bytes reach. The thread
    /// lives on and decodes the next object; the message is left for redrive.
    #[error("decoder panicked: {0}")]
    Panicked(String),
}

impl DecodePool {
    /// Starts `threads` decoder threads (at least one).
    pub fn new(threads: usize) -> std::io::Result<DecodePool> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("trailflow-decode-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A job catches its own panic (see `run`): the thread goes on.
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })?;
        }
        Ok(DecodePool { jobs: tx })
    }

    /// A pool of one thread per available core.
    pub fn per_core() -> std::io::Result<DecodePool> {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// Decodes `bytes` on a pool thread.
    pub async fn decode(
        &self,
        name: String,
        bytes: Vec<u8>,
        options: Arc<DecodeOptions>,
    ) -> Result<DecodedObject, PoolError> {
        self.run(move || {
            crate::fault::panic_point("decoder_panic", &name);
            decode_object(&name, &bytes, KindHint::Auto, &options)
        })
        .await
    }

    /// Decodes `bytes` on a pool thread and, when it has rows, encodes its archive files
    /// there too, then restricts its batches to the columns the queries read. Decoding,
    /// encoding and freeing the columns only the archive needed in one job, on one thread,
    /// lets the next object decode into the memory this one leaves: queued as separate jobs,
    /// every object in flight was decoded in full before the first was encoded, and each
    /// faulted fresh pages in. The window then holds only what it counts.
    pub async fn decode_and_archive(
        &self,
        name: String,
        bytes: Vec<u8>,
        options: Arc<DecodeOptions>,
        archiving: Archiving,
        source: String,
    ) -> Result<(DecodedObject, Result<Vec<ArchiveFile>, ArchiveError>), PoolError> {
        self.run(move || {
            crate::fault::panic_point("decoder_panic", &name);
            let mut decoded = decode_object(&name, &bytes, KindHint::Auto, &options);
            drop(bytes);
            if decoded.rows() == 0 {
                return (decoded, Ok(Vec::new()));
            }
            let files = archiving.archive.encode(&source, &decoded.batches);
            decoded.batches = std::mem::take(&mut decoded.batches)
                .into_iter()
                .map(|(kind, batch)| (kind, archiving.counted.restrict(kind, batch)))
                .collect();
            (decoded, files)
        })
        .await
    }

    /// Runs `work` on a pool thread. A panic in it is caught there and returned as
    /// [`PoolError::Panicked`]: the thread stays in the pool. `work` owns everything it
    /// touches, so nothing it leaves half-done is seen again (hence `AssertUnwindSafe`).
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map_err(|panic| PoolError::Panicked(panic_message(panic.as_ref())));
            let _ = tx.send(result);
        });
        self.jobs.send(job).map_err(|_| PoolError::Stopped)?;
        rx.await.map_err(|_| PoolError::Stopped)?
    }
}

/// The text a panic was raised with.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn decodes_on_pool_threads() {
        let pool = DecodePool::new(2).unwrap();
        let text = b"2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n".to_vec();
        let mut handles = Vec::new();
        for i in 0..8 {
            let pool = pool.clone();
            let text = text.clone();
            handles.push(tokio::spawn(async move {
                pool.decode(format!("f{i}.log"), text, Default::default())
                    .await
            }));
        }
        for h in handles {
            assert_eq!(h.await.unwrap().unwrap().rows(), 1);
        }
    }

    #[tokio::test]
    async fn an_archived_object_keeps_only_the_counted_columns() {
        use crate::archive::Store;
        use crate::schema::LogKind;
        let pool = DecodePool::new(1).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::new(
            Store::Local(dir.path().to_path_buf()),
            &crate::config::ArchiveConfig::default(),
        )
        .unwrap();
        let schema = LogKind::FlowLog.schema();
        let action = schema.index_of("action").unwrap();
        let counted = ColumnSelection::all().only(LogKind::FlowLog, [action]);
        let text = b"2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n".to_vec();
        let archiving = Archiving {
            archive,
            counted: Arc::new(counted),
        };
        let (decoded, files) = pool
            .decode_and_archive(
                "f.log".into(),
                text,
                Default::default(),
                archiving,
                "file:f.log".into(),
            )
            .await
            .unwrap();
        // The archive got every column: the interface id is in the file.
        let files = files.unwrap();
        assert_eq!(files.iter().map(|f| f.rows).sum::<usize>(), 1);
        let file = bytes::Bytes::from(files[0].bytes.clone());
        let archived = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let interface = archived.column_by_name("interface_id").unwrap();
        assert_eq!(interface.null_count(), 0);
        // The window gets the counted column only.
        let batch = &decoded.batches[0].1;
        assert_eq!(batch.num_rows(), 1);
        for (i, column) in batch.columns().iter().enumerate() {
            assert_eq!(
                column.null_count() == 0,
                i == action,
                "{}",
                schema.field(i).name()
            );
        }
    }

    #[tokio::test]
    async fn a_panic_is_an_error_and_the_thread_decodes_on() {
        let pool = DecodePool::new(1).unwrap();
        let failed = pool
            .run(|| -> usize { panic!("bad bytes in s3://b/poison.gz") })
            .await;
        assert!(
            matches!(&failed, Err(PoolError::Panicked(m)) if m.contains("s3://b/poison.gz")),
            "{failed:?}"
        );
        // The only thread is still there.
        let text = b"2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n".to_vec();
        let decoded = pool.decode("f.log".into(), text, Default::default()).await;
        assert_eq!(decoded.unwrap().rows(), 1);
    }
}
