//! A fixed pool of decoder threads, one per core by default. Decoding is CPU
//! work and must not run on the async runtime; a fixed pool (rather than
//! tokio's growing blocking pool) keeps each thread's allocator heap warm, so
//! objects decode into reused memory instead of freshly faulted pages.

use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::oneshot;

use crate::decode::{DecodeOptions, DecodedObject, KindHint, decode_object};

type Job = Box<dyn FnOnce() + Send>;

/// Decoder threads fed through a queue.
#[derive(Clone)]
pub struct DecodePool {
    jobs: mpsc::Sender<Job>,
}

/// The pool is gone (only at shutdown).
#[derive(Debug, thiserror::Error)]
#[error("decoder pool stopped")]
pub struct PoolStopped;

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
    ) -> Result<DecodedObject, PoolStopped> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(decode_object(&name, &bytes, KindHint::Auto, &options));
        });
        self.jobs.send(job).map_err(|_| PoolStopped)?;
        rx.await.map_err(|_| PoolStopped)
    }
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
}
