//! `trailflow lambda`: inside AWS Lambda, the runtime client (`lambda_runtime`) around
//! [`crate::app::lambda::handle`]; and `trailflow lambda-invoke`: the same handler, locally, on an
//! event file. One binary serves both the container service and the function, so the image
//! runs as a Lambda function with its command set to `lambda`.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

use super::run::load;
use super::{LambdaArgs, LambdaInvokeArgs};
use crate::app::lambda::{LambdaConfig, LambdaError, configure, handle};
use crate::config::ConfigError;

/// The variables the Lambda service sets; without them this is not inside Lambda.
const RUNTIME_VARIABLES: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// Why Lambda mode could not run.
#[derive(Debug, thiserror::Error)]
pub enum LambdaCliError {
    /// `trailflow lambda` outside Lambda.
    #[error(
        "`trailflow lambda` runs inside AWS Lambda ({0} not set); to run a batch locally use \
         `trailflow lambda-invoke EVENT.json`"
    )]
    NotInLambda(String),
    /// The configuration file or variables.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The configuration cannot work in Lambda, or the pipeline could not start.
    #[error(transparent)]
    Lambda(#[from] LambdaError),
    /// The event file of `lambda-invoke`.
    #[error("the event {path}: {message}")]
    Event {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The Lambda Runtime API failed (the function cannot take invocations).
    #[error("Lambda runtime API: {0}")]
    Runtime(String),
    /// Writing the response or starting the async runtime.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Takes invocations from the Lambda Runtime API until the environment is shut down.
/// The configuration is checked once, at cold start: a bad one fails the init, visibly,
/// instead of every invocation.
pub fn serve(args: &LambdaArgs) -> Result<(), LambdaCliError> {
    let missing: Vec<&str> = RUNTIME_VARIABLES
        .into_iter()
        .filter(|v| std::env::var_os(v).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(LambdaCliError::NotInLambda(missing.join(", ")));
    }
    let env = std::env::vars().collect();
    let config = Arc::new(configure(load(args.config.as_deref())?, &env)?);
    let handler = service_fn(move |event: LambdaEvent<SqsEvent>| {
        let config = LambdaConfig::clone(&config);
        async move {
            let request_id = event.context.request_id;
            let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
            tracing::info!(%request_id, records = event.payload.records.len(), "invocation");
            handle(config, &event.payload, Some(deadline))
                .await
                .map_err(|e| {
                    tracing::error!(%request_id, error = %e, "invocation failed; Lambda retries the batch");
                    lambda_runtime::Error::from(e.to_string())
                })
        }
    });
    runtime()?
        .block_on(lambda_runtime::run(handler))
        .map_err(|e| LambdaCliError::Runtime(e.to_string()))
}

/// Runs the handler once on the event file (or standard input) and writes the response.
pub fn invoke(args: &LambdaInvokeArgs, out: &mut dyn Write) -> Result<(), LambdaCliError> {
    let path = if args.event.as_os_str() == "-" {
        "on standard input".to_string()
    } else {
        args.event.display().to_string()
    };
    let fail = |message: String| LambdaCliError::Event {
        path: path.clone(),
        message,
    };
    let text = if args.event.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(&args.event)
    }
    .map_err(|e| fail(e.to_string()))?;
    let event: SqsEvent =
        serde_json::from_str(&text).map_err(|e| fail(format!("not an SQS event: {e}")))?;
    let env = std::env::vars().collect();
    let config = configure(load(args.config.as_deref())?, &env)?;
    let response = runtime()?.block_on(handle(config, &event, None))?;
    let json = serde_json::to_string(&response).map_err(|e| fail(e.to_string()))?;
    writeln!(out, "{json}")?;
    Ok(())
}
