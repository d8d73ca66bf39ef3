//! `trailflow query`: ad-hoc SQL, or a saved investigation query, over the
//! normalized tables of local log files, with objects pruned by the date in
//! their key when a time range is given.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Scalar, TimestampMicrosecondArray, TimestampSecondArray,
};
use arrow::compute::kernels::cmp::{gt_eq, lt_eq};
use arrow::compute::{and, filter_record_batch};
use arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::output::OutputError;
use super::saved::{SavedQuery, parse_params};
use super::timerange::TimeRange;
use super::{QueryArgs, QueryOutput, inputs};
use crate::config::{Config, ConfigError};
use crate::decode::{DecodeOptions, RecordFilter, decode_object};
use crate::engine::{
    EngineError, columns_read_by, embedded, new_context, read_sql_files, record_filter_of,
};
use crate::schema::LogKind;
use crate::source::s3::{S3Location, S3Object, S3Reader};

/// Errors that stop `trailflow query`.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Reading inputs or writing output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Bad flags or parameters.
    #[error("{0}")]
    Usage(String),
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The engine could not be set up.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The SQL failed.
    #[error("query failed: {0}")]
    Sql(#[from] DataFusionError),
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Listing or reading S3 failed.
    #[error(transparent)]
    S3(#[from] crate::source::s3::S3Error),
    /// An archive file could not be read.
    #[error("{0}")]
    Parquet(String),
    /// Arrow failed while filtering or formatting.
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// The saved investigation queries: the built-in ones, or those of `dir`.
pub fn saved_queries(dir: Option<&std::path::Path>) -> Result<Vec<SavedQuery>, QueryError> {
    let files: Vec<(String, String)> = match dir {
        Some(d) => read_sql_files(d)?,
        None => embedded::ADHOC_QUERIES
            .iter()
            .map(|(f, s)| (f.to_string(), s.to_string()))
            .collect(),
    };
    Ok(files.iter().map(|(f, s)| SavedQuery::parse(f, s)).collect())
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or_default()
}

/// The column that places a record of `kind` in time (for `--since`, `--from`, `--to`): the
/// one whose UTC date is the record's archive partition, so that pruning partitions and
/// filtering rows agree.
fn time_column(kind: LogKind) -> &'static str {
    crate::archive::partition::columns(kind).time
}

/// Keeps the rows of `batch` whose time lies in `range`.
fn filter_time(
    kind: LogKind,
    batch: &RecordBatch,
    range: &TimeRange,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let Some(times) = batch.column_by_name(time_column(kind)) else {
        return Ok(batch.clone());
    };
    let (low, high): (ArrayRef, ArrayRef) = if kind == LogKind::FlowLog {
        (
            Arc::new(
                TimestampSecondArray::from(vec![range.from.div_euclid(1_000_000)])
                    .with_timezone("+00:00"),
            ),
            Arc::new(
                TimestampSecondArray::from(vec![range.to.div_euclid(1_000_000)])
                    .with_timezone("+00:00"),
            ),
        )
    } else {
        (
            Arc::new(TimestampMicrosecondArray::from(vec![range.from]).with_timezone("+00:00")),
            Arc::new(TimestampMicrosecondArray::from(vec![range.to]).with_timezone("+00:00")),
        )
    };
    let mask: BooleanArray = and(
        &gt_eq(times, &Scalar::new(low))?,
        &lt_eq(times, &Scalar::new(high))?,
    )?;
    if mask.null_count() == 0 && mask.true_count() == batch.num_rows() {
        return Ok(batch.clone());
    }
    filter_record_batch(batch, &mask)
}

/// One object to read: a local file or an S3 object.
enum Input {
    Local(std::path::PathBuf),
    S3(S3Reader, S3Object),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Local(path) => path.display().to_string(),
            Input::S3(_, object) => object.url(),
        }
    }

    async fn read(&self) -> Result<Vec<u8>, QueryError> {
        match self {
            Input::Local(path) => std::fs::read(path).map_err(|e| {
                std::io::Error::new(e.kind(), format!("{}: {e}", path.display())).into()
            }),
            Input::S3(reader, object) => Ok(reader.get(object).await?),
        }
    }
}

/// Local files (directories walked) and the objects under `s3://bucket/prefix` paths.
async fn list_inputs(paths: &[std::path::PathBuf]) -> Result<Vec<Input>, QueryError> {
    let mut out = Vec::new();
    let mut reader: Option<S3Reader> = None;
    for path in paths {
        match S3Location::parse(&path.to_string_lossy()) {
            Some(location) => {
                let client = match &reader {
                    Some(r) => r.clone(),
                    None => reader.insert(S3Reader::from_env().await).clone(),
                };
                for object in client.list(&location).await? {
                    out.push(Input::S3(client.clone(), object));
                }
            }
            None => out.extend(
                inputs::collect_files(std::slice::from_ref(path))?
                    .into_iter()
                    .map(Input::Local),
            ),
        }
    }
    Ok(out)
}

/// Registers (or replaces) every table with its batches.
fn register_tables(
    ctx: &SessionContext,
    mut tables: BTreeMap<LogKind, Vec<RecordBatch>>,
) -> Result<(), DataFusionError> {
    for kind in LogKind::ALL {
        let table = MemTable::try_new(
            kind.schema(),
            vec![tables.remove(&kind).unwrap_or_default()],
        )?;
        ctx.deregister_table(kind.table_name())?;
        ctx.register_table(kind.table_name(), Arc::new(table))?;
    }
    Ok(())
}

/// Runs `trailflow query`.
pub async fn run(
    args: &QueryArgs,
    mut stdout: impl Write,
    stderr: &mut dyn Write,
) -> Result<usize, QueryError> {
    // Not generic past this line: see `cli::decode::run`.
    answer(args, &mut stdout, stderr).await
}

async fn answer(
    args: &QueryArgs,
    mut stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<usize, QueryError> {
    if args.list {
        for q in saved_queries(args.queries.as_deref())? {
            writeln!(stdout, "{}\n    {}", q.name, q.description)?;
            for p in &q.params {
                writeln!(stdout, "    --param {}=...  {}", p.name, p.description)?;
            }
        }
        return Ok(0);
    }
    let sql = match (&args.sql, &args.saved) {
        (Some(sql), None) => sql.clone(),
        (None, Some(name)) => {
            let saved = saved_queries(args.queries.as_deref())?;
            let query = saved.iter().find(|q| &q.name == name).ok_or_else(|| {
                QueryError::Usage(format!(
                    "no saved query `{name}` (see `trailflow query --list`)"
                ))
            })?;
            query
                .render(&parse_params(&args.params).map_err(QueryError::Usage)?)
                .map_err(QueryError::Usage)?
        }
        _ => {
            return Err(QueryError::Usage(
                "give exactly one of --sql, --saved or --list".into(),
            ));
        }
    };
    if args.paths.is_empty() {
        return Err(QueryError::Usage(
            "give the files or directories to query".into(),
        ));
    }
    let range = TimeRange::from_flags(
        args.since.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
        now_micros(),
    )
    .map_err(QueryError::Usage)?;
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };

    // Plan the query on empty tables first (a bad query fails before any object is read), so
    // that the decoders fill only the columns it reads, and the time-range filter's.
    let ctx = new_context(&config.lookups)?;
    register_tables(&ctx, BTreeMap::new())?;
    let state = ctx.state();
    let plan = state.optimize(&state.create_logical_plan(&sql).await?)?;
    let columns = LogKind::ALL
        .into_iter()
        .fold(columns_read_by([&plan]), |columns, kind| {
            columns.with(kind, time_column(kind))
        });
    // Records the query's filters cannot keep are left unparsed (see `decode::RecordFilter`).
    let options = DecodeOptions {
        columns,
        filter: match args.parse_all {
            true => RecordFilter::none(),
            false => record_filter_of([&plan]),
        },
        ..DecodeOptions::default()
    };
    let mut ruled_out = 0;
    let mut tables: BTreeMap<LogKind, Vec<RecordBatch>> = BTreeMap::new();
    let (mut read, mut pruned, mut bytes_read) = (0, 0, 0u64);
    for input in list_inputs(&args.paths).await? {
        let name = input.name();
        if let Some((kind, date)) = super::lake::archive_file(&name) {
            // A file of the Parquet archive: pruned by its partition date, read, not decoded.
            if range.is_some_and(|r| !super::lake::may_contain(&r, &date)) {
                pruned += 1;
                continue;
            }
            read += 1;
            let (batches, bytes) = match &input {
                Input::Local(path) => super::lake::read(
                    kind,
                    std::fs::File::open(path).map_err(|e| {
                        std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                    })?,
                    &options.columns,
                    range.as_ref(),
                ),
                Input::S3(..) => {
                    let bytes = bytes::Bytes::from(input.read().await?);
                    super::lake::read(kind, bytes, &options.columns, range.as_ref())
                }
            }
            .map_err(|e| QueryError::Parquet(format!("{name}: {e}")))?;
            bytes_read += bytes;
            for batch in batches {
                let batch = match &range {
                    Some(r) => filter_time(kind, &batch, r)?,
                    None => batch,
                };
                tables.entry(kind).or_default().push(batch);
            }
            continue;
        }
        if range.is_some_and(|r| !r.may_contain(&name)) {
            pruned += 1;
            continue;
        }
        read += 1;
        let bytes = input.read().await?;
        bytes_read += bytes.len() as u64;
        let decoded = decode_object(&name, &bytes, args.kind.into(), &options);
        ruled_out += decoded.ruled_out;
        for e in &decoded.errors.details {
            writeln!(stderr, "{name}: {e}")?;
        }
        if let Some(fatal) = &decoded.fatal {
            writeln!(stderr, "{name}: {fatal}")?;
        }
        for (kind, batch) in decoded.batches {
            let schema = kind.schema();
            let batch = RecordBatch::try_new(
                schema.clone(),
                batch.columns()[..schema.fields().len()].to_vec(),
            )?;
            let batch = match &range {
                Some(r) => filter_time(kind, &batch, r)?,
                None => batch,
            };
            tables.entry(kind).or_default().push(batch);
        }
    }
    register_tables(&ctx, tables)?;
    let frame = ctx.sql(&sql).await?;
    let schema = Arc::clone(frame.schema().inner());
    let results = frame.collect().await?;
    let rows: usize = results.iter().map(RecordBatch::num_rows).sum();
    match args.output {
        QueryOutput::Table => writeln!(
            stdout,
            "{}",
            arrow::util::pretty::pretty_format_batches(&results)?
        )?,
        QueryOutput::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut stdout);
            for b in &results {
                w.write(b)?;
            }
        }
        QueryOutput::Ndjson => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut stdout);
            for b in &results {
                w.write(b)?;
            }
            w.finish()?;
        }
        QueryOutput::Parquet => {
            let path = args.out.as_ref().ok_or(OutputError::MissingOutDir)?;
            let file = std::fs::File::create(path)?;
            let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None)
                .map_err(OutputError::from)?;
            for b in &results {
                w.write(b).map_err(OutputError::from)?;
            }
            w.close().map_err(OutputError::from)?;
        }
    }
    stdout.flush()?;
    writeln!(
        stderr,
        "{rows} rows from {read} objects ({pruned} pruned by time range), {bytes_read} bytes read{}",
        match ruled_out {
            0 => String::new(),
            n => format!(", {n} records the query cannot keep left unparsed"),
        }
    )?;
    Ok(rows)
}
