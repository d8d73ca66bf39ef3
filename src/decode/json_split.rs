//! Incremental splitter that cuts a stream of JSON text into the values a
//! CloudTrail object holds, without parsing them: the elements of a
//! `{"Records": [...]}` (or `{"Events": [...]}`) wrapper, the elements of a bare
//! top-level array, or whole top-level values (one event, one digest, or
//! newline-delimited events). Each value is handed over as its own byte buffer,
//! so a bad record is reported on its own and memory stays bounded by the
//! largest record, not by the object.

use memchr::memchr2;

use super::json_scan::{Depths, ScanState, find_close};

/// Limits on a single value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitLimits {
    /// Largest value (one record) accepted, in bytes.
    pub max_value_bytes: usize,
    /// Deepest nesting accepted inside a value.
    pub max_depth: u32,
}

impl Default for SplitLimits {
    fn default() -> Self {
        Self {
            max_value_bytes: 16 * 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// What the splitter hands to its sink.
#[derive(Debug)]
pub enum Split<'a> {
    /// One complete JSON value; `ordinal` counts values from 1 in stream order.
    Value {
        /// The value's bytes (mutable: the JSON parser unescapes in place).
        bytes: &'a mut [u8],
        /// 1-based position among the values of the stream.
        ordinal: u64,
        /// Byte offset of the value in the decompressed stream.
        offset: u64,
    },
    /// A value that could not be cut out, with the reason.
    Error {
        /// 1-based position of the failing value (0 when outside any value).
        ordinal: u64,
        /// Byte offset where the problem starts.
        offset: u64,
        /// What went wrong.
        message: String,
    },
}

const WRAPPER_KEYS: [&[u8]; 2] = [b"Records", b"Events"];
const MAX_KEY: usize = 16;

/// The incremental splitter; feed it chunks with [`JsonSplitter::push`], then call [`JsonSplitter::finish`].
pub struct JsonSplitter {
    limits: SplitLimits,
    depth: u32,
    in_string: bool,
    pending_escape: bool,
    /// Depth of the array whose elements are values (0: values are top-level).
    elem_depth: u32,
    /// A top-level object is being read whose depth-1 keys are watched for a wrapper key.
    watch_keys: bool,
    expect_key: bool,
    capturing_key: bool,
    key_buf: Vec<u8>,
    wrapper_key_seen: bool,
    collecting: bool,
    collect_depth: u32,
    buf: Vec<u8>,
    oversized: bool,
    too_deep: bool,
    in_scalar: bool,
    in_garbage: bool,
    ordinal: u64,
    value_offset: u64,
    offset: u64,
}

impl JsonSplitter {
    /// Creates a splitter with the given limits.
    pub fn new(limits: SplitLimits) -> Self {
        Self {
            limits,
            depth: 0,
            in_string: false,
            pending_escape: false,
            elem_depth: 0,
            watch_keys: false,
            expect_key: false,
            capturing_key: false,
            key_buf: Vec::with_capacity(MAX_KEY),
            wrapper_key_seen: false,
            collecting: false,
            collect_depth: 0,
            buf: Vec::new(),
            oversized: false,
            too_deep: false,
            in_scalar: false,
            in_garbage: false,
            ordinal: 0,
            value_offset: 0,
            offset: 0,
        }
    }

    /// Feeds the next chunk of the stream; complete values go to `sink`.
    pub fn push(&mut self, chunk: &[u8], sink: &mut impl FnMut(Split<'_>)) {
        let n = chunk.len();
        let mut i = 0;
        let mut span_start = 0;
        if self.pending_escape && n > 0 {
            self.pending_escape = false;
            i = 1;
        }
        while i < n {
            // Inside a value, below the depth where anything but brackets matters: find the
            // bracket that gets back there a block at a time, then handle it below.
            let stop = self.collect_depth + u32::from(self.watch_keys);
            if self.collecting && self.depth > stop {
                let mut scan = ScanState {
                    depth: self.depth,
                    in_string: self.in_string,
                    escape_next: false,
                    too_deep: self.too_deep,
                };
                let depths = Depths {
                    stop,
                    limit: self.collect_depth.saturating_add(self.limits.max_depth),
                };
                let found = find_close(&chunk[i..], &mut scan, depths);
                self.depth = scan.depth;
                self.in_string = scan.in_string;
                self.too_deep = scan.too_deep;
                match found {
                    Some(at) => i += at,
                    None => {
                        self.pending_escape = scan.escape_next;
                        break;
                    }
                }
            }
            if self.in_string {
                match memchr2(b'"', b'\\', &chunk[i..]) {
                    None => {
                        self.capture_key_bytes(&chunk[i..]);
                        i = n;
                    }
                    Some(p) => {
                        let j = i + p;
                        self.capture_key_bytes(&chunk[i..j]);
                        if chunk[j] == b'\\' {
                            self.capturing_key = false; // keys of interest have no escapes
                            if j + 1 >= n {
                                self.pending_escape = true;
                                i = n;
                            } else {
                                i = j + 2;
                            }
                        } else {
                            self.in_string = false;
                            self.end_string();
                            i = j + 1;
                        }
                    }
                }
                continue;
            }
            let b = chunk[i];
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => {
                    self.in_scalar = false;
                }
                b'"' => {
                    self.in_string = true;
                    self.in_scalar = false;
                    if self.watch_keys && self.depth == 1 && self.expect_key {
                        self.capturing_key = true;
                        self.key_buf.clear();
                    } else if self.depth == 1 && self.watch_keys {
                        self.wrapper_key_seen = false;
                    }
                    if !self.collecting {
                        self.stray_token(i, "a string", sink);
                    }
                }
                b'{' | b'[' => {
                    self.in_scalar = false;
                    self.in_garbage = false;
                    if self.depth == self.elem_depth && !self.collecting {
                        if self.depth == 0 && b == b'[' {
                            // A bare top-level array: its elements are the values.
                            self.elem_depth = 1;
                        } else {
                            self.start_value(i);
                            span_start = i;
                            self.watch_keys = self.depth == 0 && b == b'{';
                            self.expect_key = self.watch_keys;
                        }
                    } else if self.watch_keys && self.depth == 1 {
                        if b == b'[' && self.wrapper_key_seen {
                            // `{"Records": [` : drop the wrapper, split its array.
                            self.collecting = false;
                            self.buf.clear();
                            self.watch_keys = false;
                            self.elem_depth = 2;
                            self.ordinal -= 1; // the wrapper is not a record
                        }
                        self.wrapper_key_seen = false;
                    }
                    self.depth += 1;
                    if self.collecting && self.depth - self.collect_depth > self.limits.max_depth {
                        self.too_deep = true;
                    }
                }
                b'}' | b']' => {
                    self.in_scalar = false;
                    if self.depth == 0 {
                        self.error(
                            self.offset + i as u64,
                            "unbalanced closing bracket".into(),
                            sink,
                        );
                    } else {
                        self.depth -= 1;
                        if self.collecting && self.depth == self.collect_depth {
                            self.end_value(&chunk[span_start..=i], sink);
                        } else if self.elem_depth > 0 && self.depth + 1 == self.elem_depth {
                            // The records array closed; what follows in a wrapper is ignored.
                            self.elem_depth = 0;
                        }
                    }
                }
                b',' => {
                    self.in_scalar = false;
                    if self.watch_keys && self.depth == 1 {
                        self.expect_key = true;
                        self.wrapper_key_seen = false;
                    }
                }
                b':' => {}
                _ => {
                    if self.watch_keys && self.depth == 1 {
                        self.wrapper_key_seen = false;
                    }
                    if !self.collecting && !self.in_scalar {
                        self.in_scalar = true;
                        self.stray_token(i, "a scalar", sink);
                    }
                }
            }
            i += 1;
        }
        if self.collecting {
            self.append(&chunk[span_start.min(n)..n]);
        }
        self.offset += n as u64;
    }

    /// Ends the stream; reports a value left incomplete.
    pub fn finish(&mut self, sink: &mut impl FnMut(Split<'_>)) {
        if self.collecting || self.depth > 0 || self.in_string {
            let ordinal = if self.collecting {
                self.ordinal
            } else {
                self.ordinal + 1
            };
            sink(Split::Error {
                ordinal,
                offset: if self.collecting {
                    self.value_offset
                } else {
                    self.offset
                },
                message: format!(
                    "truncated JSON: the stream ends inside a value (nesting depth {})",
                    self.depth
                ),
            });
        }
        self.collecting = false;
        self.buf.clear();
    }

    /// Values emitted or failed so far.
    pub fn values_seen(&self) -> u64 {
        self.ordinal
    }

    fn capture_key_bytes(&mut self, bytes: &[u8]) {
        if self.capturing_key {
            if self.key_buf.len() + bytes.len() > MAX_KEY {
                self.capturing_key = false;
            } else {
                self.key_buf.extend_from_slice(bytes);
            }
        }
    }

    fn end_string(&mut self) {
        if self.capturing_key {
            self.wrapper_key_seen = WRAPPER_KEYS.contains(&self.key_buf.as_slice());
            self.capturing_key = false;
        }
        if self.watch_keys && self.depth == 1 {
            self.expect_key = false;
        }
    }

    fn start_value(&mut self, at: usize) {
        self.collecting = true;
        self.collect_depth = self.depth;
        self.buf.clear();
        self.oversized = false;
        self.too_deep = false;
        self.ordinal += 1;
        self.value_offset = self.offset + at as u64;
    }

    fn append(&mut self, bytes: &[u8]) {
        if self.oversized || self.too_deep {
            return;
        }
        if self.buf.len() + bytes.len() > self.limits.max_value_bytes {
            self.oversized = true;
            self.buf = Vec::new();
            return;
        }
        self.buf.extend_from_slice(bytes);
    }

    fn end_value(&mut self, tail: &[u8], sink: &mut impl FnMut(Split<'_>)) {
        self.append(tail);
        self.collecting = false;
        self.watch_keys = false;
        let (ordinal, offset) = (self.ordinal, self.value_offset);
        if self.oversized {
            sink(Split::Error {
                ordinal,
                offset,
                message: format!(
                    "record exceeds the limit of {} bytes",
                    self.limits.max_value_bytes
                ),
            });
        } else if self.too_deep {
            sink(Split::Error {
                ordinal,
                offset,
                message: format!("record nests deeper than {} levels", self.limits.max_depth),
            });
        } else {
            sink(Split::Value {
                bytes: &mut self.buf,
                ordinal,
                offset,
            });
        }
        if self.buf.capacity() > 4 * 1024 * 1024 {
            self.buf = Vec::new();
        }
    }

    fn stray_token(&mut self, at: usize, what: &str, sink: &mut impl FnMut(Split<'_>)) {
        if self.elem_depth > 0 && self.depth == self.elem_depth {
            self.ordinal += 1;
            let ordinal = self.ordinal;
            sink(Split::Error {
                ordinal,
                offset: self.offset + at as u64,
                message: format!("record is {what}, not a JSON object"),
            });
        } else if self.depth == 0 && !self.in_garbage {
            self.in_garbage = true;
            self.error(
                self.offset + at as u64,
                format!("found {what} outside any record"),
                sink,
            );
        }
    }

    fn error(&mut self, offset: u64, message: String, sink: &mut impl FnMut(Split<'_>)) {
        sink(Split::Error {
            ordinal: 0,
            offset,
            message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Got {
        V(String),
        E(String),
    }

    fn split_chunks(chunks: &[&[u8]], limits: SplitLimits) -> Vec<Got> {
        let mut s = JsonSplitter::new(limits);
        let mut out = Vec::new();
        let mut sink = |item: Split<'_>| match item {
            Split::Value { bytes, .. } => {
                out.push(Got::V(String::from_utf8_lossy(bytes).into_owned()))
            }
            Split::Error { message, .. } => out.push(Got::E(message)),
        };
        for c in chunks {
            s.push(c, &mut sink);
        }
        s.finish(&mut sink);
        out
    }

    fn split(input: &str) -> Vec<Got> {
        // Every split point must give the same answer as one chunk.
        let whole = split_chunks(&[input.as_bytes()], SplitLimits::default());
        for cut in 0..input.len() {
            let (a, b) = input.as_bytes().split_at(cut);
            assert_eq!(
                split_chunks(&[a, b], SplitLimits::default()),
                whole,
                "cut at {cut}"
            );
        }
        whole
    }

    fn v(s: &str) -> Got {
        Got::V(s.to_string())
    }

    #[test]
    fn records_wrapper_yields_each_record() {
        let got = split(r#"{"Records": [{"a":1}, {"b":"x}\"]"}]}"#);
        assert_eq!(got, vec![v(r#"{"a":1}"#), v(r#"{"b":"x}\"]"}"#)]);
    }

    #[test]
    fn wrapper_key_may_come_after_other_keys() {
        let got = split(r#"{"x": {"Records": 1}, "Records": [{"a":[1,2]}], "y": "Records"}"#);
        assert_eq!(got, vec![v(r#"{"a":[1,2]}"#)]);
    }

    #[test]
    fn a_value_named_records_is_not_a_wrapper() {
        let got = split(r#"{"eventName": "Records", "b": [1]}"#);
        assert_eq!(got, vec![v(r#"{"eventName": "Records", "b": [1]}"#)]);
    }

    #[test]
    fn bare_array_and_single_object_and_ndjson() {
        assert_eq!(
            split(r#"[{"a":1},{"a":2}]"#),
            vec![v(r#"{"a":1}"#), v(r#"{"a":2}"#)]
        );
        assert_eq!(split("{\"a\":1}\n"), vec![v(r#"{"a":1}"#)]);
        assert_eq!(
            split("{\"a\":1}\n{\"a\":2}\r\n"),
            vec![v(r#"{"a":1}"#), v(r#"{"a":2}"#)]
        );
    }

    #[test]
    fn scalars_in_the_records_array_are_errors_and_do_not_stop_the_rest() {
        let got = split(r#"{"Records": [1, "s", {"a":1}]}"#);
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[0], Got::E(m) if m.contains("scalar")));
        assert!(matches!(&got[1], Got::E(m) if m.contains("string")));
        assert_eq!(got[2], v(r#"{"a":1}"#));
    }

    #[test]
    fn truncated_stream_is_reported() {
        let got = split(r#"{"Records": [{"a":1}, {"b":"#);
        assert_eq!(got[0], v(r#"{"a":1}"#));
        assert!(matches!(&got[1], Got::E(m) if m.contains("truncated")));
    }

    #[test]
    fn oversized_and_deep_records_are_errors() {
        let limits = SplitLimits {
            max_value_bytes: 20,
            max_depth: 4,
        };
        let got = split_chunks(
            &[br#"[{"a":"0123456789012345678901234"},{"b":[[[[[1]]]]]},{"c":2}]"#],
            limits,
        );
        assert!(matches!(&got[0], Got::E(m) if m.contains("exceeds")));
        assert!(matches!(&got[1], Got::E(m) if m.contains("deeper")));
        assert_eq!(got[2], v(r#"{"c":2}"#));
    }

    #[test]
    fn garbage_between_values_is_reported_once() {
        let got = split("{\"a\":1}\nnot json at all\n{\"a\":2}");
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[1], Got::E(_)));
        assert_eq!(got[2], v(r#"{"a":2}"#));
    }

    #[test]
    fn generated_files_split_into_their_records_at_any_chunk_size() {
        // serde_json reads the whole file: an independent account of what the records are.
        let text = crate::synth::bulk::cloudtrail_object(300, 7);
        let doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
        let want = doc["Records"].as_array().unwrap();
        for size in [1, 63, 64, 65, 4096, text.len()] {
            let chunks: Vec<&[u8]> = text.chunks(size).collect();
            let got = split_chunks(&chunks, SplitLimits::default());
            assert_eq!(got.len(), want.len(), "chunks of {size}");
            for (got, want) in got.iter().zip(want) {
                let Got::V(got) = got else {
                    panic!("chunks of {size}: {got:?}");
                };
                let got: serde_json::Value = serde_json::from_str(got).unwrap();
                assert_eq!(&got, want, "chunks of {size}");
            }
        }
    }
}
