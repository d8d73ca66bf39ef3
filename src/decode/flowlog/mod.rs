//! VPC Flow Logs to the `flowlog` table. Text objects are decoded line by
//! line following their header (any subset and order of the published fields;
//! the default version-2 format when there is no header); `-` is null; a line
//! with the wrong number of fields or a bad number is counted with its line
//! number and skipped, and the rest of the object still decodes. Parquet
//! objects (AWS's `parquet` delivery) are read by [`parquet`].

mod columns;
pub mod key_region;
mod layout;
pub mod parquet;

use std::sync::Arc;

use memchr::memchr;

pub use layout::{Layout, MAX_EXTRA_FIELDS, is_header};

use super::{DecodeOptions, Location, Needles, Output};
use crate::schema::LogKind;
use crate::schema::flowlog::KNOWN_FIELDS;
use columns::Columns;

/// Bytes per line assumed when sizing the builders from the first chunk of content (real
/// lines are 100-260 bytes; guessing short over-reserves a little rather than regrowing).
const SIZING_LINE_BYTES: usize = 224;

/// Push decoder for flow-log text.
pub struct FlowLogDecoder {
    /// Built at the first header or record: a header that comes first sets their layout.
    columns: Option<Columns>,
    /// The columns to fill (all when `None`).
    mask: Option<Arc<[bool]>>,
    started: bool,
    carry: Vec<u8>,
    skipping_long_line: bool,
    line_no: u64,
    max_line_bytes: usize,
    batch_rows: usize,
    tokens: Vec<(usize, usize)>,
    numbers: Vec<Option<i64>>,
    /// Rows the builders reserve, from the size of the content.
    capacity: usize,
    /// Lines holding none of these are left unparsed (`DecodeOptions::filter`).
    filter: Option<Arc<Needles>>,
}

impl FlowLogDecoder {
    /// Creates a decoder for content of about `size_hint` bytes (the first chunk's length).
    /// The builders are sized for it: a 10 KB object must not pay for 1,000-row buffers
    /// (their fresh pages cost more than its decoding), a large one must not regrow.
    pub fn new(options: &DecodeOptions, size_hint: usize) -> Self {
        let batch_rows = options.batch_rows.max(1);
        let mask = options.columns.mask(LogKind::FlowLog).cloned();
        let capacity = (size_hint / SIZING_LINE_BYTES).max(16).min(batch_rows);
        Self {
            columns: None,
            mask,
            started: false,
            carry: Vec::new(),
            skipping_long_line: false,
            line_no: 0,
            max_line_bytes: options.max_line_bytes,
            batch_rows,
            tokens: Vec::with_capacity(64),
            numbers: Vec::with_capacity(64),
            capacity,
            filter: options.filter.of(LogKind::FlowLog).cloned(),
        }
    }

    /// Decodes the next chunk of decompressed content.
    pub fn push(&mut self, chunk: &[u8], out: &mut Output) {
        let mut rest = chunk;
        if self.skipping_long_line || !self.carry.is_empty() {
            let Some(p) = memchr(b'\n', rest) else {
                self.carry_over(rest, out);
                return;
            };
            if self.skipping_long_line {
                self.skipping_long_line = false;
            } else {
                self.carry.extend_from_slice(&rest[..p]);
                let line = std::mem::take(&mut self.carry);
                self.line_bytes(&line, out);
                self.carry = line;
                self.carry.clear();
            }
            rest = &rest[p + 1..];
        }
        // One UTF-8 check for the whole chunk (lines end at `\n`, always a character boundary);
        // only a chunk with invalid bytes is checked line by line.
        let complete = memchr::memrchr(b'\n', rest).map_or(0, |p| p + 1);
        let (lines, tail) = rest.split_at(complete);
        match (std::str::from_utf8(lines), self.filter.clone()) {
            (Ok(text), Some(filter)) => self.filtered_lines(text, &filter, out),
            (Ok(mut text), None) => {
                while let Some(p) = memchr(b'\n', text.as_bytes()) {
                    self.line(&text[..p], out);
                    text = &text[p + 1..];
                }
            }
            (Err(_), _) => {
                let mut lines = lines;
                while let Some(p) = memchr(b'\n', lines) {
                    self.line_bytes(&lines[..p], out);
                    lines = &lines[p + 1..];
                }
            }
        }
        self.carry_over(tail, out);
    }

    /// Complete lines under a filter: one search for its literals runs ahead through the text,
    /// and only lines it lands in are decoded. A line starting with a lowercase letter may be
    /// a header (which sets the layout of the lines after it), so it is always decoded.
    fn filtered_lines(&mut self, text: &str, filter: &Needles, out: &mut Output) {
        let bytes = text.as_bytes();
        let mut next = filter.next_match(bytes, 0);
        let mut at = 0;
        while let Some(p) = memchr(b'\n', &bytes[at..]) {
            let end = at + p;
            let line = &bytes[at..end];
            if next.is_some_and(|n| n < end) || line.first().is_some_and(u8::is_ascii_lowercase) {
                self.line(&text[at..end], out);
            } else {
                self.line_no += 1;
                if line.iter().any(|b| !b.is_ascii_whitespace()) {
                    self.started = true;
                    out.ruled_out += u64::from(line.first() != Some(&b'#'));
                }
            }
            at = end + 1;
            if next.is_some_and(|n| n < at) {
                next = filter.next_match(bytes, at);
            }
        }
    }

    /// Ends the content: decodes a last line without newline and flushes.
    pub fn finish(&mut self, out: &mut Output) {
        if !self.carry.is_empty() && !self.skipping_long_line {
            let line = std::mem::take(&mut self.carry);
            self.line_bytes(&line, out);
        }
        self.flush(out, false);
    }

    fn carry_over(&mut self, tail: &[u8], out: &mut Output) {
        if self.skipping_long_line || tail.is_empty() {
            return;
        }
        if self.carry.len() + tail.len() > self.max_line_bytes {
            self.line_no += 1;
            out.errors.record(
                Location::Line(self.line_no),
                format!("line longer than {} bytes skipped", self.max_line_bytes),
            );
            self.carry = Vec::new();
            self.skipping_long_line = true;
        } else {
            self.carry.extend_from_slice(tail);
        }
    }

    /// Emits the rows so far as a batch; `more` when the object continues in this layout (the
    /// builders then keep room for another batch like it).
    fn flush(&mut self, out: &mut Output, more: bool) {
        if let Some(columns) = self.columns.as_mut().filter(|c| c.rows > 0) {
            out.push(LogKind::FlowLog, columns.finish(more));
        }
    }

    /// A line that may not be UTF-8: invalid bytes become U+FFFD.
    fn line_bytes(&mut self, line: &[u8], out: &mut Output) {
        match std::str::from_utf8(line) {
            Ok(text) => self.line(text, out),
            Err(_) => self.line(&String::from_utf8_lossy(line), out),
        }
    }

    fn line(&mut self, line: &str, out: &mut Output) {
        self.line_no += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() > self.max_line_bytes {
            out.errors.record(
                Location::Line(self.line_no),
                format!("line longer than {} bytes skipped", self.max_line_bytes),
            );
            return;
        }
        let bytes = line.as_bytes();
        if bytes.first().is_none_or(u8::is_ascii_whitespace)
            && bytes.iter().all(u8::is_ascii_whitespace)
        {
            return;
        }
        let first = !self.started;
        self.started = true;
        if bytes[0].is_ascii_lowercase() {
            if let Some(known) = Layout::cached(line) {
                self.header(known, first, out);
                return;
            }
            if is_header(bytes) {
                self.header(Layout::of_header(line), first, out);
                return;
            }
        }
        self.record(line, out);
    }

    fn header(&mut self, (layout, problems): layout::HeaderLayout, first: bool, out: &mut Output) {
        if let Some(current) = self.columns.as_ref().map(Columns::layout)
            && (Arc::ptr_eq(&layout, current) || *layout == **current)
        {
            return; // the same header again (concatenated files)
        }
        for p in problems {
            out.errors.record(Location::Line(self.line_no), p);
        }
        if !first {
            tracing::debug!(line = self.line_no, "flow-log header changes mid-object");
        }
        self.flush(out, false);
        self.columns = Some(Columns::new(&layout, self.capacity, self.mask.as_deref()));
    }

    fn record(&mut self, text: &str, out: &mut Output) {
        // Tokens are cut at ASCII spaces, so every token is a valid `str` slice of the line.
        let bytes = text.as_bytes();
        self.tokens.clear();
        split_fields(bytes, &mut self.tokens);
        // `# ...` ends the record: annotated examples (AWS's documentation) carry trailing comments.
        if let Some(comment) = self.tokens.iter().position(|&(s, _)| bytes[s] == b'#') {
            self.tokens.truncate(comment);
        }
        if self.tokens.is_empty() {
            return;
        }
        let (capacity, mask) = (self.capacity, self.mask.as_deref());
        let columns = self
            .columns
            .get_or_insert_with(|| Columns::new(&Layout::default_v2(), capacity, mask));
        let layout = columns.layout();
        if self.tokens.len() != layout.slots.len() {
            out.errors.record(
                Location::Line(self.line_no),
                format!(
                    "expected {} fields, found {}",
                    layout.slots.len(),
                    self.tokens.len()
                ),
            );
            return;
        }
        // Validate every number before appending anything, so a bad line leaves no partial row.
        self.numbers.clear();
        for &(pos, k) in &layout.numeric {
            let (s, e) = self.tokens[pos];
            let field = &KNOWN_FIELDS[k];
            match parse_number(&bytes[s..e]) {
                Ok(v) if v.is_none_or(|v| v >= field.range.0 && v <= field.range.1) => {
                    self.numbers.push(v);
                }
                Ok(v) => {
                    out.errors.record(
                        Location::Line(self.line_no),
                        format!(
                            "field `{}`: {} is out of range {}..={}",
                            field.aws_name,
                            v.unwrap_or_default(),
                            field.range.0,
                            field.range.1
                        ),
                    );
                    return;
                }
                Err(()) => {
                    let shown: String = text[s..e].chars().take(64).collect();
                    out.errors.record(
                        Location::Line(self.line_no),
                        format!("field `{}`: `{shown}` is not a number", field.aws_name),
                    );
                    return;
                }
            }
        }
        columns.append(text, &self.tokens, &self.numbers);
        if columns.rows >= self.batch_rows {
            self.flush(out, true);
        }
    }
}

/// Cuts a line at spaces into `(start, end)` byte ranges, skipping empty fields.
/// Eight bytes at a time: a flow-log line has ~29 short fields, where a search
/// call per field costs more than the bytes it scans.
fn split_fields(line: &[u8], out: &mut Vec<(usize, usize)>) {
    const SPACES: u64 = 0x2020_2020_2020_2020;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut start = 0;
    let mut push = |end: usize, start: &mut usize| {
        if end > *start {
            out.push((*start, end));
        }
        *start = end + 1;
    };
    let chunks = line.chunks_exact(8);
    let tail_at = line.len() - chunks.remainder().len();
    for (i, chunk) in chunks.enumerate() {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default()) ^ SPACES;
        // High bit of each byte set exactly where the byte was a space (no false positives).
        let mut hits = !(((word & LOW7).wrapping_add(LOW7)) | word | LOW7);
        while hits != 0 {
            push(i * 8 + (hits.trailing_zeros() / 8) as usize, &mut start);
            hits &= hits - 1;
        }
    }
    for (j, &b) in line[tail_at..].iter().enumerate() {
        if b == b' ' {
            push(tail_at + j, &mut start);
        }
    }
    if line.len() > start {
        out.push((start, line.len()));
    }
}

/// `-` is null; otherwise an optionally negative decimal integer of at most 18 digits.
fn parse_number(token: &[u8]) -> Result<Option<i64>, ()> {
    if token == b"-" {
        return Ok(None);
    }
    let (negative, digits) = match token.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, token),
    };
    if digits.is_empty() || digits.len() > 18 {
        return Err(());
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(());
        }
        v = v * 10 + i64::from(d - b'0');
    }
    Ok(Some(if negative { -v } else { v }))
}

#[cfg(test)]
mod tests;
