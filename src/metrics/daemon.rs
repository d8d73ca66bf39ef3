//! Metrics the daemon records about itself (no SQL: `table: daemon`). They
//! share the catalog, the series limit and the sinks with the query metrics,
//! so dashboards and alerts can be checked against one list of names.

/// (pseudo file name, header) of every daemon metric.
pub const DAEMON_METRICS: &[(&str, &str)] = &[
    (
        "daemon:objects",
        "-- metric: trailflow.pipeline.objects
-- instrument: counter
-- unit: {object}
-- description: Objects by outcome: counted, duplicate (already counted), busy (claimed by another replica), not_found, access_denied, fetch_error, undecodable, dropped (message lost before export), ledger_error, archive_failed (its records could not be written to the archive; message left for redrive), decoder_panic (the decoder panicked on it: a bug, logged with the object; message left for redrive).
-- table: daemon
-- value: objects
-- labels: outcome
-- serves: pipeline · objects processed and errors",
    ),
    (
        "daemon:bytes",
        "-- metric: trailflow.pipeline.bytes
-- instrument: counter
-- unit: By
-- description: Bytes of objects fetched (as stored, before gunzip), by log kind.
-- table: daemon
-- value: bytes
-- labels: kind
-- serves: pipeline · bytes processed by log kind",
    ),
    (
        "daemon:record_errors",
        "-- metric: trailflow.pipeline.record_errors
-- instrument: counter
-- unit: {record}
-- description: Records that could not be decoded (the rest of their object is kept), by log kind.
-- table: daemon
-- value: errors
-- labels: kind
-- serves: pipeline · decode errors by kind",
    ),
    (
        "daemon:skipped_records",
        "-- metric: trailflow.pipeline.skipped_records
-- instrument: counter
-- unit: {record}
-- description: Records deliberately not decoded, by log kind: CloudWatch Logs events of streams trailflow does not read (an EKS control plane's API server, authenticator, scheduler and controller-manager logs, which share the audit log's group).
-- table: daemon
-- value: records
-- labels: kind
-- serves: pipeline · records skipped by design",
    ),
    (
        "daemon:messages",
        "-- metric: trailflow.sqs.messages
-- instrument: counter
-- unit: {message}
-- description: SQS messages by outcome: received, deleted, discarded (test events, removals), unrecognized (left for the DLQ), abandoned (an object failed: left for redrive), lost (visibility lapsed), delete_failed.
-- table: daemon
-- value: messages
-- labels: outcome, envelope
-- serves: pipeline · SQS messages received, deleted, sent to DLQ",
    ),
    (
        "daemon:redeliveries",
        "-- metric: trailflow.sqs.redeliveries
-- instrument: counter
-- unit: {message}
-- description: Messages received more than once (ApproximateReceiveCount above 1).
-- table: daemon
-- value: messages
-- labels:
-- serves: pipeline · SQS messages redelivered",
    ),
    (
        "daemon:lag",
        "-- metric: trailflow.sqs.lag
-- instrument: histogram
-- unit: s
-- description: Time from a notification's arrival in the queue (SentTimestamp) to its receipt by trailflow.
-- table: daemon
-- value: seconds
-- labels:
-- serves: pipeline · queue lag",
    ),
    (
        "daemon:visibility",
        "-- metric: trailflow.sqs.visibility_extensions
-- instrument: counter
-- unit: {message}
-- description: Visibility extensions by outcome (ok, failed).
-- table: daemon
-- value: messages
-- labels: outcome
-- serves: pipeline · visibility extensions",
    ),
    (
        "daemon:queue_depth",
        "-- metric: trailflow.sqs.queue.messages
-- instrument: gauge
-- unit: {message}
-- description: Approximate messages in the notification queue by state (visible: waiting, in_flight: received and not deleted, delayed), read every `depth_interval_secs`.
-- table: daemon
-- value: messages
-- labels: queue, state
-- serves: pipeline · backlog (also what KEDA scales on)",
    ),
    (
        "daemon:dlq_depth",
        "-- metric: trailflow.sqs.dlq.messages
-- instrument: gauge
-- unit: {message}
-- description: Approximate messages in the dead-letter queue (from the queue's redrive policy or `dead_letter_queue_url`): notifications trailflow gave up on.
-- table: daemon
-- value: messages
-- labels: queue
-- serves: pipeline · SQS messages sent to DLQ",
    ),
    (
        "daemon:exports",
        "-- metric: trailflow.export.attempts
-- instrument: counter
-- unit: {export}
-- description: Export attempts by outcome (ok, failed); a failed export is retried and deletes nothing.
-- table: daemon
-- value: exports
-- labels: outcome
-- serves: pipeline · export failures",
    ),
    (
        "daemon:last_export",
        "-- metric: trailflow.export.last_success_time
-- instrument: gauge
-- unit: s
-- description: Unix time of this replica's latest successful export, written into the export it describes (so a collector only ever holds a success). The daemon exports at least every `engine.window_max_age_secs` (30 s) even when idle, so `time()` minus it is how long trailflow has been unable to export (or dead): the failure counter cannot say so in an OTLP-only deployment, since it only arrives with the next success.
-- table: daemon
-- value: seconds
-- labels:
-- serves: pipeline · export failures; trailflow down",
    ),
    (
        "daemon:ledger_conflicts",
        "-- metric: trailflow.ledger.conflicts
-- instrument: counter
-- unit: {object}
-- description: Objects whose claim another replica took over before the commit (their records may be counted twice).
-- table: daemon
-- value: objects
-- labels:
-- serves: pipeline · exactness",
    ),
    (
        "daemon:ledger_claims_confirmed",
        "-- metric: trailflow.ledger.claims_confirmed_before_export
-- instrument: counter
-- unit: {claim}
-- description: Claims renewed right before an export because the heartbeat had not renewed them recently enough to outlast it (a held-up heartbeat); those another replica had taken meanwhile are dropped from the export (`trailflow.pipeline.objects{outcome=\"dropped\"}`). Rising steadily: the process is starved or its ledger slow.
-- table: daemon
-- value: claims
-- labels:
-- serves: pipeline · exactness",
    ),
    (
        "daemon:overflow",
        "-- metric: trailflow.series.overflow
-- instrument: counter
-- unit: {series}
-- description: Label sets whose foldable labels were folded to `other` because their metric reached its series limit, by metric and the labels folded (comma-separated, in folding order); `*` counts label sets sent whole to the overflow series.
-- table: daemon
-- value: series
-- labels: metric, label
-- serves: pipeline · series dropped by cardinality limits",
    ),
    (
        "daemon:digest_missing",
        "-- metric: trailflow.cloudtrail.digest.missing_files
-- instrument: gauge
-- unit: {file}
-- description: CloudTrail log files that a digest file vouches for but trailflow has not counted, per account and region, over the digests judged in the last 24 hours; a digest is judged once it is older than `engine.digest_grace_secs` (default 2 h, for late deliveries) and the daemon has known it that long too (a backfill delivers a digest and its files together, in any order), or the run ended with its input (a directory source, a Lambda batch: every object was counted first); until then its account and region read 0. With several replicas, files another replica counted are found in the shared ledger. Nonzero means evidence is missing: files deleted or never delivered to trailflow's queue.
-- table: daemon
-- value: files
-- labels: account, region
-- serves: C12 · \"CloudTrail log file integrity validation\"; audit trail completeness
-- variants: Digest files (CloudTrail-Digest/, one row per logFiles[] entry) of single-account and organization trails; log files are matched by their key from AWSLogs/ on, wherever they were read from.
-- leaves out: Digest signatures are not verified; a replica that restarts forgets the digests it was waiting to judge; in Lambda mode a digest that arrives before its grace is over is never judged (an invocation cannot wait).",
    ),
];
