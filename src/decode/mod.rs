//! Bytes in, Arrow out: inflate an object, pick its kind, and decode it into
//! record batches of the tables in [`crate::schema`]. No IO and no AWS types:
//! the same code serves the CLI, the daemon, tests and benchmarks.
//!
//! Errors come in two sizes. A record-level problem (one bad event, one bad
//! flow-log line) is counted and described in [`DecodedObject::errors`] and the
//! rest of the object still decodes. An object-level problem (corrupt gzip,
//! decompression bomb, unreadable Parquet) ends the object in
//! [`DecodedObject::fatal`]; the records decoded before it are kept.

mod bits;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod elb;
pub mod flowlog;
pub mod gzip;
mod json_scan;
pub mod json_split;
mod json_values;
pub mod k8s_audit;
mod prefilter;
mod selection;
pub mod timestamp;
pub mod waf;
mod whole_inflate;

use std::fmt;

use arrow::record_batch::RecordBatch;

pub use gzip::{InflateError, InflateLimits};
pub use json_split::SplitLimits;
pub use prefilter::{Needles, RecordFilter};
pub use selection::ColumnSelection;

use crate::schema::LogKind;

/// Which decoder to use for an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KindHint {
    /// From the key layout when it is AWS's, else from the content.
    #[default]
    Auto,
    /// CloudTrail JSON (events, Insights, digests).
    CloudTrail,
    /// VPC Flow Logs (text with or without header, or Parquet).
    FlowLog,
    /// Elastic Load Balancing access and connection logs.
    Elb,
    /// AWS WAF logs.
    Waf,
    /// Kubernetes audit events: CloudWatch Logs envelopes from Firehose, or bare events.
    K8sAudit,
}

/// Options of the decoders.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Inflation limits (decompression bombs).
    pub inflate: InflateLimits,
    /// Limits on a single CloudTrail record.
    pub split: SplitLimits,
    /// Rows per output batch.
    pub batch_rows: usize,
    /// Longest flow-log line accepted, in bytes.
    pub max_line_bytes: usize,
    /// Record errors described per object (all are counted).
    pub max_error_details: usize,
    /// The columns to fill (the rest are null); the engine sets it to what its queries read.
    pub columns: ColumnSelection,
    /// Records left unparsed because no query can keep them (none by default; see
    /// [`RecordFilter`]).
    pub filter: RecordFilter,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            inflate: InflateLimits::default(),
            split: SplitLimits::default(),
            batch_rows: 8192,
            max_line_bytes: 1024 * 1024,
            max_error_details: 20,
            columns: ColumnSelection::all(),
            filter: RecordFilter::none(),
        }
    }
}

/// Where in an object a record error was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A JSON record: 1-based ordinal (0 when between records) and byte offset in the decompressed content.
    Record {
        /// 1-based ordinal of the record.
        ordinal: u64,
        /// Byte offset in the decompressed content.
        offset: u64,
    },
    /// A 1-based line of a text object.
    Line(u64),
    /// The object as a whole.
    Object,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Record { ordinal: 0, offset } => write!(f, "byte {offset}"),
            Location::Record { ordinal, offset } => write!(f, "record {ordinal} (byte {offset})"),
            Location::Line(n) => write!(f, "line {n}"),
            Location::Object => f.write_str("object"),
        }
    }
}

/// One record that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Where it is.
    pub location: Location,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Counts record errors and keeps the first few.
#[derive(Debug, Default, Clone)]
pub struct ErrorLog {
    /// Every record error seen.
    pub count: u64,
    /// The first `max_error_details` of them.
    pub details: Vec<RecordError>,
    max_details: usize,
}

impl ErrorLog {
    fn new(max_details: usize) -> Self {
        Self {
            count: 0,
            details: Vec::new(),
            max_details,
        }
    }

    /// Counts one error, keeping its description while there is room.
    pub fn record(&mut self, location: Location, message: String) {
        self.count += 1;
        if self.details.len() < self.max_details {
            self.details.push(RecordError { location, message });
        }
    }
}

/// Batches and errors collected while decoding one object.
#[derive(Debug)]
pub struct Output {
    /// Decoded batches, each with the table it belongs to.
    pub batches: Vec<(LogKind, RecordBatch)>,
    /// Record errors.
    pub errors: ErrorLog,
    /// Records deliberately not decoded (CloudWatch Logs streams of other logs).
    pub skipped: u64,
    /// Records the filter ruled out unparsed.
    pub ruled_out: u64,
}

impl Output {
    fn new(max_error_details: usize) -> Self {
        Self {
            batches: Vec::new(),
            errors: ErrorLog::new(max_error_details),
            skipped: 0,
            ruled_out: 0,
        }
    }

    fn push(&mut self, kind: LogKind, batch: RecordBatch) {
        if batch.num_rows() > 0 {
            self.batches.push((kind, batch));
        }
    }
}

/// Why an object stopped decoding.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Inflating the content failed or hit a limit.
    #[error(transparent)]
    Inflate(#[from] InflateError),
    /// A file of trailflow's own archive, not a log object (only flow-log files read as one).
    #[error(
        "a Parquet file of the trailflow archive (table `{0}`): read it with `trailflow query`"
    )]
    ArchiveFile(String),
    /// The object has no content.
    #[error("object is empty")]
    Empty,
    /// A Parquet flow-log object could not be read.
    #[error("unreadable Parquet flow log: {0}")]
    Parquet(String),
}

/// Everything decoding one object produced.
#[derive(Debug)]
pub struct DecodedObject {
    /// The decoder that was used.
    pub format: ContentFormat,
    /// Batches per table, in content order.
    pub batches: Vec<(LogKind, RecordBatch)>,
    /// Record errors (counted, first few described).
    pub errors: ErrorLog,
    /// Records deliberately not decoded: CloudWatch Logs events of streams trailflow does not
    /// read (an EKS control plane's other logs).
    pub skipped: u64,
    /// Records left unparsed because no query can keep them ([`DecodeOptions::filter`]): they
    /// yield no row and no record error.
    pub ruled_out: u64,
    /// The object-level error that ended decoding early, if any.
    pub fatal: Option<DecodeError>,
    /// Size of the object as stored.
    pub stored_bytes: u64,
    /// Size of its decompressed content (as far as it was read).
    pub content_bytes: u64,
}

impl DecodedObject {
    /// Rows decoded, over every table.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|(_, b)| b.num_rows()).sum()
    }

    /// Rows decoded into one table.
    pub fn rows_of(&self, kind: LogKind) -> usize {
        self.batches
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, b)| b.num_rows())
            .sum()
    }

    /// True when neither a record error nor an object error occurred.
    pub fn is_clean(&self) -> bool {
        self.errors.count == 0 && self.fatal.is_none()
    }
}

/// The format an object's content was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentFormat {
    /// CloudTrail JSON.
    CloudTrailJson,
    /// Space-separated flow-log text.
    FlowLogText,
    /// Flow logs in Parquet.
    FlowLogParquet,
    /// Load balancer access or connection logs.
    ElbText,
    /// AWS WAF JSON records.
    WafJson,
    /// CloudWatch Logs envelopes or Kubernetes audit events.
    CloudWatchJson,
    /// Nothing to decode (empty object).
    Empty,
}

/// The kind an AWS key layout implies: `AWSLogs/<account>/CloudTrail*/...` or `.../vpcflowlogs/...`.
pub fn kind_from_key(key: &str) -> Option<KindHint> {
    let lower = key.to_ascii_lowercase();
    if lower.contains("/vpcflowlogs/") || lower.starts_with("vpcflowlogs/") {
        Some(KindHint::FlowLog)
    } else if key.contains("/elasticloadbalancing/") {
        Some(KindHint::Elb)
    } else if key.contains("/WAFLogs/") || lower.contains("aws-waf-logs-") {
        Some(KindHint::Waf)
    } else if key.contains("/CloudTrail/")
        || key.contains("/CloudTrail-Digest/")
        || key.contains("/CloudTrail-Insight/")
    {
        Some(KindHint::CloudTrail)
    } else {
        None
    }
}

/// The table of a file laid out as the archive writes it
/// (`.../<table>/account=.../region=.../date=.../<name>.parquet`).
fn archive_table(key: &str) -> Option<&str> {
    let (dirs, name) = key.rsplit_once('/')?;
    if !name.ends_with(".parquet") {
        return None;
    }
    let mut up = dirs.rsplit('/');
    let (date, region, account) = (up.next()?, up.next()?, up.next()?);
    (date.starts_with("date=") && region.starts_with("region=") && account.starts_with("account="))
        .then(|| up.next())
        .flatten()
}

fn format_from_content(first: &[u8]) -> ContentFormat {
    if first.starts_with(b"PAR1") {
        return ContentFormat::FlowLogParquet;
    }
    let start = first
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    // The first record says which JSON or text log this is; 64 KiB holds it.
    let head = &first[..first.len().min(64 * 1024)];
    let has = |needle: &str| memchr::memmem::find(head, needle.as_bytes()).is_some();
    match start.map(|i| first[i]) {
        Some(b'{') | Some(b'[') => {
            if has("\"messageType\"") || has("\"audit.k8s.io/") {
                ContentFormat::CloudWatchJson
            } else if has("\"webaclId\"") && has("\"httpRequest\"") {
                ContentFormat::WafJson
            } else {
                ContentFormat::CloudTrailJson
            }
        }
        _ => {
            // The first line that is not a comment (some tools write a `#` line first).
            let line = head
                .split(|b| *b == b'\n')
                .map(|l| l.trim_ascii())
                .find(|l| !l.is_empty() && !l.starts_with(b"#"));
            match line.map(std::str::from_utf8) {
                Some(Ok(line)) if elb::looks_like_elb(line) => ContentFormat::ElbText,
                _ => ContentFormat::FlowLogText,
            }
        }
    }
}

/// Decodes one object. `key` (a path or S3 key) only serves kind detection.
pub fn decode_object(
    key: &str,
    object: &[u8],
    hint: KindHint,
    options: &DecodeOptions,
) -> DecodedObject {
    let mut out = Output::new(options.max_error_details);
    let mut reader = gzip::ContentReader::new(object, options.inflate);
    let hint = match hint {
        KindHint::Auto => kind_from_key(key).unwrap_or(KindHint::Auto),
        h => h,
    };
    // The first chunk (the whole content when it is in memory) picks the format and sizes the
    // decoder; it is decoded where it lies.
    let inflated = reader.is_inflated_whole();
    let started = match reader.whole() {
        Some(content) => content.map(|c| Some((c, true))),
        None => reader.next_chunk().map(|c| c.map(|c| (c, false))),
    };
    let (format, mut sink) = match started {
        Ok(Some((first, whole))) => {
            let format = match (hint, format_from_content(first)) {
                (KindHint::CloudTrail, _) => ContentFormat::CloudTrailJson,
                (KindHint::FlowLog, ContentFormat::FlowLogParquet) => ContentFormat::FlowLogParquet,
                (KindHint::FlowLog, _) => ContentFormat::FlowLogText,
                (KindHint::Elb, _) => ContentFormat::ElbText,
                (KindHint::Waf, _) => ContentFormat::WafJson,
                (KindHint::K8sAudit, _) => ContentFormat::CloudWatchJson,
                (KindHint::Auto, f) => f,
            };
            if format == ContentFormat::FlowLogParquet
                && let Some(table) = archive_table(key)
                && table != "flowlog"
            {
                let fatal = DecodeError::ArchiveFile(table.to_string());
                return finished(key, format, out, Some(fatal), object, reader.produced());
            }
            let mut sink = Sink::new(format, options, first.len());
            if whole && let Sink::Buffered(format, _) = sink {
                // In memory already: decoded where it lies, not copied.
                decode_buffered(format, key, first, options, &mut out);
                sink = Sink::Done;
            } else if whole
                && inflated
                && let Sink::CloudTrail(decoder) = &mut sink
            {
                decode_inflated_cloudtrail(decoder, &mut reader, &mut out);
            } else if whole {
                sink.push_whole(first, &mut out);
            } else {
                sink.push(first, &mut out);
            }
            (format, sink)
        }
        Ok(None) => {
            return finished(
                key,
                ContentFormat::Empty,
                out,
                Some(DecodeError::Empty),
                object,
                0,
            );
        }
        Err(e) => {
            return finished(
                key,
                ContentFormat::Empty,
                out,
                Some(e.into()),
                object,
                reader.produced(),
            );
        }
    };
    let fatal = loop {
        match reader.next_chunk() {
            Ok(Some(chunk)) => sink.push(chunk, &mut out),
            Ok(None) => break None,
            Err(e) => break Some(e.into()),
        }
    };
    let fatal = sink.finish(key, options, &mut out, fatal);
    finished(key, format, out, fatal, object, reader.produced())
}

/// A CloudTrail file inflated whole, parsed in the inflated buffer itself. A decline after the
/// parse inflates the object again and hands it to the record-by-record path; if that fails, the
/// reader streams the object from its start.
fn decode_inflated_cloudtrail(
    decoder: &mut cloudtrail::CloudTrailDecoder,
    reader: &mut gzip::ContentReader<'_>,
    out: &mut Output,
) {
    let Some(content) = reader.inflated_mut() else {
        return;
    };
    match decoder.decode_whole_in_place(content, out) {
        cloudtrail::InPlace::Decoded => {}
        cloudtrail::InPlace::Declined => decoder.push(content, out),
        cloudtrail::InPlace::Overwritten => {
            if let Some(content) = reader.reinflate() {
                decoder.push(content, out);
            }
        }
    }
}

/// Where decompressed content goes: a streaming decoder, or a buffer for Parquet (read whole).
enum Sink {
    CloudTrail(Box<cloudtrail::CloudTrailDecoder>),
    FlowLog(Box<flowlog::FlowLogDecoder>),
    /// Parquet flow logs, read whole.
    Whole(Vec<u8>),
    /// Load balancer, WAF and CloudWatch Logs objects, decoded whole at the end.
    Buffered(ContentFormat, Vec<u8>),
    /// Decoded already.
    Done,
}

impl Sink {
    fn new(format: ContentFormat, options: &DecodeOptions, size_hint: usize) -> Self {
        match format {
            ContentFormat::CloudTrailJson => Sink::CloudTrail(Box::new(
                cloudtrail::CloudTrailDecoder::new(options, size_hint),
            )),
            ContentFormat::FlowLogText => {
                Sink::FlowLog(Box::new(flowlog::FlowLogDecoder::new(options, size_hint)))
            }
            ContentFormat::FlowLogParquet | ContentFormat::Empty => {
                Sink::Whole(Vec::with_capacity(size_hint))
            }
            ContentFormat::ElbText | ContentFormat::WafJson | ContentFormat::CloudWatchJson => {
                Sink::Buffered(format, Vec::with_capacity(size_hint))
            }
        }
    }

    fn push(&mut self, chunk: &[u8], out: &mut Output) {
        match self {
            Sink::CloudTrail(d) => d.push(chunk, out),
            Sink::FlowLog(d) => d.push(chunk, out),
            Sink::Whole(content) | Sink::Buffered(_, content) => content.extend_from_slice(chunk),
            Sink::Done => {}
        }
    }

    /// The whole content at once.
    fn push_whole(&mut self, content: &[u8], out: &mut Output) {
        match self {
            Sink::CloudTrail(d) => {
                if !d.decode_whole(content, out) {
                    d.push(content, out);
                }
            }
            _ => self.push(content, out),
        }
    }

    /// Ends the content; `fatal` is the error that cut it short, if any (the decoders still
    /// emit what they decoded before it; a cut Parquet file is not read).
    fn finish(
        self,
        key: &str,
        options: &DecodeOptions,
        out: &mut Output,
        fatal: Option<DecodeError>,
    ) -> Option<DecodeError> {
        match self {
            Sink::CloudTrail(mut d) => d.finish(out),
            Sink::FlowLog(mut d) => d.finish(out),
            Sink::Whole(content) => {
                if fatal.is_none() {
                    return flowlog::parquet::decode(content.into(), options.batch_rows, out).err();
                }
            }
            // Text and JSON lines: what was read before a fatal error (a cut gzip member) is
            // still decoded; a partial last record is reported as a record error.
            Sink::Buffered(format, content) => decode_buffered(format, key, &content, options, out),
            Sink::Done => {}
        }
        fatal
    }
}

/// Decodes the whole content of a load balancer, WAF or CloudWatch Logs object.
fn decode_buffered(
    format: ContentFormat,
    key: &str,
    content: &[u8],
    options: &DecodeOptions,
    out: &mut Output,
) {
    match format {
        ContentFormat::ElbText => elb::decode(
            key,
            content,
            options.batch_rows,
            options.columns.mask(LogKind::ElbAccess).cloned(),
            out,
        ),
        ContentFormat::WafJson => waf::decode(content, options.split, options.batch_rows, out),
        _ => cloudwatch::decode(content, options, out),
    }
}

fn finished(
    key: &str,
    format: ContentFormat,
    mut out: Output,
    fatal: Option<DecodeError>,
    object: &[u8],
    produced: u64,
) -> DecodedObject {
    // Flow-log formats without the `region` field take the region of the object's key.
    if let Some(region) = flowlog::key_region::region_of_key(key) {
        for (kind, batch) in &mut out.batches {
            if *kind == LogKind::FlowLog {
                *batch = flowlog::key_region::fill_region(batch.clone(), region);
            }
        }
    }
    DecodedObject {
        format,
        batches: out.batches,
        errors: out.errors,
        skipped: out.skipped,
        ruled_out: out.ruled_out,
        fatal,
        stored_bytes: object.len() as u64,
        content_bytes: produced,
    }
}
