//! Bucketing (spec §5): which of 100,000 buckets a unit falls in for a flag's salt.
//!
//! `bucket = (XXH3-64(salt ":" unit) × 100000) >> 64`, computed in 128 bits, so every bucket is an
//! integer in `[0, 100000)`, each 0.001 % of units. A percent `p` covers `round(p × 1000)` buckets.
//! These functions are exact and portable: the published vectors in `tests/vectors/bucketing.json`
//! hold every implementation (Rust, wasm, other languages) to the same numbers.

use crate::bytes::{le_bytes, word4, word8};

/// Number of buckets.
pub const BUCKETS: u32 = 100_000;

/// The bucket of an already concatenated input (`salt:unit` bytes).
#[inline]
pub fn bucket_of_bytes(input: &[u8]) -> u32 {
    scale(xxh3_64(input))
}

/// `(h × 100000) >> 64`, exactly, without a 128-bit multiply (which is a library call on wasm32):
/// with `h = hi·2^32 + lo`, `⌊h·B / 2^64⌋ = ⌊(hi·B + ⌊lo·B / 2^32⌋) / 2^32⌋`; both products are below 2^49.
#[inline]
fn scale(h: u64) -> u32 {
    let b = u64::from(BUCKETS);
    let hi = (h >> 32) * b;
    let lo = ((h & 0xFFFF_FFFF) * b) >> 32;
    ((hi + lo) >> 32) as u32
}

/// The bucket of `unit` for a flag whose salt prefix (`salt` followed by `:`) is `prefix`.
///
/// Does not allocate for inputs up to 256 bytes (128 in the wasm build). In both builds the common 17 to 32 bytes (a salt
/// prefix and a key of 8 bytes or more each, as S2's 12 + 9) are hashed in place by
/// [`xxh3_17to32_joined`] (no call). In the wasm build, other inputs up to 128 bytes (every ordinary
/// key) are hashed where they are too, without joining them ([`xxh3_joined`]): there a copy is a
/// call and the reference's 128-bit multiply a library call. Natively a copy without `memcpy` ([`put`])
/// and the reference are cheaper (callgrind: ~95 instructions against ~160 for S2's 21 bytes).
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline)]
#[cfg_attr(edgeflag_unstable, optimize(speed))]
pub fn bucket_with_prefix(prefix: &[u8], unit: &[u8]) -> u32 {
    let n = prefix.len() + unit.len();
    // The common 17 to 32 bytes (salt and key of 8 bytes or more each) in place, in both builds:
    // natively a copy's 8-byte loads of bytes just stored in two pieces stall (no store forwarding);
    // in wasm `xxh3_joined` reads the words that straddle the two by an out-of-line call each
    // (S2 in Node: 151 instructions fewer per read, docs/wasm-size.md).
    if (17..=32).contains(&n) && prefix.len() >= 8 && unit.len() >= 8 {
        scale(xxh3_17to32_joined(prefix, unit))
    } else if cfg!(target_arch = "wasm32") && n <= SHORT_INPUT {
        scale(xxh3_joined(prefix, unit))
    } else if n <= 64 {
        let mut buf = [0u8; 64];
        put(&mut buf, 0, prefix);
        put(&mut buf, prefix.len(), unit);
        bucket_of_bytes(buf.get(..n).unwrap_or(&[]))
    } else {
        bucket_long(prefix, unit)
    }
}

/// [`bucket_with_prefix`] of more than 64 bytes in all: natively out of line (rare, and large), in
/// the wasm build inlined as before (its size), and there without the 256-byte stack copy: its inputs are
/// over 128 bytes, rare, and joined in a `Vec` as longer ones are (25 B of wasm, docs/wasm-size.md).
#[cfg_attr(not(target_arch = "wasm32"), inline(never))]
#[cfg_attr(target_arch = "wasm32", inline(always))]
fn bucket_long(prefix: &[u8], unit: &[u8]) -> u32 {
    let n = prefix.len() + unit.len();
    if n <= 256 && !cfg!(target_arch = "wasm32") {
        let mut buf = [0u8; 256];
        buf[..prefix.len()].copy_from_slice(prefix);
        buf[prefix.len()..n].copy_from_slice(unit);
        bucket_of_bytes(&buf[..n])
    } else {
        let mut v = Vec::with_capacity(n);
        v.extend_from_slice(prefix);
        v.extend_from_slice(unit);
        bucket_of_bytes(&v)
    }
}

/// Copies `src` into `dst` at `at` (`at + src.len() <= 64`) with a few fixed-size moves, not a
/// `memcpy` call (whose call and dispatch cost more than the copy at these lengths): two
/// overlapping windows of 16, 8, 4 bytes or single bytes, as for [`crate::bytes::le_bytes`], and 16-byte
/// steps beyond 32 bytes. A copy that would not fit copies nothing (never, for callers within the bound).
#[inline(always)]
fn put(dst: &mut [u8; 64], at: usize, src: &[u8]) {
    fn window<const W: usize>(dst: &mut [u8; 64], at: usize, src: &[u8], from: usize) {
        if let (Some(d), Some(s)) = (dst.get_mut(at + from..at + from + W), src.get(from..from + W)) {
            d.copy_from_slice(s);
        }
    }
    let n = src.len();
    if at + n > 64 {
        return;
    }
    if n >= 16 {
        let mut i = 0;
        while i + 16 < n {
            window::<16>(dst, at, src, i);
            i += 16;
        }
        window::<16>(dst, at, src, n - 16);
    } else if n >= 8 {
        window::<8>(dst, at, src, 0);
        window::<8>(dst, at, src, n - 8);
    } else if n >= 4 {
        window::<4>(dst, at, src, 0);
        window::<4>(dst, at, src, n - 4);
    } else {
        for (i, b) in src.iter().enumerate() {
            if let Some(d) = dst.get_mut(at + i) {
                *d = *b;
            }
        }
    }
}

/// Inputs up to this many bytes are hashed by [`xxh3_joined`].
pub(crate) const SHORT_INPUT: usize = 128;

/// XXH3-64 (seed 0) of `input`, of any length. Natively the reference (`xxhash_rust::xxh3::xxh3_64`,
/// vectorised); in the wasm build [`xxh3_compact`], which gives the same hashes with a third of the
/// code (docs/wasm-size.md).
#[inline]
pub(crate) fn xxh3_64(input: &[u8]) -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        xxh3_compact(input)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        xxhash_rust::xxh3::xxh3_64(input)
    }
}

/// XXH3-64 (seed 0) of `input`, written for size: up to 128 bytes by [`xxh3_joined`] (whose code the
/// wasm build has anyway), 129 to 240 bytes by [`xxh3::len_129to240`], longer inputs by
/// [`xxh3::long`], each the specification's algorithm as plain loops (the reference unrolls them and
/// has a second entry for every length). Checked against the reference for every length to 2,100
/// bytes.
#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
fn xxh3_compact(input: &[u8]) -> u64 {
    let len = input.len();
    if len <= SHORT_INPUT {
        xxh3_joined(input, &[])
    } else if len <= 240 {
        xxh3::len_129to240(input)
    } else {
        xxh3::long(input)
    }
}

/// XXH3-64 (seed 0) of `a` followed by `b`, for a total of at most 128 bytes, without copying them
/// into one buffer: a copy of variable length is a `memcpy` call, and costs more than the hash at
/// these lengths. XXH3 reads short inputs as a few 1-, 4- and 8-byte words at fixed distances from
/// either end; [`Joined`] reads each word from the slice(s) it falls in. The same algorithm as
/// `xxhash_rust::xxh3::xxh3_64` (the reference), checked against it for every length and split.
/// Longer inputs give 0 (callers join them and use the reference).
#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
#[cfg_attr(edgeflag_unstable, optimize(speed))]
pub(crate) fn xxh3_joined(a: &[u8], b: &[u8]) -> u64 {
    let j = Joined { a, b };
    let len = a.len() + b.len();
    let n = len as u64;
    if len > 16 {
        if len > SHORT_INPUT {
            return 0;
        }
        // 16-byte blocks from the front and the back, in pairs, each pair with its 32 bytes of the
        // secret: one pair up to 32 bytes, two up to 64, three up to 96, four up to 128 (the
        // reference adds the same terms in another order; the sum wraps, so the order is free)
        let mut acc = n.wrapping_mul(xxh3::PRIME64_1);
        // block `k` of the `2 × pairs`: pair `k / 2`'s from the front (`k` even) or from the back, with
        // the secret's 16 bytes at `16 k` (one `mix16` in the loop: its reads are code of their own)
        for k in 0..2 * len.div_ceil(32) {
            let at = if k % 2 == 0 { 8 * k } else { len - 8 * (k + 1) };
            acc = acc.wrapping_add(j.mix16(at, 16 * k));
        }
        xxh3::avalanche(acc)
    } else if len > 8 {
        // (the multiply out of line: 9 to 16 bytes in all are rare here, set::hash has its own inline copy)
        xxh3::len_9to16_by(j.u64_at(0), j.u64_at(len - 8), n, xxh3::fold)
    } else if len >= 4 {
        xxh3::len_4to8(j.u32_at(0), j.u32_at(len - 4), n)
    } else if len > 0 {
        xxh3::len_1to3(j.byte(0), j.byte(len >> 1), j.byte(len - 1), len as u32)
    } else {
        xxh3::len_0()
    }
}

/// XXH3-64 (seed 0) of `key` when it is at most 3 bytes long (the specification's paths for those
/// lengths, as [`xxh3_joined`] computes them), else `None`: `set::StrIndex` hashes the paths of the
/// context's slots (`key`, `age`) with it, without the whole of `xxh3_joined`, which a cold start's load
/// would compile for them alone (docs/ARCHITECTURE.md, "Cold start").
#[inline(always)]
pub(crate) fn xxh3_0to3(key: &[u8]) -> Option<u64> {
    match *key {
        [] => Some(xxh3::len_0()),
        [c] => Some(xxh3::len_1to3(c, c, c, 1)),
        [c1, c2] => Some(xxh3::len_1to3(c1, c2, c2, 2)),
        [c1, c2, c3] => Some(xxh3::len_1to3(c1, c2, c3, 3)),
        _ => None,
    }
}

/// XXH3-64 (seed 0) of `key` when it is 4 to 16 bytes long (the specification's two paths for those
/// lengths, as [`xxh3_joined`] computes them), else `None`: for callers that hash many short keys
/// (`set::StrIndex`, the flag index) without the large entry of `xxh3_64`, which serves every length.
#[inline(always)]
pub(crate) fn xxh3_4to16(key: &[u8]) -> Option<u64> {
    let n = key.len();
    match n {
        9..=16 => Some(xxh3::len_9to16(word8(key, 0), word8(key, n - 8), n as u64)),
        4..=8 => Some(xxh3::len_4to8(word4(key, 0), word4(key, n - 4), n as u64)),
        _ => None,
    }
}

/// [`xxh3_joined`] for 17 to 32 bytes in all, `a` and `b` of 8 bytes or more each (a word
/// straddling the two is the last 8 bytes of `a` and the first 8 of `b`, shifted). Other inputs
/// give 0 (the caller checks).
#[inline(always)]
fn xxh3_17to32_joined(a: &[u8], b: &[u8]) -> u64 {
    let na = a.len();
    let len = na + b.len();
    if !(17..=32).contains(&len) || na < 8 || b.len() < 8 {
        return 0;
    }
    let (a_last, b_first) = (word8(a, na - 8), word8(b, 0));
    // the 8 bytes at `at` (at + 8 <= len)
    let at = |at: usize| -> u64 {
        if at + 8 <= na {
            word8(a, at)
        } else if at >= na {
            word8(b, at - na)
        } else {
            let k = na - at; // 1..=7 bytes of `a`
            (a_last >> (8 * (8 - k))) | (b_first << (8 * k))
        }
    };
    let mix = |lo: u64, hi: u64, secret: usize| xxh3::mul128_fold64(lo ^ xxh3::secret64(secret), hi ^ xxh3::secret64(secret + 8));
    let acc = (len as u64).wrapping_mul(xxh3::PRIME64_1).wrapping_add(mix(at(0), at(8), 0)).wrapping_add(mix(at(len - 16), at(len - 8), 16));
    xxh3::avalanche(acc)
}

/// Two byte strings read as their concatenation.
struct Joined<'a> {
    a: &'a [u8],
    b: &'a [u8],
}

impl Joined<'_> {
    /// The 8 bytes at `at` (little-endian); `at + 8` is at most the total length.
    #[inline(always)]
    fn u64_at(&self, at: usize) -> u64 {
        let na = self.a.len();
        if at + 8 <= na {
            word8(self.a, at)
        } else if at >= na {
            word8(self.b, at - na)
        } else {
            self.straddling(at, 8)
        }
    }

    /// The 4 bytes at `at` (little-endian); `at + 4` is at most the total length.
    #[inline(always)]
    fn u32_at(&self, at: usize) -> u32 {
        let na = self.a.len();
        if at + 4 <= na {
            word4(self.a, at)
        } else if at >= na {
            word4(self.b, at - na)
        } else {
            self.straddling(at, 4) as u32
        }
    }

    /// The `width` (4 or 8) bytes at `at`, where `a` ends inside them (little-endian; for width 4 the
    /// low 32 bits are those bytes). Not inlined: one copy serves every read (the wasm build's size).
    #[inline(never)]
    fn straddling(&self, at: usize, width: usize) -> u64 {
        let na = self.a.len();
        // `k` (1..width) bytes at the end of `a`, then the start of `b`
        let k = na.saturating_sub(at);
        if na >= 8 && self.b.len() >= 8 && (1..8).contains(&k) {
            // the last 8 bytes of `a` shifted down to its last `k`, the first of `b` shifted up
            (word8(self.a, na - 8) >> (8 * (8 - k))) | (word8(self.b, 0) << (8 * k))
        } else {
            let head = le_bytes(self.a.get(at..).unwrap_or(&[]));
            let tail = le_bytes(self.b.get(..width.saturating_sub(k)).unwrap_or(&[]));
            head | tail.checked_shl(8 * k as u32).unwrap_or(0)
        }
    }

    #[inline(always)]
    fn byte(&self, at: usize) -> u8 {
        let na = self.a.len();
        if at < na {
            self.a.get(at).copied().unwrap_or(0)
        } else {
            self.b.get(at - na).copied().unwrap_or(0)
        }
    }

    /// XXH3's `mix16B` of the 16 bytes at `at`, with the secret's 16 bytes at `secret` (seed 0).
    #[inline(always)]
    fn mix16(&self, at: usize, secret: usize) -> u64 {
        xxh3::mul128_fold64(self.u64_at(at) ^ xxh3::secret64(secret), self.u64_at(at + 8) ^ xxh3::secret64(secret + 8))
    }
}

/// The constants and mixing steps of XXH3 for short inputs (the xxHash specification).
mod xxh3 {
    use crate::bytes::word8;

    pub const PRIME64_1: u64 = 0x9E37_79B1_85EB_CA87;
    const PRIME64_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const PRIME64_3: u64 = 0x1656_67B1_9E37_79F9;
    const PRIME64_4: u64 = 0x85EB_CA77_C2B2_AE63;
    const PRIME64_5: u64 = 0x27D4_EB2F_1656_67C5;
    const PRIME32_1: u64 = 0x9E37_79B1;
    const PRIME32_2: u64 = 0x85EB_CA77;
    const PRIME32_3: u64 = 0xC2B2_AE3D;
    const PRIME_MX1: u64 = 0x1656_6791_9E37_79F9;
    const PRIME_MX2: u64 = 0x9FB2_1C65_1E98_DF25;

    /// The default secret (`kSecret`, 192 bytes; inputs of up to 128 bytes use the first 128).
    const SECRET: [u8; 192] = [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c, //
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f, //
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21, //
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c, //
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3, //
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8, //
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d, //
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64, //
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb, //
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e, //
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce, //
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ];

    /// The secret's 8 bytes at `at` (little-endian); constant-folded at every use.
    #[inline(always)]
    pub fn secret64(at: usize) -> u64 {
        crate::bytes::word8(&SECRET, at)
    }

    #[inline(always)]
    pub fn secret32(at: usize) -> u32 {
        crate::bytes::word4(&SECRET, at)
    }

    /// The 128-bit product of `a` and `b`, its halves XOR-ed.
    #[inline(always)]
    pub fn mul128_fold64(a: u64, b: u64) -> u64 {
        #[cfg(target_arch = "wasm32")]
        {
            mul128_fold64_halves(a, b)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let p = u128::from(a) * u128::from(b);
            (p as u64) ^ ((p >> 64) as u64)
        }
    }

    /// [`mul128_fold64`] from four 32 × 32-bit products: a `u128` product is a library call on
    /// wasm32 (`__multi3`, a full 128 × 128-bit multiply), these are four `i64.mul`. Written as sums
    /// of 32-bit pieces: LLVM recognises the textbook "ladder" form (`cross = (ll >> 32) + (lh & M) +
    /// hl`) as a 128-bit multiply and turns it back into `__multi3`; this form it does not.
    #[inline(always)]
    #[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
    pub fn mul128_fold64_halves(a: u64, b: u64) -> u64 {
        let (a0, a1) = (a as u32, (a >> 32) as u32);
        let (b0, b1) = (b as u32, (b >> 32) as u32);
        let p00 = u64::from(a0) * u64::from(b0);
        let p01 = u64::from(a0) * u64::from(b1);
        let p10 = u64::from(a1) * u64::from(b0);
        let p11 = u64::from(a1) * u64::from(b1);
        // bits 32..96 of the product: below 3 * 2^32
        let mid = (p00 >> 32) + (p01 & 0xFFFF_FFFF) + (p10 & 0xFFFF_FFFF);
        let lower = (mid << 32) | (p00 & 0xFFFF_FFFF);
        let upper = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
        lower ^ upper
    }

    #[inline(always)]
    pub fn avalanche(mut h: u64) -> u64 {
        h ^= h >> 37;
        h = h.wrapping_mul(PRIME_MX1);
        h ^ (h >> 32)
    }

    #[inline(always)]
    pub fn xxh64_avalanche(mut h: u64) -> u64 {
        h ^= h >> 33;
        h = h.wrapping_mul(PRIME64_2);
        h ^= h >> 29;
        h = h.wrapping_mul(PRIME64_3);
        h ^ (h >> 32)
    }

    /// XXH3's path for an input of `n` = 9 to 16 bytes, from its first and its last 8 bytes.
    #[inline(always)]
    pub fn len_9to16(first: u64, last: u64, n: u64) -> u64 {
        len_9to16_by(first, last, n, mul128_fold64)
    }

    /// [`len_9to16`] with the multiply `mul` ([`mul128_fold64`] inline, or [`fold`], out of line).
    #[inline(always)]
    pub fn len_9to16_by(first: u64, last: u64, n: u64, mul: fn(u64, u64) -> u64) -> u64 {
        let lo = first ^ (secret64(24) ^ secret64(32));
        let hi = last ^ (secret64(40) ^ secret64(48));
        avalanche(n.wrapping_add(lo.swap_bytes()).wrapping_add(hi).wrapping_add(mul(lo, hi)))
    }

    /// XXH3's path for an input of `n` = 1 to 3 bytes, from its first, middle (at `n / 2`) and last byte.
    #[inline(always)]
    pub fn len_1to3(c1: u8, c2: u8, c3: u8, n: u32) -> u64 {
        let combined = (u32::from(c1) << 16) | (u32::from(c2) << 24) | u32::from(c3) | (n << 8);
        xxh64_avalanche(u64::from(combined) ^ u64::from(secret32(0) ^ secret32(4)))
    }

    /// XXH3's hash of the empty input.
    #[inline(always)]
    pub fn len_0() -> u64 {
        xxh64_avalanche(secret64(56) ^ secret64(64))
    }

    /// XXH3's path for an input of `n` = 4 to 8 bytes, from its first and its last 4 bytes.
    #[inline(always)]
    pub fn len_4to8(first: u32, last: u32, n: u64) -> u64 {
        let keyed = u64::from(last).wrapping_add(u64::from(first) << 32) ^ (secret64(8) ^ secret64(16));
        rrmxmx(keyed, n)
    }

    /// `mix16B` of the 16 bytes of `input` at `at` with the secret's 16 bytes at `secret` (seed 0).
    #[inline(always)]
    fn mix16(input: &[u8], at: usize, secret: usize) -> u64 {
        fold(word8(input, at) ^ secret64(secret), word8(input, at + 8) ^ secret64(secret + 8))
    }

    /// [`mul128_fold64`] out of line, for the paths of long inputs (rare: one copy of its four
    /// multiplications rather than one per use).
    #[inline(never)]
    pub fn fold(a: u64, b: u64) -> u64 {
        mul128_fold64(a, b)
    }

    /// XXH3-64 of 129 to 240 bytes: 16-byte blocks, the first 8 with the secret's first 128 bytes,
    /// the rest from its byte 3, the last 16 bytes with its bytes 119 to 135.
    #[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
    pub fn len_129to240(input: &[u8]) -> u64 {
        let len = input.len();
        let mut acc = (len as u64).wrapping_mul(PRIME64_1);
        for i in 0..8 {
            acc = acc.wrapping_add(mix16(input, 16 * i, 16 * i));
        }
        acc = avalanche(acc);
        for i in 8..len / 16 {
            acc = acc.wrapping_add(mix16(input, 16 * i, 16 * (i - 8) + 3));
        }
        avalanche(acc.wrapping_add(mix16(input, len.saturating_sub(16), 136 - 17)))
    }

    /// XXH3-64 of more than 240 bytes: 64-byte stripes into 8 accumulators, stripe `s` with the
    /// secret's bytes from `8 × (s mod 16)`, the accumulators scrambled after every 16 stripes (a
    /// block); then the last 64 bytes with the secret's bytes from 121, and the accumulators merged.
    /// The reference's blocks, partial block and last stripe in one loop: a stripe's place in its block
    /// is `s mod 16`, and only a whole block reaches place 15.
    #[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
    pub fn long(input: &[u8]) -> u64 {
        let len = input.len();
        let mut acc = [PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3, PRIME64_4, PRIME32_2, PRIME64_5, PRIME32_1];
        let stripes = len.saturating_sub(1) / 64;
        for s in 0..=stripes {
            // stripe `stripes` is the last 64 bytes, with its own part of the secret
            let (at, secret) = if s < stripes { (64 * s, 8 * (s % 16)) } else { (len.saturating_sub(64), 192 - 64 - 7) };
            for i in 0..8 {
                let v = word8(input, at + 8 * i);
                let k = v ^ secret64(secret + 8 * i);
                acc[i ^ 1] = acc[i ^ 1].wrapping_add(v);
                acc[i] = acc[i].wrapping_add((k & 0xFFFF_FFFF).wrapping_mul(k >> 32));
            }
            if s % 16 == 15 && s < stripes {
                for (i, a) in acc.iter_mut().enumerate() {
                    *a = (*a ^ (*a >> 47) ^ secret64(128 + 8 * i)).wrapping_mul(PRIME32_1);
                }
            }
        }
        let mut h = (len as u64).wrapping_mul(PRIME64_1);
        for i in 0..4 {
            h = h.wrapping_add(fold(acc[2 * i] ^ secret64(11 + 16 * i), acc[2 * i + 1] ^ secret64(19 + 16 * i)));
        }
        avalanche(h)
    }

    #[inline(always)]
    pub fn rrmxmx(mut h: u64, len: u64) -> u64 {
        h ^= h.rotate_left(49) ^ h.rotate_left(24);
        h = h.wrapping_mul(PRIME_MX2);
        h ^= (h >> 35).wrapping_add(len);
        h = h.wrapping_mul(PRIME_MX2);
        h ^ (h >> 28)
    }
}

/// The bucket of `unit` for `salt`.
///
/// ```
/// let b = edgeflag::bucket::bucket("new-checkout", "user-1");
/// assert!(b < edgeflag::bucket::BUCKETS);
/// assert_eq!(b, edgeflag::bucket::bucket("new-checkout", "user-1"));
/// ```
pub fn bucket(salt: &str, unit: &str) -> u32 {
    let mut prefix = Vec::with_capacity(salt.len() + 1);
    prefix.extend_from_slice(salt.as_bytes());
    prefix.push(b':');
    bucket_with_prefix(&prefix, unit.as_bytes())
}

/// The hash of a key in a segment's hashed lists (`includeHashed`/`excludeHashed`, an extension):
/// XXH3-64 (seed 0) of the UTF-8 bytes of `salt + ":" + key`. `salt` is the segment's `hashSalt`,
/// by default the segment key. The engine computes the same hash when it checks membership.
///
/// ```
/// assert_eq!(edgeflag::bucket::segment_key_hash("vip-customers", "user-chen"), 0xe30ac2b352c71a61);
/// ```
pub fn segment_key_hash(salt: &str, key: &str) -> u64 {
    let mut input = Vec::with_capacity(salt.len() + 1 + key.len());
    input.extend_from_slice(salt.as_bytes());
    input.push(b':');
    input.extend_from_slice(key.as_bytes());
    xxh3_64(&input)
}

/// [`segment_key_hash`] written as a hashed-list entry: 16 lower-case hex digits, zero-padded.
///
/// ```
/// assert_eq!(edgeflag::bucket::segment_key_hash_hex("vip-customers", "42"), "c17f09ca84e5a2e6");
/// ```
pub fn segment_key_hash_hex(salt: &str, key: &str) -> String {
    format!("{:016x}", segment_key_hash(salt, key))
}

/// Writes an integer unit in decimal into `buf`, returning the digits (no allocation).
pub fn integer_unit(v: i64, buf: &mut [u8; 24]) -> &[u8] {
    let neg = v < 0;
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Buckets covered by a percent given in thousandths of a percent (`10.5 %` → 10500): the same number.
/// Kept as a function to document the unit: a percent `p` covers `p × 1000` buckets.
#[inline]
pub fn buckets_for_thousandths(thousandths: u32) -> u32 {
    thousandths.min(BUCKETS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_units() {
        let mut b = [0u8; 24];
        assert_eq!(integer_unit(42, &mut b), b"42");
        assert_eq!(integer_unit(0, &mut b), b"0");
        assert_eq!(integer_unit(-7, &mut b), b"-7");
        assert_eq!(integer_unit(i64::MIN, &mut b), b"-9223372036854775808");
        assert_eq!(integer_unit(9007199254740992, &mut b), b"9007199254740992");
    }

    #[test]
    fn long_inputs_match_short_path() {
        let unit = "x".repeat(1000);
        let mut whole = b"salt:".to_vec();
        whole.extend_from_slice(unit.as_bytes());
        assert_eq!(bucket("salt", &unit), bucket_of_bytes(&whole));
        assert_eq!(bucket_with_prefix(b"s:", b"u"), bucket_of_bytes(b"s:u"));
    }

    #[test]
    fn segment_key_hash_agrees_with_the_engine() {
        // The CLI (`edgeflag build --hash-segments`) writes entries with `segment_key_hash`; the engine
        // checks membership with `eval::segment_hash` over the compiled `salt:` prefix. They must agree.
        for (salt, key) in [("vip-customers", "user-chen"), ("vip-customers", "42"), ("", "k"), ("s", ""), ("ü", "日本")] {
            let prefix = format!("{salt}:");
            assert_eq!(segment_key_hash(salt, key), crate::eval::segment_hash(prefix.as_bytes(), key.as_bytes()), "{salt}:{key}");
        }
        let long = "x".repeat(400);
        assert_eq!(segment_key_hash("seg", &long), crate::eval::segment_hash(b"seg:", long.as_bytes()));
        // The spec's examples (docs/snapshot-format.md, section 12).
        assert_eq!(segment_key_hash_hex("vip-customers", "user-chen"), "e30ac2b352c71a61");
        assert_eq!(segment_key_hash_hex("vip-customers", "42"), "c17f09ca84e5a2e6");
        assert_eq!(segment_key_hash_hex("s", "k").len(), 16);
    }

    #[test]
    fn prefixed_bucket_is_the_bucket_of_the_joined_bytes_for_every_split() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for n in (0..=80).chain([128, 129, 255, 256, 257, 300]) {
            for k in 0..=n {
                let (a, b) = bytes[..n].split_at(k);
                assert_eq!(bucket_with_prefix(a, b), bucket_of_bytes(&bytes[..n]), "{k} + {}", n - k);
            }
        }
        for n in 17..=32 {
            for k in 8..=n - 8 {
                let (a, b) = bytes[..n].split_at(k);
                assert_eq!(xxh3_17to32_joined(a, b), xxh3_64(&bytes[..n]), "{k} + {}", n - k);
            }
        }
        assert_eq!(xxh3_17to32_joined(&bytes[..7], &bytes[7..20]), 0);
        let mut buf = [7u8; 64];
        put(&mut buf, 60, &bytes[..5]); // would not fit: nothing copied
        assert_eq!(buf, [7u8; 64]);
    }

    #[test]
    fn joined_hash_is_xxh3_for_every_length_and_split() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..4 {
            let bytes: Vec<u8> = (0..=SHORT_INPUT).map(|_| if round == 0 { 0xff } else { next() as u8 }).collect();
            for len in 0..=SHORT_INPUT {
                let whole = &bytes[..len];
                let want = xxh3_64(whole);
                for split in 0..=len {
                    let (a, b) = whole.split_at(split);
                    assert_eq!(xxh3_joined(a, b), want, "length {len}, split {split}, round {round}");
                }
            }
        }
        assert_eq!(xxh3_joined(&[1; 100], &[2; 29]), 0, "over 128 bytes: not hashed here");
        // every length through bucket_with_prefix, across the 128- and 256-byte boundaries
        for len in 0..300usize {
            let unit: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let mut whole = b"flag-salt:".to_vec();
            whole.extend_from_slice(&unit);
            assert_eq!(bucket_with_prefix(b"flag-salt:", &unit), bucket_of_bytes(&whole), "unit length {len}");
        }
    }

    #[test]
    fn compact_xxh3_is_the_reference_for_every_length() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let bytes: Vec<u8> = (0..4201)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for len in (0..=2100).chain([2111, 3071, 3072, 3073, 4096, 4097, 4200]) {
            for (start, slice) in [(0, &bytes[..]), (1, &bytes[..]), (0, &[0xffu8; 4201][..])] {
                let input = &slice[start..start + len];
                assert_eq!(xxh3_compact(input), xxhash_rust::xxh3::xxh3_64(input), "length {len}, from {start}");
            }
        }
    }

    #[test]
    fn mul128_from_halves_is_the_128_bit_product() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let edge = [0, 1, u64::MAX, u64::MAX - 1, 1 << 63, (1 << 32) - 1, 1 << 32, 0xFFFF_FFFF_0000_0000];
        for a in edge {
            for b in edge {
                let p = u128::from(a) * u128::from(b);
                assert_eq!(xxh3::mul128_fold64_halves(a, b), (p as u64) ^ ((p >> 64) as u64), "{a} {b}");
            }
        }
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let y = x.rotate_left(17) ^ 0x5555;
            let p = u128::from(x) * u128::from(y);
            assert_eq!(xxh3::mul128_fold64_halves(x, y), (p as u64) ^ ((p >> 64) as u64));
            assert_eq!(xxh3::mul128_fold64(x, y), (p as u64) ^ ((p >> 64) as u64));
        }
    }

    #[test]
    fn scale_is_the_128_bit_product() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for h in [0, 1, u64::MAX, u64::MAX - 1, 1 << 63, (1 << 32) - 1, 1 << 32] {
            assert_eq!(scale(h), ((u128::from(h) * 100_000) >> 64) as u32, "{h}");
        }
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            assert_eq!(scale(x), ((u128::from(x) * 100_000) >> 64) as u32, "{x}");
        }
    }

    #[test]
    fn range() {
        for i in 0..10_000 {
            assert!(bucket("f", &i.to_string()) < BUCKETS);
        }
    }
}
