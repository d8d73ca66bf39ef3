//! A ledger in memory: forgets everything on exit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use super::{Claim, Entry, Ledger, LedgerError, counted_key, now_secs};

/// A ledger in a map.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    entries: Mutex<HashMap<String, Entry>>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(
        &self,
        object: &str,
        op: &'static str,
        f: impl FnOnce(&mut HashMap<String, Entry>) -> T,
    ) -> Result<T, LedgerError> {
        let mut map = self.entries.lock().map_err(|_| LedgerError {
            operation: op,
            object: object.to_string(),
            message: "ledger lock poisoned".into(),
        })?;
        Ok(f(&mut map))
    }
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn claim(
        &self,
        object: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim, LedgerError> {
        let now = now_secs();
        self.with(object, "claim", |map| {
            let outcome = Entry::claim_outcome(map.get(object), now);
            if outcome == Claim::Claimed {
                map.insert(
                    object.to_string(),
                    Entry {
                        done: false,
                        owner: owner.to_string(),
                        until: now + lease.as_secs(),
                    },
                );
            }
            outcome
        })
    }

    async fn renew(
        &self,
        objects: &[String],
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<String>, LedgerError> {
        let now = now_secs();
        self.with("", "renew", |map| {
            let mut lost = Vec::new();
            for o in objects {
                match map.get_mut(o) {
                    Some(e) if !e.done && e.owner == owner => e.until = now + lease.as_secs(),
                    _ => lost.push(o.clone()),
                }
            }
            lost
        })
    }

    async fn commit(
        &self,
        objects: &[String],
        owner: &str,
        ttl: Duration,
    ) -> Result<Vec<String>, LedgerError> {
        let now = now_secs();
        self.with("", "commit", |map| {
            let mut conflicts = Vec::new();
            for o in objects {
                if map.get(o).is_some_and(|e| e.owner != owner) {
                    conflicts.push(o.clone());
                }
                map.insert(
                    o.clone(),
                    Entry {
                        done: true,
                        owner: owner.to_string(),
                        until: now + ttl.as_secs(),
                    },
                );
            }
            conflicts
        })
    }

    async fn release(&self, object: &str, owner: &str) -> Result<(), LedgerError> {
        self.with(object, "release", |map| {
            if map.get(object).is_some_and(|e| !e.done && e.owner == owner) {
                map.remove(object);
            }
        })
    }

    async fn note_counted(&self, names: &[String], ttl: Duration) -> Result<(), LedgerError> {
        let until = now_secs() + ttl.as_secs();
        self.with("", "note counted", |map| {
            for name in names {
                map.insert(
                    counted_key(name),
                    Entry {
                        done: true,
                        owner: String::new(),
                        until,
                    },
                );
            }
        })
    }

    async fn counted(&self, names: &[String]) -> Result<Vec<String>, LedgerError> {
        let now = now_secs();
        self.with("", "counted", |map| {
            names
                .iter()
                .filter(|n| {
                    map.get(&counted_key(n))
                        .is_some_and(|e| e.done && e.until > now)
                })
                .cloned()
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn keeps_the_ledger_contract() {
        super::super::contract::check(&super::MemoryLedger::new()).await;
    }
}
