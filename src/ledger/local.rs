//! A ledger in an embedded redb database on a local volume. Commits (objects
//! done) are durable transactions, so a restart (or `kill -9`) finds exactly
//! what was committed. Claims, renewals and releases are not synced to disk:
//! they only exclude concurrent deliveries inside this process, and a new
//! process does not honour a dead one's claims anyway (its lease ended with the
//! visibility of its messages). One process owns the file: one replica.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redb::{Database, Durability, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::{Claim, Entry, Ledger, LedgerError, counted_key, now_secs};

const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");

/// A ledger in a redb file.
#[derive(Clone)]
pub struct LocalLedger {
    path: Arc<std::path::PathBuf>,
    /// `None` after an I/O error poisoned the database, until the next write reopens it.
    /// Every operation writes and redb runs one write at a time, so the mutex costs nothing
    /// and guarantees nobody holds the database while it is closed and reopened.
    db: Arc<std::sync::Mutex<Option<Database>>>,
}

impl std::fmt::Debug for LocalLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalLedger")
    }
}

fn err(operation: &'static str, object: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError {
        operation,
        object: object.to_string(),
        message: e.to_string(),
    }
}

impl LocalLedger {
    /// Opens (or creates) the database at `path`, creating its directory, and drops
    /// entries whose lease or TTL has ended.
    pub fn open(path: &Path) -> Result<LocalLedger, LedgerError> {
        let name = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err("open", &name, e))?;
        }
        let db = create(path).map_err(|e| err("open", &name, e))?;
        let ledger = LocalLedger {
            path: Arc::new(path.to_path_buf()),
            db: Arc::new(std::sync::Mutex::new(Some(db))),
        };
        ledger.write("open", &name, |_| Ok(()))?;
        ledger.expire()?;
        Ok(ledger)
    }

    /// Removes expired entries; returns how many.
    pub fn expire(&self) -> Result<usize, LedgerError> {
        let now = now_secs();
        self.write("expire", "", |t| {
            let before = t.len()?;
            t.retain(|_, v| Entry::decode(v).is_some_and(|e| e.until > now))?;
            Ok((before - t.len()?) as usize)
        })
    }

    fn write<T>(
        &self,
        operation: &'static str,
        object: &str,
        f: impl FnOnce(&mut redb::Table<&str, &[u8]>) -> Result<T, redb::Error>,
    ) -> Result<T, LedgerError> {
        // Only what must survive a crash is synced: done records (and expiry, which only removes).
        let durable = matches!(operation, "commit" | "open" | "expire" | "note counted");
        let mut slot = self
            .db
            .lock()
            .map_err(|_| err(operation, object, "ledger lock poisoned"))?;
        let db = match slot.take() {
            Some(db) => db,
            None => {
                let db = create(&self.path).map_err(|e| err(operation, object, e))?;
                tracing::info!(path = %self.path.display(), "ledger database reopened after an I/O error");
                db
            }
        };
        let run = || -> Result<T, redb::Error> {
            let mut txn = db.begin_write()?;
            if !durable {
                txn.set_durability(Durability::None)?;
            }
            let out = {
                let mut table = txn.open_table(OBJECTS)?;
                f(&mut table)?
            };
            txn.commit()?;
            Ok(out)
        };
        let result = run();
        match &result {
            // redb refuses every write after an I/O error (a full disk, say) until the database
            // is reopened: close it here, reopen on the next write.
            Err(redb::Error::PreviousIo | redb::Error::Io(_)) => drop(db),
            _ => *slot = Some(db),
        }
        result.map_err(|e| err(operation, object, e))
    }

    /// Runs a write on a blocking thread: redb syncs to disk on commit.
    async fn blocking<T: Send + 'static>(
        &self,
        operation: &'static str,
        object: &str,
        f: impl FnOnce(&LocalLedger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| err(operation, object, e))?
    }
}

/// Opens or creates the database; redb's default cache is sized for databases much larger than a ledger.
fn create(path: &Path) -> Result<Database, redb::Error> {
    Ok(Database::builder().set_cache_size(32 << 20).create(path)?)
}

fn get(t: &redb::Table<&str, &[u8]>, key: &str) -> Result<Option<Entry>, redb::Error> {
    Ok(t.get(key)?.and_then(|v| Entry::decode(v.value())))
}

#[async_trait]
impl Ledger for LocalLedger {
    async fn claim(
        &self,
        object: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim, LedgerError> {
        let (o, w) = (object.to_string(), owner.to_string());
        self.blocking("claim", object, move |l| {
            let now = now_secs();
            l.write("claim", &o, |t| {
                let outcome = Entry::claim_outcome(get(t, &o)?.as_ref(), now);
                if outcome == Claim::Claimed {
                    let e = Entry {
                        done: false,
                        owner: w.clone(),
                        until: now + lease.as_secs(),
                    };
                    t.insert(o.as_str(), e.encode().as_slice())?;
                }
                Ok(outcome)
            })
        })
        .await
    }

    async fn renew(
        &self,
        objects: &[String],
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<String>, LedgerError> {
        let (objects, w) = (objects.to_vec(), owner.to_string());
        self.blocking("renew", "", move |l| {
            let now = now_secs();
            l.write("renew", "", |t| {
                let mut lost = Vec::new();
                for o in &objects {
                    match get(t, o)? {
                        Some(mut e) if !e.done && e.owner == w => {
                            e.until = now + lease.as_secs();
                            t.insert(o.as_str(), e.encode().as_slice())?;
                        }
                        _ => lost.push(o.clone()),
                    }
                }
                Ok(lost)
            })
        })
        .await
    }

    async fn commit(
        &self,
        objects: &[String],
        owner: &str,
        ttl: Duration,
    ) -> Result<Vec<String>, LedgerError> {
        let (objects, w) = (objects.to_vec(), owner.to_string());
        self.blocking("commit", "", move |l| {
            let now = now_secs();
            l.write("commit", "", |t| {
                let mut conflicts = Vec::new();
                for o in &objects {
                    if get(t, o)?.is_some_and(|e| e.owner != w) {
                        conflicts.push(o.clone());
                    }
                    let e = Entry {
                        done: true,
                        owner: w.clone(),
                        until: now + ttl.as_secs(),
                    };
                    t.insert(o.as_str(), e.encode().as_slice())?;
                }
                Ok(conflicts)
            })
        })
        .await
    }

    async fn release(&self, object: &str, owner: &str) -> Result<(), LedgerError> {
        let (o, w) = (object.to_string(), owner.to_string());
        self.blocking("release", object, move |l| {
            l.write("release", &o, |t| {
                if get(t, &o)?.is_some_and(|e| !e.done && e.owner == w) {
                    t.remove(o.as_str())?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn note_counted(&self, names: &[String], ttl: Duration) -> Result<(), LedgerError> {
        let names = names.to_vec();
        self.blocking("note counted", "", move |l| {
            let until = now_secs() + ttl.as_secs();
            l.write("note counted", "", |t| {
                let e = Entry {
                    done: true,
                    owner: String::new(),
                    until,
                };
                for name in &names {
                    t.insert(counted_key(name).as_str(), e.encode().as_slice())?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn counted(&self, names: &[String]) -> Result<Vec<String>, LedgerError> {
        let names = names.to_vec();
        self.blocking("counted", "", move |l| {
            let now = now_secs();
            l.write("counted", "", |t| {
                let mut found = Vec::new();
                for name in names {
                    if get(t, &counted_key(&name))?.is_some_and(|e| e.done && e.until > now) {
                        found.push(name);
                    }
                }
                Ok(found)
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_the_ledger_contract_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/ledger.redb");
        let ledger = LocalLedger::open(&path).unwrap();
        super::super::contract::check(&ledger).await;
        drop(ledger);
        let reopened = LocalLedger::open(&path).unwrap();
        assert_eq!(
            reopened
                .claim("bucket/x#e1", "replica-c", Duration::from_secs(5))
                .await
                .unwrap(),
            Claim::Done,
            "done records survive a restart"
        );
        assert_eq!(
            reopened.expire().unwrap(),
            0,
            "expired entries were dropped on open"
        );
    }
}
