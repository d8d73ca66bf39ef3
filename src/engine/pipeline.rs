//! The pipeline from object bytes to series: decode, window, evaluate, aggregate, and the
//! completeness check of CloudTrail digests over the objects pushed. `trailflow replay`,
//! the benchmarks and the examples drive it over files; the daemon (`app`) wires the same
//! parts itself, around its queue, ledger and acknowledgements.

use std::time::{Duration, Instant};

use super::digests::DigestCheck;
use super::{Engine, EngineError, WindowPolicy, Windower};
use crate::config::Config;
use crate::decode::{
    ContentFormat, DecodeOptions, DecodedObject, KindHint, RecordFilter, decode_object,
};
use crate::metrics::{Catalog, MetricPoint, PointValue, SeriesSet};
use crate::schema::LogKind;

/// Counts of what went through the pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Objects pushed.
    pub objects: u64,
    /// Records decoded.
    pub records: u64,
    /// Records left unparsed because no query can keep them (`Engine::record_filter`).
    pub ruled_out: u64,
    /// Windows evaluated.
    pub windows: u64,
    /// Record errors.
    pub record_errors: u64,
    /// Objects that ended with an object-level error.
    pub failed_objects: u64,
}

/// Decoder, windower, engine and series set, wired together.
pub struct Pipeline {
    engine: Engine,
    windower: Windower<String>,
    series: SeriesSet,
    options: DecodeOptions,
    stats: PipelineStats,
    digests: DigestCheck,
}

impl Pipeline {
    /// Plans the queries of `catalog` with `config`. When `paced` is false (replay),
    /// windows close on rows only, not on age.
    pub async fn new(
        config: &Config,
        catalog: Catalog,
        paced: bool,
    ) -> Result<Pipeline, EngineError> {
        let engine = Engine::new(catalog, &config.lookups).await?;
        let series = SeriesSet::new(engine.catalog(), config.engine.series_limit);
        let max_age = if paced {
            Duration::from_secs(config.engine.window_max_age_secs)
        } else {
            Duration::from_secs(u64::MAX / 4)
        };
        let windower = Windower::new(WindowPolicy {
            max_age,
            ..WindowPolicy::of(&config.engine)
        });
        // Unlike the daemon, replay may leave records unparsed that no query can keep.
        let options = DecodeOptions {
            filter: engine.record_filter().clone(),
            ..engine.decode_options()
        };
        Ok(Pipeline {
            engine,
            windower,
            series,
            options,
            stats: PipelineStats::default(),
            digests: DigestCheck::new(config.engine.digest_grace_secs, 0),
        })
    }

    /// Decodes one object into the open window, evaluating the window when it fills up.
    /// Returns the decoded object (its errors, its counts) after its batches were taken.
    pub async fn push(
        &mut self,
        name: &str,
        bytes: &[u8],
        hint: KindHint,
    ) -> Result<DecodedObject, EngineError> {
        let mut decoded = decode_object(name, bytes, hint, &self.options);
        self.stats.objects += 1;
        self.stats.records += decoded.rows() as u64;
        self.stats.ruled_out += decoded.ruled_out;
        self.stats.record_errors += decoded.errors.count;
        self.stats.failed_objects += u64::from(decoded.fatal.is_some());
        let batches = std::mem::take(&mut decoded.batches);
        self.digests.note_counted(name, unix_now());
        let digests: Vec<_> = batches
            .iter()
            .filter(|(k, _)| *k == LogKind::CloudTrailDigest)
            .map(|(_, b)| b.clone())
            .collect();
        self.digests.note_digests(&digests, unix_now());
        // Only the CloudTrail and flow-log text decoders take a filter.
        let unparsed = match decoded.format {
            ContentFormat::FlowLogText => Some(LogKind::FlowLog),
            ContentFormat::CloudTrailJson => Some(LogKind::CloudTrail),
            _ => None,
        }
        .map(|kind| (kind, decoded.ruled_out as usize))
        .filter(|(_, n)| *n > 0);
        if let Some(window) =
            self.windower
                .push_unparsed(name.to_string(), batches, unparsed, Instant::now())
        {
            self.series.record_all(self.engine.evaluate(&window).await?);
            self.stats.windows += 1;
        }
        Ok(decoded)
    }

    /// Evaluates the open window, if any, and judges the digests that are due.
    pub async fn finish(&mut self) -> Result<(), EngineError> {
        if let Some(window) = self.windower.flush() {
            self.series.record_all(self.engine.evaluate(&window).await?);
            self.stats.windows += 1;
        }
        self.digests.advance(unix_now());
        let points = missing_file_points(&self.series, &self.digests);
        self.series.record_all(points);
        Ok(())
    }

    /// Parses every record, also those no query can keep (`replay --parse-all`).
    pub fn parse_every_record(&mut self) {
        self.options.filter = RecordFilter::none();
    }

    /// The series so far.
    pub fn series(&self) -> &SeriesSet {
        &self.series
    }

    /// The counts so far.
    pub fn stats(&self) -> PipelineStats {
        self.stats
    }

    /// What the decoders are asked for: the columns the queries read, and the records no query
    /// can keep.
    pub fn decode_options(&self) -> &DecodeOptions {
        &self.options
    }
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Name of the gauge of files vouched for by digests but not counted.
pub const MISSING_FILES: &str = "trailflow.cloudtrail.digest.missing_files";

/// Points of [`MISSING_FILES`] for the series set `series`, one per account and region.
pub fn missing_file_points(series: &SeriesSet, digests: &DigestCheck) -> Vec<MetricPoint> {
    let Some(metric) = series
        .metrics()
        .iter()
        .position(|m| m.name == MISSING_FILES)
    else {
        return Vec::new();
    };
    digests
        .missing()
        .into_iter()
        .map(|((account, region), files)| MetricPoint {
            metric,
            labels: vec![account, region],
            value: PointValue::Number(files as f64),
        })
        .collect()
}
