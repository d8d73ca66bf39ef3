//! The metric engine: loads the saved queries of `queries/metrics/` and plans
//! them against the window tables at start-up (a broken query stops the
//! program with its file name and DataFusion's message), then runs every query
//! of a table once per window and turns the result rows into metric points.
//! Knows DataFusion; knows nothing of where the points go.

mod columns;
pub mod digests;
pub mod functions;
pub mod lookup;
pub mod pipeline;
pub mod points;
mod prefilter;
mod table;
pub mod window;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::collect;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::config::Lookups;
use crate::decode::{ColumnSelection, DecodeOptions, RecordFilter};
use crate::metrics::MetricPoint;
use crate::metrics::catalog::{Catalog, CatalogError, MetricQuery};
use crate::schema::LogKind;
pub use columns::read_by as columns_read_by;
pub use pipeline::{Pipeline, PipelineStats};
pub use prefilter::filter_of as record_filter_of;
use table::WindowTable;
pub use window::{Window, WindowPolicy, Windower};

/// The saved queries built into the binary.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_queries.rs"));
}

/// Errors of the engine, each naming the query file concerned.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A query directory could not be read.
    #[error("reading queries from {dir}: {source}")]
    Io {
        /// The directory.
        dir: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// A query header is invalid.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A query does not plan, or its result does not fit its header.
    #[error("{file}: {message}")]
    Plan {
        /// The query file.
        file: String,
        /// DataFusion's message, or what is wrong with the result columns.
        message: String,
    },
    /// A query failed on a window.
    #[error("{file}: {source}")]
    Execute {
        /// The query file.
        file: String,
        /// DataFusion's error.
        source: DataFusionError,
    },
    /// Registering the lookup tables failed.
    #[error("registering lookup tables: {0}")]
    Lookups(DataFusionError),
}

/// Reads the metric queries of `dir`, or the built-in ones when `dir` is `None`.
pub fn load_catalog(dir: Option<&Path>) -> Result<Catalog, EngineError> {
    let files: Vec<(String, String)> = match dir {
        None => embedded::METRIC_QUERIES
            .iter()
            .map(|(f, s)| (f.to_string(), s.to_string()))
            .collect(),
        Some(dir) => read_sql_files(dir)?,
    };
    let queries = files
        .iter()
        .map(|(file, sql)| (file.as_str(), sql.as_str()))
        .chain(crate::metrics::daemon::DAEMON_METRICS.iter().copied())
        .map(|(file, sql)| MetricQuery::parse(file, sql))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Catalog::new(queries)?)
}

/// The `.sql` files of a directory, sorted by name.
pub fn read_sql_files(dir: &Path) -> Result<Vec<(String, String)>, EngineError> {
    let io = |source| EngineError::Io {
        dir: dir.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|x| x == "sql") {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            files.push((name, std::fs::read_to_string(&path).map_err(io)?));
        }
    }
    files.sort();
    Ok(files)
}

/// A DataFusion context with trailflow's lookup tables and functions registered.
pub fn new_context(lookups: &Lookups) -> Result<SessionContext, EngineError> {
    // One partition: the engine runs per window on one core; parallelism comes from the pipeline around it.
    let config = SessionConfig::new()
        .with_target_partitions(1)
        .with_information_schema(true);
    let ctx = SessionContext::new_with_config(config);
    lookup::register(&ctx, lookups).map_err(EngineError::Lookups)?;
    Ok(ctx)
}

struct Planned {
    metric: usize,
    table: LogKind,
    query: MetricQuery,
    plan: LogicalPlan,
    /// The plan after the logical optimizer, for queries that do not read the evaluation
    /// time: only physical planning is left for each window. Queries with `now()` (or
    /// `current_*`) are optimized per window, since the optimizer folds the time in.
    optimized: Option<LogicalPlan>,
}

/// One query over the window tables as they are set: physical planning, execution, points.
async fn run_query(
    p: &Planned,
    state: &datafusion::execution::SessionState,
    task: Arc<datafusion::execution::TaskContext>,
) -> Result<Vec<MetricPoint>, EngineError> {
    let exec = |source| EngineError::Execute {
        file: p.query.file.clone(),
        source,
    };
    let physical = match &p.optimized {
        Some(plan) => {
            state
                .query_planner()
                .create_physical_plan(plan, state)
                .await
        }
        None => state.create_physical_plan(&p.plan).await,
    }
    .map_err(exec)?;
    let batches = collect(physical, task).await.map_err(exec)?;
    points::to_points(p.metric, &p.query, &batches).map_err(|e| exec(e.into()))
}

/// True when a query reads the time of evaluation, which the optimizer folds into a constant.
fn reads_evaluation_time(sql: &str) -> bool {
    let sql = sql.to_ascii_lowercase();
    sql.contains("now(") || sql.contains("current_")
}

/// Saved queries planned against the window tables.
pub struct Engine {
    ctx: SessionContext,
    tables: BTreeMap<LogKind, Arc<WindowTable>>,
    planned: Vec<Arc<Planned>>,
    catalog: Catalog,
    reads: ColumnSelection,
    filter: RecordFilter,
}

impl Engine {
    /// Registers the tables and plans every query of `catalog`.
    pub async fn new(catalog: Catalog, lookups: &Lookups) -> Result<Engine, EngineError> {
        let ctx = new_context(lookups)?;
        let mut tables = BTreeMap::new();
        for kind in LogKind::ALL {
            let table = Arc::new(WindowTable::new(kind.schema()));
            ctx.register_table(kind.table_name(), table.clone())
                .map_err(EngineError::Lookups)?;
            tables.insert(kind, table);
        }
        let names: Vec<String> = catalog.metrics().iter().map(|m| m.name.clone()).collect();
        let mut planned = Vec::new();
        let mut read_plans = Vec::new();
        for (query, table) in catalog.queries.iter().filter_map(|q| Some((q, q.table?))) {
            let plan_err = |message: String| EngineError::Plan {
                file: query.file.clone(),
                message,
            };
            let plan = ctx
                .state()
                .create_logical_plan(&query.sql)
                .await
                .map_err(|e| plan_err(e.to_string()))?;
            // Physical planning also checks functions and types: do it once on the empty tables.
            ctx.state()
                .create_physical_plan(&plan)
                .await
                .map_err(|e| plan_err(e.to_string()))?;
            points::check_result_schema(query, plan.schema().as_arrow()).map_err(plan_err)?;
            let optimized = ctx
                .state()
                .optimize(&plan)
                .map_err(|e| plan_err(e.to_string()))?;
            read_plans.push(optimized.clone());
            let optimized = (!reads_evaluation_time(&query.sql)).then_some(optimized);
            let metric = names
                .iter()
                .position(|n| *n == query.name)
                .unwrap_or_default();
            planned.push(Arc::new(Planned {
                metric,
                table,
                query: query.clone(),
                plan,
                optimized,
            }));
        }
        Ok(Engine {
            ctx,
            tables,
            planned,
            catalog,
            reads: columns::read_by(&read_plans),
            filter: prefilter::filter_of(&read_plans),
        })
    }

    /// The metrics and their queries.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The columns the queries read: the decoders need fill no others.
    pub fn columns_read(&self) -> &ColumnSelection {
        &self.reads
    }

    /// The records no query can keep a row of (records of a table whose every query filters
    /// it on literals hold one of them). The daemon does not use it: its counters cover every
    /// record. `replay` does.
    pub fn record_filter(&self) -> &RecordFilter {
        &self.filter
    }

    /// Decoding options for objects whose records feed this engine: the decoders fill only
    /// the columns the queries read.
    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            columns: self.reads.clone(),
            ..DecodeOptions::default()
        }
    }

    /// Runs every query whose table has rows in `window`; returns the window's points.
    pub async fn evaluate<O>(
        &mut self,
        window: &Window<O>,
    ) -> Result<Vec<MetricPoint>, EngineError> {
        for (kind, table) in &self.tables {
            table.set(window.batches(*kind));
        }
        let mut state = self.ctx.state();
        // `now()` in a query means the time this window is evaluated.
        state.mark_start_execution();
        // The queries run as tasks, as many at once as the process has cores: on one core one
        // at a time, as before; on more, a window is evaluated in a fraction of the time, which
        // the coordinator (one task, which also exports) would otherwise spend alone while the
        // decoders wait for the room its export gives back.
        let due: Vec<Arc<Planned>> = self
            .planned
            .iter()
            .filter(|p| self.tables.get(&p.table).is_some_and(|t| t.rows() > 0))
            .cloned()
            .collect();
        let at_once = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut out = Vec::new();
        for group in due.chunks(at_once) {
            let tasks: Vec<_> = group
                .iter()
                .map(|p| {
                    let (p, state, task) = (Arc::clone(p), state.clone(), self.ctx.task_ctx());
                    tokio::spawn(async move { run_query(&p, &state, task).await })
                })
                .collect();
            for (p, task) in group.iter().zip(tasks) {
                let points = task.await.map_err(|e| EngineError::Execute {
                    file: p.query.file.clone(),
                    source: datafusion::error::DataFusionError::Execution(format!(
                        "query task failed: {e}"
                    )),
                })??;
                out.extend(points);
            }
        }
        for table in self.tables.values() {
            table.set(Vec::new());
        }
        Ok(out)
    }
}
