//! Whole-object gzip inflation with libdeflate, the fast path for the common
//! case: a single-member object of known, moderate size. libdeflate inflates
//! log data about twice as fast as zlib-rs (see docs/performance.md), but
//! needs the output size up front and has no streaming interface. Anything
//! else (several members, a size trailer that lies, corrupt data, objects
//! above the threshold) returns `None`, and the caller uses the streaming
//! flate2 path, which enforces the limits and reports errors precisely.
//!
//! The safe `libdeflater` wrapper cannot be used: its gzip entry point does
//! not report how much input it consumed and silently ignores every member
//! after the first, which would drop records of multi-member objects.

use std::cell::RefCell;
use std::ptr::NonNull;

use libdeflate_sys::{
    libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_free_decompressor,
    libdeflate_gzip_decompress_ex, libdeflate_result_LIBDEFLATE_SUCCESS,
};

/// Objects whose gzip trailer announces more than this are streamed instead,
/// so decoding them never holds the whole content.
pub const WHOLE_OBJECT_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// Spare room every inflated buffer has past its content, so that a parser that reads past the
/// end (simd-json) can parse it in place, without a padded copy.
pub const PADDING_BYTES: usize = simd_json::INPUT_PADDING;

/// An owned libdeflate decompressor.
struct Decompressor(NonNull<libdeflate_decompressor>);

impl Decompressor {
    fn new() -> Option<Decompressor> {
        // SAFETY: no preconditions; returns null on allocation failure, which NonNull::new checks.
        NonNull::new(unsafe { libdeflate_alloc_decompressor() }).map(Decompressor)
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: the pointer came from libdeflate_alloc_decompressor and is freed exactly once.
        unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

thread_local! {
    static DECOMPRESSOR: RefCell<Option<Decompressor>> = const { RefCell::new(None) };
    /// The last output buffer this thread gave back, kept for the next object: a fresh buffer
    /// of several MiB is new pages from the kernel, which zeroes every one on first touch (7% of
    /// a CloudTrail replay before the buffer was kept).
    static SPARE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The largest buffer a thread keeps between objects.
const SPARE_MAX_BYTES: usize = 64 * 1024 * 1024;

/// An empty buffer with room for `size` bytes: this thread's spare one when it is there.
fn take_buffer(size: usize) -> Vec<u8> {
    let mut out = SPARE
        .with(|spare| spare.try_borrow_mut().map(|mut s| std::mem::take(&mut *s)))
        .unwrap_or_default();
    out.clear();
    out.reserve_exact(size);
    out
}

/// Gives an inflated object's buffer back for the next object this thread inflates (the
/// larger of the two is kept, up to [`SPARE_MAX_BYTES`]).
pub fn give_back(mut buffer: Vec<u8>) {
    if buffer.capacity() > SPARE_MAX_BYTES {
        return;
    }
    buffer.clear();
    SPARE.with(|spare| {
        if let Ok(mut s) = spare.try_borrow_mut()
            && s.capacity() < buffer.capacity()
        {
            *s = buffer;
        }
    });
}

/// The uncompressed size a gzip object's trailer announces (modulo 2^32, of its last member).
fn announced_size(gz: &[u8]) -> Option<u64> {
    let tail: [u8; 4] = gz.get(gz.len().checked_sub(4)?..)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(tail)))
}

/// Inflates `gz` in one call when it is a single gzip member whose trailer
/// announces at most `limit` bytes (and `WHOLE_OBJECT_MAX_BYTES`); `None` otherwise.
pub fn inflate_whole(gz: &[u8], limit: u64) -> Option<Vec<u8>> {
    let size = announced_size(gz)?;
    if size == 0 || size > limit.min(WHOLE_OBJECT_MAX_BYTES) {
        return None;
    }
    let size = usize::try_from(size).ok()?;
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = Decompressor::new();
        }
        let decompressor = slot.as_ref()?;
        // Not zeroed first: libdeflate writes every byte that is kept (zeroing a reused
        // allocation costs a pass over the content).
        let mut out = take_buffer(size + PADDING_BYTES);
        let (mut consumed, mut produced) = (0usize, 0usize);
        // SAFETY: `gz` is valid for reads of its length and `out` has capacity for writes of
        // `size` bytes; the decompressor is live and used by this thread only; the out-pointers
        // are valid usizes.
        let result = unsafe {
            libdeflate_gzip_decompress_ex(
                decompressor.0.as_ptr(),
                gz.as_ptr().cast(),
                gz.len(),
                out.as_mut_ptr().cast(),
                size,
                &mut consumed,
                &mut produced,
            )
        };
        // Anything but one member that fills the announced size exactly goes the streaming way.
        if result == libdeflate_result_LIBDEFLATE_SUCCESS
            && consumed == gz.len()
            && produced == size
        {
            // SAFETY: libdeflate succeeded and wrote exactly `size` bytes, within the capacity,
            // from the start of `out`: they are initialized.
            unsafe { out.set_len(size) };
            Some(out)
        } else {
            give_back(out);
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::gzip;

    #[test]
    fn a_buffer_given_back_is_reused_and_overwritten() {
        let big = b"first object, longer\n".repeat(5000);
        let first = inflate_whole(&gzip(&big), u64::MAX).unwrap_or_default();
        assert_eq!(first, big);
        let at = first.as_ptr();
        give_back(first);
        let small = b"second\n".repeat(100);
        let second = inflate_whole(&gzip(&small), u64::MAX).unwrap_or_default();
        assert_eq!(second, small, "only the new content, none of the old");
        assert_eq!(second.as_ptr(), at, "the same allocation");
    }

    #[test]
    fn single_members_inflate_whole() {
        let data = b"line one\nline two\n".repeat(1000);
        assert_eq!(
            inflate_whole(&gzip(&data), u64::MAX).as_deref(),
            Some(&data[..])
        );
    }

    #[test]
    fn everything_else_is_left_to_the_streaming_path() {
        let data = b"abc\n".repeat(100);
        let mut two = gzip(&data);
        two.extend(gzip(&data));
        assert_eq!(
            inflate_whole(&two, u64::MAX),
            None,
            "a second member must not be dropped"
        );
        let one = gzip(&data);
        assert_eq!(
            inflate_whole(&one[..one.len() - 10], u64::MAX),
            None,
            "truncated"
        );
        assert_eq!(inflate_whole(&one, 10), None, "over the limit");
        let mut trailing = gzip(&data);
        trailing.extend(b"junk");
        assert_eq!(inflate_whole(&trailing, u64::MAX), None);
        let mut lying = gzip(&data);
        let n = lying.len();
        lying[n - 4..].copy_from_slice(&10u32.to_le_bytes());
        assert_eq!(
            inflate_whole(&lying, u64::MAX),
            None,
            "a trailer that understates the size"
        );
        assert_eq!(inflate_whole(b"", u64::MAX), None);
    }
}
