//! Bit tricks shared by the splitters that read 64 bytes at a time (`json_scan`, `elb::split`).

/// Bit `i` of the result is the parity of the bits `0..=i` of `x`: given the quotes of a block,
/// set from a quote up to the byte before the next one (a carry-less prefix sum, in six shifts).
#[inline]
pub fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}
