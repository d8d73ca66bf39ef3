//! The field splitter of load balancer log lines: space-separated fields, a field that starts
//! with `"` running to the next unescaped `"`. It looks at 64 bytes at a time (SSE2 compares
//! on x86-64) and reads quoted regions from the parity of the quotes, with a state machine for
//! the lines that reading does not fit.

use crate::decode::bits::prefix_xor;

/// Splits a line into fields: space-separated, a field that starts with `"` runs to the next
/// unescaped `"` (and loses its quotes). Returns `None` for an unterminated quote.
pub fn fields(line: &str) -> Option<Vec<&str>> {
    let mut out = Vec::with_capacity(32);
    fields_into(line, &mut out).then_some(out)
}

/// The positions of the bytes the splitter stops at, in one 64-byte block: spaces, quotes and
/// backslashes, each as a bit mask (bit `i` for byte `i`). On x86-64, four 16-byte SSE2
/// compares and movemasks per byte class (SSE2 is part of the x86-64 baseline, so no runtime
/// detection); elsewhere a byte loop.
#[cfg(target_arch = "x86_64")]
#[inline]
fn block_masks(block: &[u8; 64]) -> (u64, u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let (mut s, mut q, mut b) = (0u64, 0u64, 0u64);
    // SAFETY: every x86-64 target enables SSE2 (it is the architecture's baseline), the only
    // feature these intrinsics need; each load reads the 16 bytes of one `chunks_exact(16)`
    // chunk of the block, with no alignment requirement.
    unsafe {
        let (space, quote, backslash) = (
            _mm_set1_epi8(b' ' as i8),
            _mm_set1_epi8(b'"' as i8),
            _mm_set1_epi8(b'\\' as i8),
        );
        for (i, chunk) in block.chunks_exact(16).enumerate() {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // movemask sets the low 16 bits only: the cast to u16 keeps them.
            s |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, space)) as u16) << (16 * i);
            q |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u16) << (16 * i);
            b |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) as u16) << (16 * i);
        }
    }
    (s, q, b)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn block_masks(block: &[u8; 64]) -> (u64, u64, u64) {
    let (mut space, mut quote, mut backslash) = (0u64, 0u64, 0u64);
    for (i, &b) in block.iter().enumerate() {
        space |= u64::from(b == b' ') << i;
        quote |= u64::from(b == b'"') << i;
        backslash |= u64::from(b == b'\\') << i;
    }
    (space, quote, backslash)
}

/// [`fields`] into a reused buffer (cleared first); false for an unterminated quote.
///
/// One pass over the line 64 bytes at a time, without a branch per quote: the parity of the
/// quotes seen so far ([`prefix_xor`]) marks the bytes inside quoted fields, the spaces outside
/// them end fields, and a field that starts with a quote loses its first and last byte. That
/// reading equals the splitter's rules (a quote opens a field only where one starts, and a
/// backslash escapes the next byte inside quotes) as long as every opening quote follows a
/// space or the line's start, every closing quote precedes a space or the line's end, and the
/// line has no backslash; a line that breaks one of those (rare in AWS's logs) goes to
/// [`fields_scalar`].
pub(super) fn fields_into<'a>(line: &'a str, out: &mut Vec<&'a str>) -> bool {
    out.clear();
    let bytes = line.as_bytes();
    let len = bytes.len();
    // Where the current field starts.
    let mut start = 0;
    // All ones when the previous block ended inside quotes.
    let mut inside_carry = 0u64;
    // Bit 0 set when the byte before the block is a space or the line's start.
    let mut space_before = 1u64;
    // A closing quote ended the previous block: the next byte must be a space.
    let mut close_pending = false;
    let mut tail = [0u8; 64];
    for offset in (0..len).step_by(64) {
        let block: &[u8; 64] = match bytes[offset..].first_chunk() {
            Some(b) => b,
            None => {
                tail[..len - offset].copy_from_slice(&bytes[offset..]);
                &tail
            }
        };
        let (space, quote, backslash) = block_masks(block);
        if backslash != 0 || (close_pending && space & 1 == 0) {
            return fields_scalar(line, out);
        }
        let inside = prefix_xor(quote) ^ inside_carry;
        let (openers, closers) = (quote & inside, quote & !inside);
        // A closer on the line's last byte is followed by its end; one on the block's last
        // byte, by the next block's first.
        let rest = len - offset;
        let mut followed = (space >> 1) | (1 << 63);
        if rest <= 64 {
            followed |= 1 << (rest - 1);
        }
        if openers & !((space << 1) | space_before) != 0 || closers & !followed != 0 {
            return fields_scalar(line, out);
        }
        close_pending = rest > 64 && closers >> 63 != 0;
        space_before = space >> 63;
        inside_carry = 0u64.wrapping_sub(inside >> 63);
        let mut ends = space & !inside;
        while ends != 0 {
            let pos = offset + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            if pos > start {
                out.push(unquoted(line, start, pos));
            }
            start = pos + 1;
        }
    }
    if inside_carry != 0 {
        return false;
    }
    if start < len {
        out.push(unquoted(line, start, len));
    }
    true
}

/// `line[start..end]`, without its first and last byte when it starts with a quote (then it
/// also ends with one, at least a byte later: the caller checked).
#[inline]
fn unquoted(line: &str, start: usize, end: usize) -> &str {
    let quoted = usize::from(line.as_bytes()[start] == b'"');
    line.get(start + quoted..end - quoted).unwrap_or_default()
}

/// The splitter as a state machine over the same 64-byte masks, for the lines
/// [`fields_into`]'s parity reading does not fit: a quote inside an unquoted field, a closing
/// quote with text after it, or a backslash.
fn fields_scalar<'a>(line: &'a str, out: &mut Vec<&'a str>) -> bool {
    out.clear();
    let bytes = line.as_bytes();
    // Where the current unquoted field starts, or (in a quote) where the quoted text starts.
    let mut start = 0;
    let mut in_quote = false;
    // The first position not yet looked at (past an escaped byte, one further).
    let mut next = 0;
    let mut tail = [0u8; 64];
    for offset in (0..bytes.len()).step_by(64) {
        let block: &[u8; 64] = match bytes[offset..].first_chunk() {
            Some(b) => b,
            None => {
                tail[..bytes.len() - offset].copy_from_slice(&bytes[offset..]);
                &tail
            }
        };
        let (space, quote, backslash) = block_masks(block);
        while next < offset + 64 {
            let wanted = if in_quote {
                quote | backslash
            } else {
                space | quote
            };
            let candidates = wanted & (u64::MAX << next.saturating_sub(offset));
            if candidates == 0 {
                break;
            }
            let pos = offset + candidates.trailing_zeros() as usize;
            next = pos + 1;
            match (in_quote, bytes[pos]) {
                (true, b'\\') => next = pos + 2,
                (true, _) => {
                    out.push(&line[start..pos]);
                    in_quote = false;
                    start = pos + 1;
                }
                (false, b' ') => {
                    if pos > start {
                        out.push(&line[start..pos]);
                    }
                    start = pos + 1;
                }
                // A quote opens a quoted field only where a field starts.
                (false, _) if pos == start => {
                    in_quote = true;
                    start = pos + 1;
                }
                (false, _) => {}
            }
        }
    }
    if in_quote {
        return false;
    }
    if start < bytes.len() {
        out.push(&line[start..]);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_their_spaces_and_escapes() {
        let f = fields(r#"a "b c" "-" "d \"e\" f" g"#).unwrap_or_default();
        assert_eq!(f, vec!["a", "b c", "-", r#"d \"e\" f"#, "g"]);
        assert!(fields(r#"a "b c"#).is_none());
    }

    /// The splitter as first written, a byte at a time: what the block splitter must equal.
    fn fields_reference(line: &str) -> Option<Vec<&str>> {
        let b = line.as_bytes();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < b.len() {
            if b[i] == b' ' {
                i += 1;
            } else if b[i] == b'"' {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return None;
                }
                out.push(&line[i + 1..j]);
                i = j + 1;
            } else {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b' ')
                    .map_or(b.len(), |k| i + k);
                out.push(&line[i..end]);
                i = end;
            }
        }
        Some(out)
    }

    #[test]
    fn the_block_splitter_equals_a_byte_at_a_time() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let check = |line: &str| {
            let expected = fields_reference(line);
            assert_eq!(fields(line), expected, "{line:?}");
            let mut out = Vec::new();
            let ok = fields_scalar(line, &mut out);
            assert_eq!(ok.then_some(out), expected, "scalar: {line:?}");
        };
        // Lines of every length across three block boundaries, from alphabets that are mostly
        // the bytes the splitter stops at, so quotes and escapes land on every block edge (the
        // first sends most lines to the scalar splitter, by a backslash; the second has none,
        // and its quotes inside fields test the parity reading's checks)...
        for alphabet in [&b"a \"\\b "[..], &b"a \"b c"[..]] {
            for len in 0..200 {
                for _ in 0..40 {
                    let line: String = (0..len)
                        .map(|_| char::from(alphabet[next(alphabet.len())]))
                        .collect();
                    check(&line);
                }
            }
        }
        // ...and lines of well-formed fields, plain and quoted (with spaces, or empty), one or
        // two spaces apart, which the parity reading splits alone; one in ten carries a stray
        // quote or backslash somewhere.
        let tokens = [
            "a",
            "bb",
            "-",
            "\"\"",
            "\"x y\"",
            "\"- - -\"",
            "\"GET /a?b=c HTTP/1.1\"",
        ];
        for _ in 0..8_000 {
            let mut line = String::new();
            for _ in 0..next(40) {
                line.push_str(tokens[next(tokens.len())]);
                line.push_str(if next(8) == 0 { "  " } else { " " });
            }
            if next(10) == 0 && !line.is_empty() {
                let at = next(line.len());
                line.insert(at, if next(2) == 0 { '"' } else { '\\' });
            }
            check(line.trim_end_matches(|c| next(2) == 0 && c == ' '));
        }
    }
}
