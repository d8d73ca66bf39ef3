//! Object content as a stream of decompressed chunks: gzip (including
//! multi-member streams) is detected by its magic bytes, never by the key's
//! suffix, and inflated under a size cap and a ratio cap; anything else passes
//! through unchanged.

use std::io::Read;

use flate2::read::MultiGzDecoder;

/// The two bytes every gzip member starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True when `bytes` starts like a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Limits that stop decompression bombs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InflateLimits {
    /// Largest decompressed size accepted for one object, in bytes.
    pub max_decompressed_bytes: u64,
    /// Largest decompressed/compressed ratio accepted once the output passes
    /// `ratio_check_after_bytes` (real CloudTrail and flow logs compress 5-20x).
    pub max_ratio: u64,
    /// Output size below which the ratio is not checked (small, repetitive files compress well).
    pub ratio_check_after_bytes: u64,
}

impl Default for InflateLimits {
    fn default() -> Self {
        Self {
            max_decompressed_bytes: 2 * 1024 * 1024 * 1024,
            max_ratio: 200,
            ratio_check_after_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Why an object's content could not be (fully) read.
#[derive(Debug, thiserror::Error)]
pub enum InflateError {
    /// The decompressed size passed `max_decompressed_bytes`.
    #[error("decompressed size exceeds the limit of {limit} bytes (decompression bomb?)")]
    TooLarge {
        /// The limit in force.
        limit: u64,
    },
    /// The compression ratio passed `max_ratio`.
    #[error(
        "compression ratio exceeds {max_ratio}:1 after {produced} bytes from {compressed} compressed bytes (decompression bomb?)"
    )]
    RatioExceeded {
        /// The limit in force.
        max_ratio: u64,
        /// Bytes produced so far.
        produced: u64,
        /// Compressed size of the object.
        compressed: u64,
    },
    /// The gzip stream is corrupt or ends early.
    #[error("corrupt or truncated gzip stream after {produced} decompressed bytes: {source}")]
    Corrupt {
        /// Bytes produced before the failure.
        produced: u64,
        /// The inflater's error.
        source: std::io::Error,
    },
}

/// Size of the chunks handed to decoders.
pub const CHUNK_BYTES: usize = 256 * 1024;

enum Inner<'a> {
    Gzip(Box<MultiGzDecoder<&'a [u8]>>),
    Plain(&'a [u8]),
    /// Inflated in one go by the fast path; served from here.
    Whole {
        content: Vec<u8>,
        pos: usize,
    },
}

/// Reads an object's content chunk by chunk, inflating gzip on the way.
pub struct ContentReader<'a> {
    inner: Inner<'a>,
    /// The object as fetched, for [`ContentReader::reinflate`].
    object: &'a [u8],
    compressed_len: u64,
    produced: u64,
    limits: InflateLimits,
    buf: Vec<u8>,
    /// A stream error met after some output: the output goes out first, the error next.
    pending: Option<InflateError>,
}

impl<'a> ContentReader<'a> {
    /// Starts reading `object`, inflating it if it starts with the gzip magic:
    /// in one go with libdeflate when it is a single member of moderate size,
    /// else streaming with flate2.
    pub fn new(object: &'a [u8], limits: InflateLimits) -> Self {
        let inner = if is_gzip(object) {
            match super::whole_inflate::inflate_whole(
                object,
                fast_path_limit(object.len() as u64, &limits),
            ) {
                Some(content) => Inner::Whole { content, pos: 0 },
                None => Inner::Gzip(Box::new(MultiGzDecoder::new(object))),
            }
        } else {
            Inner::Plain(object)
        };
        Self {
            inner,
            object,
            compressed_len: object.len() as u64,
            produced: 0,
            limits,
            buf: Vec::new(),
            pending: None,
        }
    }

    /// True when the object is gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        matches!(self.inner, Inner::Gzip(_) | Inner::Whole { .. })
    }

    /// Decompressed bytes produced so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    /// The whole content at once when it is in memory already (an object inflated whole, or
    /// not compressed) and nothing was read yet; `None` otherwise: read it chunk by chunk.
    pub fn whole(&mut self) -> Option<Result<&[u8], InflateError>> {
        if self.produced > 0 || self.pending.is_some() {
            return None;
        }
        let (content, gzip): (&[u8], bool) = match &mut self.inner {
            Inner::Plain(rest) if !rest.is_empty() => (std::mem::take(rest), false),
            Inner::Whole { content, pos } if *pos == 0 && !content.is_empty() => {
                *pos = content.len();
                (&content[..], true)
            }
            _ => return None,
        };
        self.produced = content.len() as u64;
        Some(check_limits(self.produced, self.compressed_len, &self.limits, gzip).map(|()| content))
    }

    /// After [`ContentReader::whole`] gave an inflated object's content: that content, in its
    /// own buffer, with at least `whole_inflate::PADDING_BYTES` of spare capacity, for a parser
    /// that works in place (it may overwrite the content: [`ContentReader::reinflate`] restores
    /// it). `None` for content that was not inflated whole.
    pub fn inflated_mut(&mut self) -> Option<&mut Vec<u8>> {
        match &mut self.inner {
            Inner::Whole { content, .. } => Some(content),
            _ => None,
        }
    }

    /// True when the object was inflated whole (see [`ContentReader::inflated_mut`]).
    pub fn is_inflated_whole(&self) -> bool {
        matches!(self.inner, Inner::Whole { .. })
    }

    /// Inflates the object whole again, over a buffer that an in-place parse overwrote, and
    /// returns the content. `None` when the object was not inflated whole, or when inflating
    /// it again failed, which leaves the reader at the start of the object, streaming.
    pub fn reinflate(&mut self) -> Option<&[u8]> {
        let Inner::Whole { content, .. } = &mut self.inner else {
            return None;
        };
        super::whole_inflate::give_back(std::mem::take(content));
        let limit = fast_path_limit(self.compressed_len, &self.limits);
        self.inner = match super::whole_inflate::inflate_whole(self.object, limit) {
            Some(content) => Inner::Whole {
                pos: content.len(),
                content,
            },
            None => {
                self.produced = 0;
                Inner::Gzip(Box::new(MultiGzDecoder::new(self.object)))
            }
        };
        match &self.inner {
            Inner::Whole { content, .. } => Some(&content[..]),
            _ => None,
        }
    }

    /// The next chunk of content, or `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<&[u8]>, InflateError> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        match &mut self.inner {
            Inner::Plain(rest) => {
                if rest.is_empty() {
                    return Ok(None);
                }
                let n = rest.len().min(CHUNK_BYTES);
                let (chunk, tail) = rest.split_at(n);
                *rest = tail;
                self.produced += n as u64;
                check_limits(self.produced, self.compressed_len, &self.limits, false)?;
                Ok(Some(chunk))
            }
            Inner::Whole { content, pos } => {
                if *pos >= content.len() {
                    return Ok(None);
                }
                let start = *pos;
                *pos = (start + CHUNK_BYTES).min(content.len());
                self.produced += (*pos - start) as u64;
                check_limits(self.produced, self.compressed_len, &self.limits, true)?;
                Ok(Some(&content[start..*pos]))
            }
            Inner::Gzip(decoder) => {
                self.buf.resize(CHUNK_BYTES, 0);
                let mut filled = 0;
                // Fill the chunk completely (or reach the end) so decoders see few, large chunks.
                while filled < self.buf.len() {
                    match decoder.read(&mut self.buf[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(source) => {
                            let e = InflateError::Corrupt {
                                produced: self.produced + filled as u64,
                                source,
                            };
                            if filled == 0 {
                                return Err(e);
                            }
                            // A truncated or corrupt tail: hand out what came before it (its
                            // complete records are good), then report the error.
                            self.pending = Some(e);
                            break;
                        }
                    }
                }
                if filled == 0 {
                    return Ok(None);
                }
                self.produced += filled as u64;
                check_limits(self.produced, self.compressed_len, &self.limits, true)?;
                Ok(Some(&self.buf[..filled]))
            }
        }
    }

    /// Reads the whole remaining content into one buffer (for formats that need random access).
    pub fn read_to_end(&mut self) -> Result<Vec<u8>, InflateError> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk()? {
            out.extend_from_slice(chunk);
        }
        Ok(out)
    }
}

impl Drop for ContentReader<'_> {
    /// An object inflated whole gives its buffer back to this thread's decoder for the next one.
    fn drop(&mut self) {
        if let Inner::Whole { content, .. } = &mut self.inner {
            super::whole_inflate::give_back(std::mem::take(content));
        }
    }
}

/// The largest announced size the fast path may inflate: never past the caps, so a
/// bomb always goes the streaming way, which stops it with the right error.
fn fast_path_limit(compressed: u64, limits: &InflateLimits) -> u64 {
    let by_ratio = if limits.max_ratio == 0 {
        u64::MAX
    } else {
        compressed.saturating_mul(limits.max_ratio)
    };
    limits
        .max_decompressed_bytes
        .min(by_ratio.max(limits.ratio_check_after_bytes))
}

fn check_limits(
    produced: u64,
    compressed: u64,
    limits: &InflateLimits,
    gzip: bool,
) -> Result<(), InflateError> {
    if produced > limits.max_decompressed_bytes {
        return Err(InflateError::TooLarge {
            limit: limits.max_decompressed_bytes,
        });
    }
    if gzip
        && produced > limits.ratio_check_after_bytes
        && produced / compressed.max(1) > limits.max_ratio
    {
        return Err(InflateError::RatioExceeded {
            max_ratio: limits.max_ratio,
            produced,
            compressed,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(object: &[u8], limits: InflateLimits) -> Result<Vec<u8>, InflateError> {
        ContentReader::new(object, limits).read_to_end()
    }

    #[test]
    fn plain_content_passes_through() {
        let out = read_all(b"hello", InflateLimits::default()).unwrap();
        assert_eq!(out, b"hello");
        assert!(!ContentReader::new(b"hello", InflateLimits::default()).is_gzip());
    }

    #[test]
    fn multi_member_gzip_is_read_to_the_end() {
        let mut object = gzip(b"first member\n");
        object.extend(gzip(b"second member\n"));
        let out = read_all(&object, InflateLimits::default()).unwrap();
        assert_eq!(out, b"first member\nsecond member\n");
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let object = gzip(&vec![b'x'; 100_000]);
        let err = read_all(&object[..object.len() / 2], InflateLimits::default()).unwrap_err();
        assert!(matches!(err, InflateError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn absolute_cap_stops_a_bomb() {
        let object = gzip(&vec![0u8; 4 * 1024 * 1024]);
        let limits = InflateLimits {
            max_decompressed_bytes: 1024 * 1024,
            ..Default::default()
        };
        let err = read_all(&object, limits).unwrap_err();
        assert!(
            matches!(err, InflateError::TooLarge { limit } if limit == 1024 * 1024),
            "{err}"
        );
    }

    #[test]
    fn ratio_cap_stops_a_bomb() {
        let object = gzip(&vec![0u8; 8 * 1024 * 1024]);
        let limits = InflateLimits {
            max_ratio: 100,
            ratio_check_after_bytes: 1024 * 1024,
            ..Default::default()
        };
        let err = read_all(&object, limits).unwrap_err();
        assert!(matches!(err, InflateError::RatioExceeded { .. }), "{err}");
    }

    #[test]
    fn plain_content_is_capped_too() {
        let limits = InflateLimits {
            max_decompressed_bytes: 10,
            ..Default::default()
        };
        assert!(read_all(&[b'a'; 11], limits).is_err());
        assert!(read_all(&[b'a'; 10], limits).is_ok());
    }
}
