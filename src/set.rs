//! Small hash tables keyed by strings, built once at load and read on every evaluation.
//!
//! [`StrIndex`] maps strings to `u32` values (flag keys → flag indices; `in` operands; segment lists).
//! It uses open addressing over XXH3 hashes: no SipHash, no per-lookup allocation, and a compact
//! layout that keeps the wasm binary small.
//!
//! Invariants: the table length is a power of two and at least twice the number of entries, so
//! probing always finds an empty slot; `slots[i] == EMPTY` or indexes `entries`; an entry's key is
//! `keys[start..start + len]` (all keys in one string: one allocation per index, not per key).

use crate::bucket::xxh3_64;

const EMPTY: u32 = u32::MAX;

/// A read-only map from strings to `u32` values.
#[derive(Clone, Debug, Default)]
pub struct StrIndex {
    entries: Vec<Entry>,
    /// Every key, one after another.
    keys: String,
    slots: Vec<u32>,
    mask: usize,
}

/// A key (its place in `StrIndex::keys`), its value and its hash.
#[derive(Clone, Copy, Debug)]
struct Entry {
    start: u32,
    len: u32,
    value: u32,
    /// The low 32 bits of the key's hash (slot tables stay far below 2^32 slots): 16 bytes an entry.
    hash: u32,
}

/// XXH3-64 (seed 0) of a key, as `xxh3_64` gives it, with keys of 4 to 16 bytes (most flag keys)
/// hashed by [`crate::bucket::xxh3_4to16`]: `xxh3_64`'s entry serves every length and is large, and a
/// cold start's engine recompiles, on background threads that slow the load, the large functions run
/// once per flag. Where the load is lean ([`crate::LEAN_LOAD`]), keys of up to 3 bytes (a slot's path:
/// `key`, `age`) by [`crate::bucket::xxh3_0to3`], so that a usual load does not compile
/// [`crate::bucket::xxh3_joined`] (1.2 KB) for them; other keys of up to 128 bytes (a problem's path) in
/// the wasm build by `xxh3_joined` directly, not through `xxh3_64`'s entry (`xxh3_compact`, 952 B).
/// Checked against `xxh3_64` for every length.
#[inline(never)]
fn hash(key: &[u8]) -> u64 {
    let short = crate::bucket::xxh3_4to16(key).or_else(|| if crate::LEAN_LOAD { crate::bucket::xxh3_0to3(key) } else { None });
    match short {
        Some(h) => h,
        None if cfg!(target_arch = "wasm32") && key.len() <= crate::bucket::SHORT_INPUT => crate::bucket::xxh3_joined(key, &[]),
        None => xxh3_64(key),
    }
}

impl StrIndex {
    /// Builds the index. When a key repeats, the first value wins. (Generic over the iterator: the crate's
    /// own callers use [`StrIndex::of_positions`] and [`StrIndex::of_keys`], so that the wasm build has no
    /// instance of this per iterator type.)
    pub fn new<'a, I>(items: I) -> StrIndex
    where
        I: IntoIterator<Item = (&'a str, u32)>,
    {
        let items = items.into_iter();
        let mut idx = StrIndex::with_capacity(items.size_hint().0);
        for (k, v) in items {
            idx.get_or_insert(k, v);
        }
        idx
    }

    /// An empty index with room for `n` entries (filled by [`StrIndex::get_or_insert`]).
    pub fn with_capacity(n: usize) -> StrIndex {
        let mut idx = StrIndex::default();
        idx.entries.reserve(n);
        idx
    }

    /// The index of a list of (key, item) pairs: each key with its position in `items` (the first of a key
    /// written twice). The flags, segments and variants of a snapshot are such lists.
    #[inline]
    pub fn of_positions<T>(items: &[(std::borrow::Cow<'_, str>, T)]) -> StrIndex {
        let mut idx = StrIndex::with_capacity(items.len());
        for (i, (k, _)) in items.iter().enumerate() {
            idx.get_or_insert(k, i as u32);
        }
        idx
    }

    /// The index of `keys`, each with the value 0 (a set of strings: a segment's `include`, `exclude`).
    pub fn of_keys(keys: &[std::borrow::Cow<'_, str>]) -> StrIndex {
        let mut idx = StrIndex::with_capacity(keys.len());
        for k in keys {
            idx.get_or_insert(k, 0);
        }
        idx
    }

    /// The value of `key`, inserting `value` when absent (first value wins). Grows as needed.
    pub fn get_or_insert(&mut self, key: &str, value: u32) -> u32 {
        let h = hash(key.as_bytes());
        if let Some(v) = self.find(key, h) {
            return v;
        }
        if self.slots.is_empty() || (self.entries.len() + 1) * 2 > self.slots.len() {
            let cap = ((self.entries.len() + 1) * 4).max(8).next_power_of_two();
            self.slots = vec![EMPTY; cap];
            self.mask = cap - 1;
            for (i, e) in self.entries.iter().enumerate() {
                place(&mut self.slots, self.mask, e.hash as usize, i as u32);
            }
        }
        place(&mut self.slots, self.mask, h as usize, self.entries.len() as u32);
        let start = self.keys.len();
        self.keys.push_str(key);
        // Positions past 4 GiB of keys read as out of range (the key is then not found), never wrong.
        let (start, len) = (u32::try_from(start).unwrap_or(u32::MAX), u32::try_from(key.len()).unwrap_or(0));
        self.entries.push(Entry { start, len, value, hash: h as u32 });
        value
    }

    fn find(&self, key: &str, h: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mut i = (h as usize) & self.mask;
        loop {
            let s = *self.slots.get(i)?;
            if s == EMPTY {
                return None;
            }
            let e = self.entries.get(s as usize)?;
            let k = self.keys.as_bytes().get(e.start as usize..(e.start as usize).saturating_add(e.len as usize)).unwrap_or(&[]);
            if e.hash == h as u32 && crate::bytes::eq(k, key.as_bytes()) {
                return Some(e.value);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: &str) -> Option<u32> {
        if self.entries.is_empty() {
            return None;
        }
        self.find(key, hash(key.as_bytes()))
    }

    /// Whether `key` is present.
    #[inline]
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Makes room for `entries` more keys of `key_bytes` more bytes (a load that can estimate them
    /// allocates once, instead of doubling).
    pub fn reserve(&mut self, entries: usize, key_bytes: usize) {
        self.entries.reserve(entries);
        self.keys.reserve(key_bytes);
    }

    /// The bytes of all keys.
    pub fn key_bytes(&self) -> usize {
        self.keys.len()
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keys in insertion order (first occurrences).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| self.key(e))
    }

    /// The key of an entry (`""` should its place be out of range, which the invariant excludes).
    #[inline]
    fn key(&self, e: &Entry) -> &str {
        self.keys.get(e.start as usize..(e.start as usize).saturating_add(e.len as usize)).unwrap_or("")
    }
}

/// Puts entry `value` in the first empty slot from `hash & mask` on (the table is never full: twice the
/// entries at least). One probe loop for inserting and for rebuilding a grown table.
fn place(slots: &mut [u32], mask: usize, hash: usize, value: u32) {
    let mut i = hash & mask;
    while let Some(s) = slots.get_mut(i) {
        if *s == EMPTY {
            *s = value;
            return;
        }
        i = (i + 1) & mask;
    }
}

/// A set of `u64` values (hashed segment lists), sorted for binary search.
#[derive(Clone, Debug, Default)]
pub struct U64Set(Vec<u64>);

impl U64Set {
    /// Builds the set.
    pub fn new(mut v: Vec<u64>) -> U64Set {
        heapsort(&mut v);
        dedup_sorted(&mut v);
        U64Set(v)
    }

    /// Membership.
    #[inline]
    pub fn contains(&self, x: u64) -> bool {
        self.0.binary_search(&x).is_ok()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Sorts ascending with a heapsort: O(n log n) in every case, no recursion, no allocation, and one
/// small function in the wasm build where core's `sort_unstable` instantiates about 4 KB of code.
fn heapsort(v: &mut [u64]) {
    let n = v.len();
    for root in (0..n / 2).rev() {
        sift_down(v, root, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Removes the repeats of a sorted `v`, as `Vec::dedup` (whose generic code is larger in the wasm build).
fn dedup_sorted(v: &mut Vec<u64>) {
    let mut kept = 0;
    for i in 0..v.len() {
        let x = v[i];
        if kept == 0 || v[kept - 1] != x {
            v[kept] = x;
            kept += 1;
        }
    }
    v.truncate(kept);
}

/// Restores the max-heap order of `v[..end]` below `root`. Requires `root < end <= v.len()`.
fn sift_down(v: &mut [u64], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && v[child] < v[child + 1] {
            child += 1;
        }
        if v[root] >= v[child] {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_is_xxh3_for_every_length() {
        // Every length through the two short paths and past them, with bytes that vary per round.
        for len in 0..=40usize {
            for round in 0..64u8 {
                let key: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(101).wrapping_add(round.wrapping_mul(29)) ^ 0x5A).collect();
                assert_eq!(hash(&key), xxh3_64(&key), "length {len}, round {round}");
            }
        }
        assert_eq!(hash(b"flag-0001"), xxh3_64(b"flag-0001"));
    }

    #[test]
    fn heapsort_matches_std_sort() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in (0..40).chain([100, 257, 1000, 4096]) {
            for modulus in [2, 7, 1000, u64::MAX] {
                let mut v: Vec<u64> = (0..n).map(|_| next() % modulus).collect();
                let mut expected = v.clone();
                expected.sort_unstable();
                heapsort(&mut v);
                assert_eq!(v, expected, "n={n} modulus={modulus}");
            }
        }
        let mut desc: Vec<u64> = (0..500).rev().collect();
        heapsort(&mut desc);
        assert_eq!(desc, (0..500).collect::<Vec<u64>>());
    }

    #[test]
    fn u64_set_sorts_and_dedups() {
        let s = U64Set::new(vec![5, 3, 9, 3, 5, 1]);
        assert_eq!(s.0, vec![1, 3, 5, 9]);
        for x in [1, 3, 5, 9] {
            assert!(s.contains(x));
        }
        for x in [0, 2, 4, 10] {
            assert!(!s.contains(x));
        }
        for v in [vec![], vec![7], vec![7, 7, 7], vec![1, 1, 2, 3, 3, 3, 4, u64::MAX, u64::MAX]] {
            let (mut ours, mut std) = (v.clone(), v);
            dedup_sorted(&mut ours);
            std.dedup();
            assert_eq!(ours, std);
        }
    }

    #[test]
    fn lookups() {
        let keys: Vec<String> = (0..1000).map(|i| format!("flag-{i}")).collect();
        let idx = StrIndex::new(keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32)));
        assert_eq!(idx.len(), 1000);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(idx.get(k), Some(i as u32));
        }
        assert_eq!(idx.get("flag-1000"), None);
        assert_eq!(idx.get(""), None);
    }

    #[test]
    fn first_wins_and_empty() {
        let idx = StrIndex::new([("a", 1), ("a", 2), ("", 3)]);
        assert_eq!(idx.get("a"), Some(1));
        assert_eq!(idx.get(""), Some(3));
        assert_eq!(idx.len(), 2);
        let e = StrIndex::new(std::iter::empty());
        assert!(!e.contains("a"));
        assert!(StrIndex::default().get("x").is_none());
    }

    #[test]
    fn growing() {
        let mut idx = StrIndex::default();
        for i in 0..5000u32 {
            assert_eq!(idx.get_or_insert(&format!("k{i}"), i), i);
        }
        for i in 0..5000u32 {
            assert_eq!(idx.get_or_insert(&format!("k{i}"), 0), i);
            assert_eq!(idx.get(&format!("k{i}")), Some(i));
        }
        assert_eq!(idx.len(), 5000);
    }

    #[test]
    fn u64set() {
        let s = U64Set::new(vec![5, 1, 5, 9]);
        assert!(s.contains(5) && s.contains(1) && !s.contains(2));
    }
}
