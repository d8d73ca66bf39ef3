//! `/healthz` (the process is alive) and `/readyz` (the queue was reachable at
//! the last receive, the last export and the last ledger write succeeded, or
//! none was attempted yet; not ready while draining) and `/metrics` (the last export, for Prometheus).
//! Nothing else is served.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::export::Scrape;

/// What readiness depends on, updated by the daemon's tasks.
#[derive(Debug)]
pub struct Health {
    queue_ok: AtomicBool,
    export_ok: AtomicBool,
    ledger_ok: AtomicBool,
    draining: AtomicBool,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            queue_ok: AtomicBool::new(true),
            export_ok: AtomicBool::new(true),
            ledger_ok: AtomicBool::new(true),
            draining: AtomicBool::new(false),
        }
    }
}

impl Health {
    /// Records whether the last queue call worked.
    pub fn set_queue_ok(&self, ok: bool) {
        self.queue_ok.store(ok, Ordering::Relaxed);
    }

    /// Records whether the last export worked.
    pub fn set_export_ok(&self, ok: bool) {
        self.export_ok.store(ok, Ordering::Relaxed);
    }

    /// Records whether the last ledger write (claim or commit) worked.
    pub fn set_ledger_ok(&self, ok: bool) {
        self.ledger_ok.store(ok, Ordering::Relaxed);
    }

    /// Marks the process as shutting down.
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// `Ok` when ready, else why not.
    pub fn readiness(&self) -> Result<(), String> {
        let mut why = Vec::new();
        if !self.queue_ok.load(Ordering::Relaxed) {
            why.push("queue unreachable");
        }
        if !self.export_ok.load(Ordering::Relaxed) {
            why.push("last export failed");
        }
        if !self.ledger_ok.load(Ordering::Relaxed) {
            why.push("ledger unavailable");
        }
        if self.draining.load(Ordering::Relaxed) {
            why.push("draining");
        }
        if why.is_empty() {
            Ok(())
        } else {
            Err(why.join(", "))
        }
    }
}

/// What the handlers read.
#[derive(Clone)]
struct Served {
    health: Arc<Health>,
    scrape: Arc<Scrape>,
}

async fn metrics(State(served): State<Served>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        served.scrape.render(),
    )
}

async fn readyz(State(served): State<Served>) -> (StatusCode, String) {
    match served.health.readiness() {
        Ok(()) => (StatusCode::OK, "ready\n".into()),
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        ),
    }
}

/// Binds `addr` (so a bad address fails at start-up) and returns the server future.
pub async fn bind(
    addr: SocketAddr,
    health: Arc<Health>,
    scrape: Arc<Scrape>,
) -> std::io::Result<(SocketAddr, impl Future<Output = std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Served { health, scrape });
    Ok((local, async move { axum::serve(listener, app).await }))
}
