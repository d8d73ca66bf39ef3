//! Finds where a JSON value closes, 64 bytes at a time, for [`super::json_split`]: inside a
//! record the splitter only needs the depth of brackets outside strings, and reading that a
//! byte at a time (with a `memchr` per string) was a quarter of decoding a large CloudTrail
//! file. The technique is simdjson's stage 1: bit masks of backslashes, quotes and brackets per
//! block, escaped characters from the runs of backslashes, the inside of strings as a prefix
//! XOR of the unescaped quotes; brackets outside strings are then counted, and visited one by
//! one only in a block where the value may close or nest too deep.

use super::bits::prefix_xor;

/// Where a scan stands between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanState {
    /// Brackets open (absolute, as the splitter counts them).
    pub depth: u32,
    /// Inside a string.
    pub in_string: bool,
    /// The next byte is escaped (the bytes ended on an odd run of backslashes).
    pub escape_next: bool,
    /// The value nested deeper than allowed at some point.
    pub too_deep: bool,
}

/// Bit `i` set where byte `i` of a block is a backslash, a quote, `{` or `[`, `}` or `]`.
#[derive(Debug, Clone, Copy, Default)]
struct Masks {
    backslash: u64,
    quote: u64,
    open: u64,
    close: u64,
}

/// The depths a scan watches for.
#[derive(Debug, Clone, Copy)]
pub struct Depths {
    /// The scan stops at the bracket that would close depth `stop + 1`.
    pub stop: u32,
    /// Deeper than this, the value is too deep.
    pub limit: u32,
}

/// Scans `bytes` while `state.depth > depths.stop`. Returns the index of the first bracket
/// outside a string that would close depth `stop + 1`, without applying it (`state.depth` is
/// then `stop + 1`), or `None` when `bytes` ends first, `state` holding where it ended. Sets
/// `too_deep` when the depth passes `depths.limit`. Backslashes outside strings (invalid JSON)
/// escape the next byte, as in simdjson; the parser rejects such a record either way.
pub fn find_close(bytes: &[u8], state: &mut ScanState, depths: Depths) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked on the line above.
        return unsafe { find_close_avx2(bytes, state, depths) };
    }
    #[cfg(target_arch = "x86_64")]
    return scan(bytes, state, depths, masks);
    #[cfg(not(target_arch = "x86_64"))]
    scan(bytes, state, depths, masks_scalar)
}

/// [`find_close`] compiled for AVX2, with its 32-byte comparisons.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn find_close_avx2(bytes: &[u8], state: &mut ScanState, depths: Depths) -> Option<usize> {
    scan(bytes, state, depths, |block| masks_avx2(block))
}

/// The body of [`find_close`], over blocks classified by `masks`.
#[inline(always)]
fn scan(
    bytes: &[u8],
    state: &mut ScanState,
    Depths { stop, limit }: Depths,
    masks: impl Fn(&[u8; 64]) -> Masks,
) -> Option<usize> {
    let mut depth = state.depth;
    let mut escaped_carry = u64::from(state.escape_next);
    let mut string_carry = if state.in_string { u64::MAX } else { 0 };
    let mut pos = 0;
    while pos < bytes.len() {
        let len = (bytes.len() - pos).min(64);
        let masks = match bytes[pos..].first_chunk::<64>() {
            Some(block) => masks(block),
            None => {
                let mut block = [0u8; 64];
                block[..len].copy_from_slice(&bytes[pos..]);
                masks(&block)
            }
        };
        let escaped = escaped_bits(masks.backslash, &mut escaped_carry);
        let in_string = prefix_xor(masks.quote & !escaped) ^ string_carry;
        let opens = masks.open & !in_string;
        let closes = masks.close & !in_string;
        let (n_open, n_close) = (opens.count_ones(), closes.count_ones());
        let may_close = depth <= stop.saturating_add(n_close);
        let may_nest = !state.too_deep && depth.saturating_add(n_open) > limit;
        if may_close || may_nest {
            let mut brackets = opens | closes;
            while brackets != 0 {
                let bit = brackets.trailing_zeros();
                if opens >> bit & 1 == 1 {
                    depth += 1;
                    state.too_deep |= depth > limit;
                } else if depth == stop.saturating_add(1) {
                    state.depth = depth;
                    state.in_string = false;
                    state.escape_next = false;
                    return Some(pos + bit as usize);
                } else {
                    depth -= 1;
                }
                brackets &= brackets - 1;
            }
        } else {
            depth = depth + n_open - n_close;
        }
        if len < 64 {
            // A short last block: what the next bytes inherit is read at its end, not bit 63.
            state.in_string = in_string >> (len - 1) & 1 == 1;
            state.escape_next = escaped >> len & 1 == 1;
            state.depth = depth;
            return None;
        }
        string_carry = ((in_string as i64) >> 63) as u64;
        pos += 64;
    }
    state.depth = depth;
    state.in_string = string_carry != 0;
    state.escape_next = escaped_carry != 0;
    None
}

/// The bytes escaped by a backslash (simdjson's `find_escaped_branchless`): every other byte
/// of a run of backslashes is an escape, and the byte after a run of odd length is escaped.
/// `carry` is 1 when the previous block's last backslash escapes this block's first byte.
fn escaped_bits(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN_BITS: u64 = 0x5555_5555_5555_5555;
    // A backslash escaped by the previous block's last one is no escape itself.
    let backslash = backslash & !*carry;
    let follows_escape = (backslash << 1) | *carry;
    // Runs starting on an odd bit: adding the backslashes carries each run's start to its end.
    let odd_starts = backslash & !EVEN_BITS & !follows_escape;
    let (even_started, overflow) = odd_starts.overflowing_add(backslash);
    *carry = u64::from(overflow);
    let invert = even_started << 1;
    (EVEN_BITS ^ invert) & follows_escape
}

#[cfg(target_arch = "x86_64")]
fn masks(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut out = Masks::default();
    for (k, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of every x86_64 target; `lane` is 16 readable bytes and
        // `_mm_loadu_si128` has no alignment requirement.
        let bits = unsafe {
            let v = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            let eq = |c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) as u16;
            // `{` and `[` (and `}` and `]`) differ only in bit 0x20.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let fold_eq =
                |c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8(c as i8))) as u16;
            [eq(b'\\'), eq(b'"'), fold_eq(b'{'), fold_eq(b'}')]
        };
        let shift = 16 * k;
        out.backslash |= u64::from(bits[0]) << shift;
        out.quote |= u64::from(bits[1]) << shift;
        out.open |= u64::from(bits[2]) << shift;
        out.close |= u64::from(bits[3]) << shift;
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn masks_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    let mut out = Masks::default();
    for (k, lane) in block.chunks_exact(32).enumerate() {
        // SAFETY: `lane` is 32 readable bytes and `_mm256_loadu_si256` has no alignment
        // requirement; this function only runs where AVX2 is enabled.
        let v = unsafe { _mm256_loadu_si256(lane.as_ptr().cast::<__m256i>()) };
        let eq = |v: __m256i, c: u8| {
            u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8))) as u32)
        };
        let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        let shift = 32 * k;
        out.backslash |= eq(v, b'\\') << shift;
        out.quote |= eq(v, b'"') << shift;
        out.open |= eq(folded, b'{') << shift;
        out.close |= eq(folded, b'}') << shift;
    }
    out
}

/// The same masks a byte at a time: for other targets, and the tests' reference.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn masks_scalar(block: &[u8; 64]) -> Masks {
    let mut out = Masks::default();
    for (i, b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match b {
            b'\\' => out.backslash |= bit,
            b'"' => out.quote |= bit,
            b'{' | b'[' => out.open |= bit,
            b'}' | b']' => out.close |= bit,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same scan a byte at a time, as the splitter did it.
    fn bytewise(bytes: &[u8], state: &mut ScanState, stop: u32, limit: u32) -> Option<usize> {
        let mut i = 0;
        if state.escape_next && !bytes.is_empty() {
            state.escape_next = false;
            i = 1;
        }
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\\' {
                if i + 1 == bytes.len() {
                    state.escape_next = true;
                    return None;
                }
                i += 2;
                continue;
            }
            if state.in_string {
                state.in_string = b != b'"';
            } else {
                match b {
                    b'"' => state.in_string = true,
                    b'{' | b'[' => {
                        state.depth += 1;
                        state.too_deep |= state.depth > limit;
                    }
                    b'}' | b']' if state.depth == stop + 1 => return Some(i),
                    b'}' | b']' => state.depth -= 1,
                    _ => {}
                }
            }
            i += 1;
        }
        None
    }

    /// Cuts `text` into pieces at `cuts` and scans them in turn with both scanners.
    fn agree(text: &[u8], cuts: &[usize], stop: u32, start_depth: u32) {
        let (mut fast, mut slow) = (
            ScanState {
                depth: start_depth,
                ..ScanState::default()
            },
            ScanState {
                depth: start_depth,
                ..ScanState::default()
            },
        );
        let mut from = 0;
        for &to in cuts.iter().chain(std::iter::once(&text.len())) {
            let to = to.clamp(from, text.len());
            let piece = &text[from..to];
            let got = find_close(piece, &mut fast, Depths { stop, limit: 6 });
            let want = bytewise(piece, &mut slow, stop, 6);
            assert_eq!(
                got,
                want,
                "{:?} cut at {cuts:?}",
                String::from_utf8_lossy(text)
            );
            assert_eq!(
                fast,
                slow,
                "{:?} cut at {cuts:?}",
                String::from_utf8_lossy(text)
            );
            if got.is_some() {
                return;
            }
            from = to;
        }
    }

    #[test]
    fn vector_masks_equal_the_bytewise_ones() {
        let text = crate::synth::bulk::cloudtrail_object(20, 1);
        let blocks = text
            .chunks_exact(64)
            .map(|b| <[u8; 64]>::try_from(b).unwrap());
        let same = |a: Masks, b: Masks| {
            (a.backslash, a.quote, a.open, a.close) == (b.backslash, b.quote, b.open, b.close)
        };
        let mut every_byte = [0u8; 64];
        for (i, b) in every_byte.iter_mut().enumerate() {
            *b = [b'\\', b'"', b'{', b'[', b'}', b']', b'a', 0x7b | 0x80, b';'][i % 9];
        }
        for block in blocks.chain([every_byte]) {
            let want = masks_scalar(&block);
            #[cfg(target_arch = "x86_64")]
            {
                assert!(same(masks(&block), want));
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2, checked on the line above.
                    assert!(same(unsafe { masks_avx2(&block) }, want));
                }
            }
        }
    }

    #[test]
    fn finds_the_closing_bracket_past_strings_escapes_and_nesting() {
        let text = br#"{"a":"}\"]","b":[1,{"c":"\\"}],"d":"\\\"{"}, {"next":1}"#;
        let mut state = ScanState {
            depth: 1,
            ..ScanState::default()
        };
        let depths = Depths { stop: 0, limit: 64 };
        let end = find_close(&text[1..], &mut state, depths).map(|i| i + 1);
        assert_eq!(end, Some(text.iter().position(|&b| b == b' ').unwrap() - 2));
        assert_eq!(state.depth, 1);
    }

    #[test]
    fn agrees_with_a_bytewise_scan_at_every_cut() {
        // Long enough to span blocks, with runs of backslashes of every length around quotes
        // and block edges, brackets inside strings, and nesting past the limit.
        let mut text = Vec::new();
        for run in 0..9 {
            text.extend_from_slice(br#"{"k":""#);
            text.extend(std::iter::repeat_n(b'\\', run));
            text.extend_from_slice(br#"" ,"x":"a}]{[","n":[[[[[[[1]]]]]]]},"#);
        }
        text.extend_from_slice(b"}} tail");
        for cut in 0..text.len() {
            agree(&text, &[cut], 0, 1);
            agree(&text, &[cut, cut + 63, cut + 64, cut + 130], 0, 1);
        }
        for len in 0..text.len() {
            agree(&text[..len], &[], 0, 1);
            agree(&text[..len], &[len / 2], 1, 2);
        }
    }

    #[test]
    fn agrees_on_generated_cloudtrail_files() {
        for seed in 0..3 {
            let text = crate::synth::bulk::cloudtrail_object(200, seed);
            // Inside the wrapper's array: the first record starts after `{"Records":[`.
            let start = text.iter().position(|&b| b == b'[').unwrap() + 2;
            for cuts in [&[][..], &[100, 4_000, 4_001, 9_999][..]] {
                agree(&text[start..], cuts, 2, 3);
            }
        }
    }
}
