//! A stand-in for the Lambda Runtime API (the HTTP interface a function's runtime polls,
//! `2018-06-01`), on loopback: it hands out the queued events one per `next`, records each
//! answer (response or error) with whether it came before the invocation's deadline, and
//! holds the next `next` open once the queue is empty, as Lambda does between invocations.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;

/// The execution environment's log stream (the replica id of the function).
pub const LOG_STREAM: &str = "2026/11/29/[$LATEST]0123456789abcdef";

/// The environment Lambda gives a function whose Runtime API is at `addr`.
pub fn variables(addr: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", "trailflow".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", LOG_STREAM.into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/trailflow".into()),
    ]
}

/// What the function answered to one invocation.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The invocation's request id.
    pub request_id: String,
    /// `response` or `error`.
    pub kind: &'static str,
    /// The posted body.
    pub body: Value,
    /// Whether it arrived before the invocation's deadline.
    pub before_deadline: bool,
}

struct Shared {
    events: Mutex<VecDeque<String>>,
    deadlines: Mutex<Vec<(String, SystemTime)>>,
    answers: Mutex<Vec<Answer>>,
    /// Time each invocation gets, from its `next`.
    deadline: Duration,
}

/// The running stand-in.
pub struct RuntimeApi {
    addr: String,
    shared: Arc<Shared>,
}

async fn next(State(shared): State<Arc<Shared>>) -> (StatusCode, HeaderMap, String) {
    let event = shared.events.lock().unwrap().pop_front();
    let Some(event) = event else {
        // No more invocations: Lambda would freeze the environment here.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut deadlines = shared.deadlines.lock().unwrap();
    let request_id = format!("request-{}", deadlines.len());
    let deadline = SystemTime::now() + shared.deadline;
    deadlines.push((request_id.clone(), deadline));
    let ms = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis();
    let mut headers = HeaderMap::new();
    let header = |v: &str| HeaderValue::from_str(v).unwrap();
    headers.insert("lambda-runtime-aws-request-id", header(&request_id));
    headers.insert("lambda-runtime-deadline-ms", header(&ms.to_string()));
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        header("arn:aws:lambda:eu-west-1:111122223333:function:trailflow"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        header("Root=1-00000000-000000000000000000000000"),
    );
    headers.insert("content-type", header("application/json"));
    (StatusCode::OK, headers, event)
}

fn answer(shared: &Shared, request_id: String, kind: &'static str, body: String) -> StatusCode {
    let deadline = shared
        .deadlines
        .lock()
        .unwrap()
        .iter()
        .find(|(id, _)| *id == request_id)
        .map(|(_, d)| *d);
    let before_deadline = deadline.is_some_and(|d| SystemTime::now() <= d);
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared.answers.lock().unwrap().push(Answer {
        request_id,
        kind,
        body,
        before_deadline,
    });
    StatusCode::ACCEPTED
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
    body: String,
) -> StatusCode {
    answer(&shared, request_id, "response", body)
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
    body: String,
) -> StatusCode {
    answer(&shared, request_id, "error", body)
}

async fn init_error(State(shared): State<Arc<Shared>>, body: String) -> StatusCode {
    answer(&shared, "init".into(), "error", body)
}

impl RuntimeApi {
    /// Serves `events` (JSON texts), one per invocation, on a loopback port; each invocation
    /// gets `deadline` from the moment it is handed out.
    pub async fn start(events: Vec<String>, deadline: Duration) -> RuntimeApi {
        let shared = Arc::new(Shared {
            events: Mutex::new(events.into()),
            deadlines: Mutex::default(),
            answers: Mutex::default(),
            deadline,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        RuntimeApi { addr, shared }
    }

    /// The function's environment for this API.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        variables(&self.addr)
    }

    /// Waits until `n` invocations were answered (or `timeout`); returns the answers.
    pub async fn wait_for_answers(&self, n: usize, timeout: Duration) -> Vec<Answer> {
        let end = tokio::time::Instant::now() + timeout;
        loop {
            let answers = self.shared.answers.lock().unwrap().clone();
            if answers.len() >= n || tokio::time::Instant::now() >= end {
                return answers;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
