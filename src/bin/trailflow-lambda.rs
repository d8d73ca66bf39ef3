//! `trailflow-lambda`: trailflow as an AWS Lambda function behind an SQS event source mapping
//! with `ReportBatchItemFailures`. Each invocation runs the daemon's pipeline over the batch
//! (claim, count, export, commit) and answers with the records that must come back; the
//! metrics are exported before it answers. Configuration: the file named by
//! `TRAILFLOW_CONFIG` (optional) and `TRAILFLOW_SECTION__FIELD` variables, as for the daemon.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use trailflow::config::Config;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The variables the Lambda service sets; without them this binary is not inside Lambda.
const RUNTIME_VARIABLES: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

fn load() -> Result<Config, trailflow::config::ConfigError> {
    match std::env::var_os("TRAILFLOW_CONFIG") {
        Some(path) => Config::load(std::path::Path::new(&path)),
        None => Config::parse("(defaults)", "", std::env::vars()),
    }
}

fn main() -> ExitCode {
    let filter = std::env::var("TRAILFLOW_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&filter)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time() // CloudWatch stamps every line
        .init();
    let missing: Vec<&str> = RUNTIME_VARIABLES
        .into_iter()
        .filter(|v| std::env::var_os(v).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "trailflow-lambda runs inside AWS Lambda ({} not set); to run a batch locally use \
             `trailflow lambda-invoke EVENT.json`",
            missing.join(", ")
        );
        return ExitCode::from(2);
    }
    // Checked once at cold start: a bad configuration fails the init, visibly, instead of
    // every invocation.
    let env = std::env::vars().collect();
    let config = match load()
        .map_err(|e| e.to_string())
        .and_then(|c| trailflow::lambda::configure(c, &env).map_err(|e| e.to_string()))
    {
        Ok(config) => Arc::new(config),
        Err(e) => {
            eprintln!("trailflow-lambda: {e}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("trailflow-lambda: starting the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let handler = service_fn(move |event: LambdaEvent<SqsEvent>| {
        let config = Config::clone(&config);
        async move {
            let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
            tracing::info!(
                request_id = %event.context.request_id,
                records = event.payload.records.len(),
                "invocation"
            );
            trailflow::lambda::handle(config, &event.payload, Some(deadline))
                .await
                .map_err(|e| {
                    tracing::error!(request_id = %event.context.request_id, error = %e, "invocation failed");
                    lambda_runtime::Error::from(e.to_string())
                })
        }
    });
    match runtime.block_on(lambda_runtime::run(handler)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trailflow-lambda: runtime API: {e}");
            ExitCode::from(1)
        }
    }
}
