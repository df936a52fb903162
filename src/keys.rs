//! The flag-key table of native reads: flag key → flag index, on every `Engine::boolean(key, …)`.
//!
//! The plan's [`StrIndex`](crate::set::StrIndex) hashes the key with XXH3 and then compares it with
//! the stored key through two more indirections (slot → entry → key text): ~100 instructions per
//! read, more than the rest of a constant flag's read. This table holds each key's first and last
//! 8 bytes in the slot itself, so a key of at most 16 bytes (most flag keys) is found with one
//! multiply-fold hash of those two words and one slot read, and never touches the key text.
//!
//! Invariants: the table length is a power of two, at least twice the number of keys, so probing
//! ends; a slot with `index == EMPTY` is free; a key of at most 16 bytes is equal to a stored one
//! exactly when its length and its two words are (the words are [`words`] of the key: for 8–16 bytes
//! two overlapping 8-byte windows that together cover every byte, for fewer the bytes themselves);
//! longer keys are also compared byte for byte. A key set whose probe sequences grow long
//! (adversarial keys crafted to collide) is not tabled: [`KeyTable::new`] gives `None` and callers
//! use the plan's index.

use crate::bytes::{le_bytes, word8};

const EMPTY: u32 = u32::MAX;

/// Longest probe sequence accepted when building (an ordinary key set stays far below).
const MAX_PROBE: usize = 16;

/// A key's two words: for 8 bytes or more the first and the last 8 (overlapping when shorter than
/// 16), for fewer the bytes themselves and 0.
#[inline(always)]
fn words(k: &[u8]) -> (u64, u64) {
    let n = k.len();
    if n >= 8 {
        (word8(k, 0), word8(k, n - 8))
    } else {
        (le_bytes(k), 0)
    }
}

/// The slot hash of a key: a 64×64→128-bit multiply folded, of its words (keys up to 16 bytes) or of
/// its XXH3 hash (longer keys, whose middle bytes the words do not cover).
#[inline(always)]
fn hash(k: &[u8], first: u64, last: u64) -> u64 {
    const K0: u64 = 0x9E37_79B9_7F4A_7C15;
    const K1: u64 = 0xD6E8_FEB8_6659_FD93;
    let n = k.len() as u64;
    let (a, b) = if k.len() <= 16 { (first, last) } else { (xxhash_rust::xxh3::xxh3_64(k), n) };
    let p = u128::from(a ^ K0) * u128::from(b ^ K1 ^ n.rotate_left(40));
    (p as u64) ^ ((p >> 64) as u64)
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    first: u64,
    last: u64,
    len: u32,
    index: u32,
}

const FREE: Slot = Slot { first: 0, last: 0, len: 0, index: EMPTY };

/// Flag key → flag index (see the module docs).
#[derive(Debug)]
pub(crate) struct KeyTable {
    slots: Box<[Slot]>,
    mask: usize,
}

impl KeyTable {
    /// Tables `keys` (key `i` → `i`; the first of equal keys wins). `None` when a key is 4 GiB or
    /// longer or the probe sequences grow longer than [`MAX_PROBE`].
    pub(crate) fn new<'a>(keys: impl ExactSizeIterator<Item = &'a str>, key_of: impl Fn(u32) -> &'a str) -> Option<KeyTable> {
        let cap = (keys.len().max(4) * 2).next_power_of_two();
        let mut t = KeyTable { slots: vec![FREE; cap].into_boxed_slice(), mask: cap - 1 };
        for (i, k) in keys.enumerate() {
            let k = k.as_bytes();
            let len = u32::try_from(k.len()).ok()?;
            let (first, last) = words(k);
            let mut at = (hash(k, first, last) as usize) & t.mask;
            let mut probes = 0;
            loop {
                let s = t.slots.get_mut(at)?;
                if s.index == EMPTY {
                    *s = Slot { first, last, len, index: u32::try_from(i).ok()? };
                    break;
                }
                if s.len == len && s.first == first && s.last == last && (k.len() <= 16 || key_of(s.index).as_bytes() == k) {
                    break; // a repeated key: the first wins
                }
                probes += 1;
                if probes > MAX_PROBE {
                    return None;
                }
                at = (at + 1) & t.mask;
            }
        }
        Some(t)
    }

    /// The index of `key`; `key_of(i)` is the key of index `i` (compared for keys over 16 bytes).
    #[inline(always)]
    pub(crate) fn get<'a>(&self, key: &str, key_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        let k = key.as_bytes();
        let (first, last) = words(k);
        let mut at = (hash(k, first, last) as usize) & self.mask;
        loop {
            let s = self.slots.get(at)?;
            if s.index == EMPTY {
                return None;
            }
            if s.len as usize == k.len() && s.first == first && s.last == last && (k.len() <= 16 || crate::bytes::eq(key_of(s.index).as_bytes(), k)) {
                return Some(s.index);
            }
            at = (at + 1) & self.mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(keys: &[String]) -> Option<KeyTable> {
        KeyTable::new(keys.iter().map(String::as_str), |i| keys[i as usize].as_str())
    }

    #[test]
    fn finds_every_key_and_no_other() {
        let mut keys: Vec<String> = (0..3000).map(|i| format!("flag-{i}")).collect();
        keys.extend((0..40).map(|n| "x".repeat(n)));
        keys.extend((0..200).map(|i| format!("checkout-{i:03}-enabled-in-every-region")));
        keys.push("é-ü".into());
        let t = table(&keys).expect("ordinary keys are tabled");
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(t.get(k, |i| keys[i as usize].as_str()), Some(i as u32), "{k}");
        }
        for k in ["flag-3000", "checkout-200-enabled-in-every-region", "checkout-000-enabled-in-every-regioN", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "é-u", "flag-\0"] {
            assert_eq!(t.get(k, |i| keys[i as usize].as_str()), None, "{k}");
        }
        // a difference at any position of keys of every length up to 40 is seen
        for n in 1..=40usize {
            let base: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let keys = vec![base.clone()];
            let t = table(&keys).unwrap();
            for at in 0..n {
                let mut other = base.clone().into_bytes();
                other[at] = b'Z';
                let other = String::from_utf8(other).unwrap();
                assert_eq!(t.get(&other, |i| keys[i as usize].as_str()), None, "{other}");
            }
            assert_eq!(t.get(&base, |i| keys[i as usize].as_str()), Some(0));
        }
    }

    #[test]
    fn first_wins_and_empty() {
        let keys: Vec<String> = vec!["a".into(), "a".into(), "".into()];
        let t = table(&keys).unwrap();
        assert_eq!(t.get("a", |i| keys[i as usize].as_str()), Some(0));
        assert_eq!(t.get("", |i| keys[i as usize].as_str()), Some(2));
        let none: Vec<String> = Vec::new();
        assert_eq!(table(&none).unwrap().get("a", |_| ""), None);
    }
}
