//! Bucketing (spec §5): which of 100,000 buckets a unit falls in for a flag's salt.
//!
//! `bucket = (XXH3-64(salt ":" unit) × 100000) >> 64`, computed in 128 bits, so every bucket is an
//! integer in `[0, 100000)`, each 0.001 % of units. A percent `p` covers `round(p × 1000)` buckets.
//! These functions are exact and portable: the published vectors in `tests/vectors/bucketing.json`
//! hold every implementation (Rust, wasm, other languages) to the same numbers.

use xxhash_rust::xxh3::xxh3_64;

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
/// Does not allocate for inputs up to 256 bytes.
#[inline]
pub fn bucket_with_prefix(prefix: &[u8], unit: &[u8]) -> u32 {
    let n = prefix.len() + unit.len();
    if n <= 64 {
        let mut buf = [0u8; 64];
        buf[..prefix.len()].copy_from_slice(prefix);
        buf[prefix.len()..n].copy_from_slice(unit);
        bucket_of_bytes(&buf[..n])
    } else if n <= 256 {
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
