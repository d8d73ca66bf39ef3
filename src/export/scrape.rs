//! `/metrics`: the last exported series set in Prometheus's text format.
//! Every sink publishes what it exported here (so the endpoint always shows
//! what the daemon reported); the `prometheus` sink exports only here and can
//! wait until a scrape has actually read an export before it counts as
//! accepted, so a window's messages are deleted only once Prometheus has its
//! counts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;

use super::{ExportCause, ExportError, Sink};
use crate::metrics::SeriesSet;
use crate::metrics::prometheus;

/// The series served on `/metrics`, and which export the last scrape saw.
#[derive(Debug)]
pub struct Scrape {
    /// The last export and its generation (1, 2, ...).
    latest: Mutex<Option<(u64, Arc<SeriesSet>)>>,
    scraped: watch::Sender<u64>,
}

impl Default for Scrape {
    fn default() -> Self {
        Self {
            latest: Mutex::new(None),
            scraped: watch::channel(0).0,
        }
    }
}

impl Scrape {
    /// Publishes an export; returns its generation.
    pub fn publish(&self, series: &SeriesSet) -> u64 {
        let Ok(mut latest) = self.latest.lock() else {
            return 0;
        };
        let generation = latest.as_ref().map_or(0, |(g, _)| *g) + 1;
        *latest = Some((generation, Arc::new(series.clone())));
        generation
    }

    /// The text a scrape returns (empty before the first export), recording that it was served.
    pub fn render(&self) -> String {
        let latest = self.latest.lock().ok().and_then(|l| l.clone());
        match latest {
            Some((generation, series)) => {
                let text = prometheus::render(&series);
                self.scraped.send_if_modified(|seen| {
                    let newer = generation > *seen;
                    if newer {
                        *seen = generation;
                    }
                    newer
                });
                text
            }
            None => String::new(),
        }
    }

    /// Waits until a scrape has served `generation` or a later export.
    pub async fn scraped(&self, generation: u64) {
        let mut rx = self.scraped.subscribe();
        let _ = rx.wait_for(|seen| *seen >= generation).await;
    }
}

/// The `prometheus` sink: publishes on `/metrics` and, when asked, waits for a scrape.
#[derive(Debug)]
pub struct PrometheusSink {
    scrape: Arc<Scrape>,
    wait_for_scrape: bool,
}

impl PrometheusSink {
    /// A sink publishing to `scrape`.
    pub fn new(scrape: Arc<Scrape>, wait_for_scrape: bool) -> Self {
        Self {
            scrape,
            wait_for_scrape,
        }
    }
}

/// How long an export waits for a scrape before it fails (and is retried).
const SCRAPE_WAIT: Duration = Duration::from_secs(120);

#[async_trait]
impl Sink for PrometheusSink {
    async fn export(&self, series: &SeriesSet) -> Result<(), ExportError> {
        let generation = self.scrape.publish(series);
        if self.wait_for_scrape
            && tokio::time::timeout(SCRAPE_WAIT, self.scrape.scraped(generation))
                .await
                .is_err()
        {
            return Err(ExportError {
                sink: "prometheus /metrics".into(),
                cause: ExportCause::NotScraped(SCRAPE_WAIT),
            });
        }
        Ok(())
    }
}

/// Any sink, publishing on `/metrics` what it exported.
pub struct Published {
    inner: Box<dyn Sink>,
    scrape: Arc<Scrape>,
}

impl Published {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn Sink>, scrape: Arc<Scrape>) -> Self {
        Self { inner, scrape }
    }
}

#[async_trait]
impl Sink for Published {
    async fn export(&self, series: &SeriesSet) -> Result<(), ExportError> {
        self.inner.export(series).await?;
        self.scrape.publish(series);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Catalog;

    #[tokio::test]
    async fn an_export_waiting_for_a_scrape_is_accepted_once_scraped() {
        let scrape = Arc::new(Scrape::default());
        let sink = Arc::new(PrometheusSink::new(scrape.clone(), true));
        let set = SeriesSet::new(&Catalog::default(), 10);
        let pending = tokio::spawn({
            let sink = sink.clone();
            async move { sink.export(&set).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!pending.is_finished(), "accepted before any scrape");
        let _ = scrape.render();
        let done = tokio::time::timeout(Duration::from_secs(5), pending).await;
        assert!(matches!(done, Ok(Ok(Ok(())))), "{done:?}");
    }
}
