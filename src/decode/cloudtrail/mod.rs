//! CloudTrail objects (log files, digests, Insights, bare arrays, single events
//! and newline-delimited events) to the `cloudtrail`, `cloudtrail_insight` and
//! `cloudtrail_digest` tables. The splitter cuts the stream into records; each
//! record is parsed on its own with simd-json, so a bad record costs only itself.
//! Records are parsed to simd-json's tape and read from it: building a DOM (a map per object)
//! would cost more than reading the few fields the tables need.

mod derived;
mod event;
mod fields;
mod insight_digest;
mod json_text;

pub use event::account_of_arn;

use simd_json::prelude::*;
use simd_json::{Buffers, Tape};

use fields::{Record, text};
use json_text::Json;

use std::sync::Arc;

use super::json_split::{JsonSplitter, Split, SplitLimits};
use super::{DecodeOptions, Location, Needles, Output};
use crate::schema::LogKind;
use crate::schema::cloudtrail::{DigestBuilder, EventBuilder, InsightBuilder};

/// Bytes per event assumed when sizing the builders from the first chunk of content (events
/// average ~1.5 KB; guessing short over-reserves a little rather than regrowing).
const SIZING_EVENT_BYTES: usize = 1024;

/// Largest content `decode_whole` parses as one document. The copy, the parser's buffers and
/// the tape take about six times the content's size, where the record-by-record path holds one
/// record's; bigger log files are streamed record by record (see docs/performance.md).
pub const WHOLE_DOCUMENT_MAX_BYTES: usize = 2 * 1024 * 1024;

/// What [`CloudTrailDecoder::decode_whole_in_place`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InPlace {
    /// Decoded every record.
    Decoded,
    /// Declined before parsing: the content is as it was; decode it record by record.
    Declined,
    /// Declined after parsing: the content was overwritten; inflate it again.
    Overwritten,
}

/// Push decoder for CloudTrail JSON content.
pub struct CloudTrailDecoder {
    splitter: JsonSplitter,
    state: State,
    limits: SplitLimits,
}

struct State {
    batch_rows: usize,
    buffers: Buffers,
    /// The tape of the last record parsed, kept for its allocation.
    tape: Tape<'static>,
    events: EventBuilder,
    /// Created at the first Insights event or digest: most objects hold neither.
    insights: Option<InsightBuilder>,
    digests: Option<DigestBuilder>,
    scratch: event::EventScratch,
    json_scratch: Vec<u8>,
    nested: Vec<u8>,
    /// Records holding none of these are left unparsed (`DecodeOptions::filter`).
    filter: Option<Arc<Needles>>,
}

impl CloudTrailDecoder {
    /// Creates a decoder for content of about `size_hint` bytes (the first chunk's length).
    /// The event builders are sized for it: a 10 KB object must not pay for hundreds of rows
    /// of 50 columns (their fresh pages cost more than its decoding).
    pub fn new(options: &DecodeOptions, size_hint: usize) -> Self {
        let rows = options.batch_rows.max(1);
        let mask = options.columns.mask(LogKind::CloudTrail).cloned();
        Self {
            splitter: JsonSplitter::new(options.split),
            limits: options.split,
            state: State {
                batch_rows: rows,
                buffers: Buffers::with_max_depth(
                    size_hint.min(64 * 1024),
                    options.split.max_depth as usize + 2,
                ),
                tape: Tape(Vec::new()),
                scratch: event::EventScratch::keeping(mask.as_deref()),
                events: EventBuilder::with_capacity_keeping(
                    (size_hint / SIZING_EVENT_BYTES).max(8).min(rows),
                    mask,
                ),
                insights: None,
                digests: None,
                json_scratch: Vec::new(),
                nested: Vec::new(),
                filter: options.filter.of(LogKind::CloudTrail).cloned(),
            },
        }
    }

    /// Decodes a whole log file (`{"Records": [...]}`) given at once, in one simd-json parse of
    /// the document: the record-by-record path first splits the content into records, a
    /// second pass over every byte. Declines, emitting nothing, for anything that path must
    /// handle itself (other shapes, invalid JSON, any record that is not a plain CloudTrail
    /// event, content over the record size limit or `WHOLE_DOCUMENT_MAX_BYTES`), and returns
    /// whether it decoded: the rows are the same either way.
    pub fn decode_whole(&mut self, content: &[u8], out: &mut Output) -> bool {
        if !self.may_take_whole(content) {
            return false;
        }
        // A copy: simd-json parses in place, and a decline hands the original to the splitter.
        // The copy carries the padding simd-json reads past the end, which spares its own copy.
        let mut whole = Vec::with_capacity(content.len() + simd_json::INPUT_PADDING);
        whole.extend_from_slice(content);
        whole.resize(content.len() + simd_json::INPUT_PADDING, 0);
        self.state
            .decode_document(&mut whole, content.len(), &self.limits, out)
    }

    /// [`CloudTrailDecoder::decode_whole`] over content in a buffer of its own, with room for
    /// simd-json's padding past the end: parsed where it lies, without the copy. The parse
    /// unescapes strings in place, so a decline after it leaves the content overwritten.
    pub fn decode_whole_in_place(&mut self, content: &mut Vec<u8>, out: &mut Output) -> InPlace {
        let len = content.len();
        if !self.may_take_whole(content) {
            return InPlace::Declined;
        }
        content.resize(len + simd_json::INPUT_PADDING, 0);
        let taken = self.state.decode_document(content, len, &self.limits, out);
        content.truncate(len);
        if taken {
            InPlace::Decoded
        } else {
            InPlace::Overwritten
        }
    }

    /// Whether the whole-document path may try `content`: a document (`{`) within the size
    /// limits, and no filter (which rules records out before their parse, one by one).
    fn may_take_whole(&self, content: &[u8]) -> bool {
        self.state.filter.is_none()
            && content.len() <= self.limits.max_value_bytes.min(WHOLE_DOCUMENT_MAX_BYTES)
            && content.trim_ascii_start().starts_with(b"{")
    }

    /// Decodes the next chunk of decompressed content.
    pub fn push(&mut self, chunk: &[u8], out: &mut Output) {
        let state = &mut self.state;
        self.splitter
            .push(chunk, &mut |item| state.handle(item, out));
    }

    /// Ends the content: reports an incomplete last record and flushes every table.
    pub fn finish(&mut self, out: &mut Output) {
        let state = &mut self.state;
        self.splitter.finish(&mut |item| state.handle(item, out));
        state.flush(out, true);
    }
}

impl State {
    /// The body of `CloudTrailDecoder::decode_whole`, over a copy of the content (`len` bytes,
    /// then simd-json's padding).
    fn decode_document(
        &mut self,
        whole: &mut [u8],
        len: usize,
        limits: &SplitLimits,
        out: &mut Output,
    ) -> bool {
        // One level stricter than the records' own limit (the document adds two): a record the
        // splitter would find too deep is never accepted here.
        let mut buffers = Buffers::with_max_depth(len, limits.max_depth as usize + 1);
        let mut tape = std::mem::replace(&mut self.tape, Tape(Vec::new())).reset();
        let taken = simd_json::fill_tape_padded(whole, len, &mut buffers, &mut tape).is_ok()
            && self.append_document(tape.as_value(), out);
        self.tape = tape.reset();
        taken
    }

    /// Appends the records of a parsed `{"Records": [...]}` document, if they are all plain
    /// events; returns whether it did.
    fn append_document(&mut self, document: Json<'_, '_>, out: &mut Output) -> bool {
        let Some(object) = document.as_object() else {
            return false;
        };
        if object.len() != 1 {
            return false;
        }
        let Some(records) = object.get("Records").and_then(|r| r.as_array()) else {
            return false;
        };
        // A decline must emit nothing. When the records fit in the batch being built (always,
        // at the defaults: 8,192 rows, and at most 2 MiB of content), each is read once and
        // appended right away, and a record that is no plain event takes back what was
        // appended: nothing has seen it. Otherwise each is read twice, to check and then to
        // append, rather than kept between the passes: holding every record's fields would add
        // a third of the content to the document's memory.
        if self.events.is_empty() && records.len() < self.batch_rows {
            for record in records.iter() {
                let fields = Record::read(Some(record));
                if !record.is_object() || !is_plain_event(&fields) {
                    self.events = self.events.renewed(records.len());
                    return false;
                }
                event::append_event(&fields, &mut self.events, &mut self.scratch);
            }
            return true;
        }
        if !records
            .iter()
            .all(|r| r.is_object() && is_plain_event(&Record::read(Some(r))))
        {
            return false;
        }
        for record in records.iter() {
            event::append_event(
                &Record::read(Some(record)),
                &mut self.events,
                &mut self.scratch,
            );
            self.flush(out, false);
        }
        true
    }

    fn handle(&mut self, item: Split<'_>, out: &mut Output) {
        match item {
            Split::Error {
                ordinal,
                offset,
                message,
            } => {
                out.errors
                    .record(Location::Record { ordinal, offset }, message);
            }
            Split::Value {
                bytes,
                ordinal,
                offset,
            } => {
                if let Some(filter) = &self.filter
                    && !filter.may_match(bytes)
                {
                    out.ruled_out += 1;
                    return;
                }
                let location = Location::Record { ordinal, offset };
                let mut tape = std::mem::replace(&mut self.tape, Tape(Vec::new())).reset();
                match simd_json::fill_tape(bytes, &mut self.buffers, &mut tape) {
                    Ok(()) => self.route(tape.as_value(), location, out, true),
                    Err(e) => out.errors.record(location, format!("invalid JSON: {e}")),
                }
                self.tape = tape.reset();
                self.flush(out, false);
            }
        }
    }

    fn route(
        &mut self,
        value: Json<'_, '_>,
        location: Location,
        out: &mut Output,
        allow_nested: bool,
    ) {
        if !value.is_object() {
            out.errors.record(
                location,
                format!("record is a JSON {}, not an object", type_name(value)),
            );
            return;
        }
        let record = Record::read(Some(value));
        if let Some(source) = event::envelope_source(&record) {
            out.errors.record(
                location,
                format!("record is a notification envelope (eventSource `{source}`), not a CloudTrail event"),
            );
        } else if insight_digest::is_digest(&record) {
            let digests = self
                .digests
                .get_or_insert_with(|| DigestBuilder::with_capacity(16));
            insight_digest::append_digest(value, digests);
        } else if insight_digest::is_insight(&record) {
            let insights = self
                .insights
                .get_or_insert_with(|| InsightBuilder::with_capacity(16));
            insight_digest::append_insight(value, insights, &mut self.json_scratch);
        } else if let (true, true) = (allow_nested, record.detail_type.is_some()) {
            // An EventBridge event ("AWS API Call via CloudTrail" and the like): the event is its `detail`.
            match record.detail {
                Some(detail) => self.route(detail, location, out, false),
                None => out
                    .errors
                    .record(location, "EventBridge event without `detail`".into()),
            }
        } else if let (true, Some(inner)) = (allow_nested, text(record.cloudtrail_event)) {
            // `aws cloudtrail lookup-events` output carries each event as a JSON string.
            self.nested.clear();
            self.nested.extend_from_slice(inner.as_bytes());
            let mut nested = std::mem::take(&mut self.nested);
            match simd_json::to_tape(&mut nested) {
                Ok(inner) => self.route(inner.as_value(), location, out, false),
                Err(e) => out
                    .errors
                    .record(location, format!("invalid JSON in CloudTrailEvent: {e}")),
            }
            self.nested = nested;
        } else if event::looks_like_event(&record) {
            event::append_event(&record, &mut self.events, &mut self.scratch);
        } else {
            out.errors.record(
                location,
                "JSON object is not a CloudTrail event, Insights event or digest (none of eventTime, eventName, eventSource, eventVersion, eventID, userIdentity)".into(),
            );
        }
    }

    fn flush(&mut self, out: &mut Output, all: bool) {
        let limit = if all { 1 } else { self.batch_rows };
        if self.events.len() >= limit {
            let rows = self.events.len();
            out.push(LogKind::CloudTrail, self.events.finish());
            if !all {
                // `finish` leaves every builder empty: start the next batch with the room the
                // last one needed instead of regrowing 50 columns from nothing.
                self.events = self.events.renewed(rows);
            }
        }
        if let Some(insights) = self.insights.as_mut().filter(|b| b.len() >= limit) {
            out.push(LogKind::CloudTrailInsight, insights.finish());
        }
        if let Some(digests) = self.digests.as_mut().filter(|b| b.len() >= limit) {
            out.push(LogKind::CloudTrailDigest, digests.finish());
        }
    }
}

/// True for an object `State::route` would append as an event without recording anything
/// else: one that is no envelope, digest, Insights event, EventBridge event or lookup-events
/// wrapper, and looks like an event.
fn is_plain_event(record: &Record<'_, '_>) -> bool {
    event::envelope_source(record).is_none()
        && !insight_digest::is_digest(record)
        && !insight_digest::is_insight(record)
        && record.detail_type.is_none()
        && text(record.cloudtrail_event).is_none()
        && event::looks_like_event(record)
}

/// The JSON type of a value, for error messages.
fn type_name(value: Json<'_, '_>) -> &'static str {
    if value.is_array() {
        "array"
    } else if value.as_str().is_some() {
        "string"
    } else if value.is_null() {
        "null"
    } else if value.as_bool().is_some() {
        "boolean"
    } else {
        "number"
    }
}

#[cfg(test)]
mod tests;
