//! Substring search for the `contains` operator (and the regex error test of `condition`) in the
//! WebAssembly build, in linear time without allocating: the two-way algorithm of Crochemore and Perrin
//! (1991), as musl's `strstr` writes it, with core's one-word byte set (a window whose last byte is not
//! in the needle is skipped whole) instead of musl's shift table. It replaces `str::contains`, whose
//! `StrSearcher` (the same algorithm, with a reverse search beside) is about 1.8 KB of the runtime
//! `.wasm` (docs/wasm-size.md). Natively `str::contains` stays (it has a SIMD path for short needles,
//! about ten times faster there). Results are those of `str::contains` (tested against it below).

/// Whether `needle` occurs in `hay`: `str::contains`.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn contains(hay: &str, needle: &str) -> bool {
    hay.contains(needle)
}

/// Whether `needle` occurs in `hay` (as `str::contains`). At most about 2 × `hay.len()` byte
/// comparisons after O(`needle.len()`) preparation; no allocation.
#[cfg(target_arch = "wasm32")]
pub(crate) fn contains(hay: &str, needle: &str) -> bool {
    find(hay.as_bytes(), needle.as_bytes())
}

/// The maximal suffix of `n` for the byte order (`greater`: the reverse order): its start and period.
fn maximal_suffix(n: &[u8], greater: bool) -> (usize, usize) {
    // `ip` of the reference code plus one (it starts at −1), so that it fits a `usize`.
    let (mut i, mut j, mut k, mut p) = (0usize, 1usize, 1usize, 1usize);
    while j + k <= n.len() {
        let (a, b) = (n[i + k - 1], n[j + k - 1]);
        if a == b {
            if k == p {
                j += p;
                k = 1;
            } else {
                k += 1;
            }
        } else if (a > b) != greater {
            j += k;
            k = 1;
            p = j - i;
        } else {
            i = j;
            j += 1;
            k = 1;
            p = 1;
        }
    }
    (i, p)
}

/// The search. `ms` below is the reference code's `ms + 1`: the length of the left half.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // natively only tested
fn find(hay: &[u8], n: &[u8]) -> bool {
    let l = n.len();
    if l == 0 {
        return true;
    }
    if l > hay.len() {
        return false;
    }
    // The critical factorization: the later of the two maximal suffixes.
    let (ms1, p1) = maximal_suffix(n, false);
    let (ms2, p2) = maximal_suffix(n, true);
    let (ms, mut p) = if ms2 > ms1 { (ms2, p2) } else { (ms1, p1) };
    // A periodic needle remembers how much of it matched (`mem`); otherwise the shift is large.
    let mem0 = if n.get(p..p + ms) == n.get(..ms) {
        l - p
    } else {
        p = ms.saturating_sub(1).max(l - ms) + 1;
        0
    };
    // Bit `b & 63` for each byte `b` of the needle.
    let byteset = n.iter().fold(0u64, |set, &b| set | 1 << (b & 63));
    let mut mem = 0;
    let mut h = 0;
    while h + l <= hay.len() {
        let w = &hay[h..h + l];
        // No occurrence holds a byte the needle lacks: none starts in this window.
        if byteset >> (w[l - 1] & 63) & 1 == 0 {
            h += l;
            mem = 0;
            continue;
        }
        // The right half, from the left.
        let mut k = ms.max(mem);
        while k < l && n[k] == w[k] {
            k += 1;
        }
        if k < l {
            h += k + 1 - ms;
            mem = 0;
            continue;
        }
        // The left half, from the right.
        let mut k = ms;
        while k > mem && n[k - 1] == w[k - 1] {
            k -= 1;
        }
        if k <= mem {
            return true;
        }
        h += p;
        mem = mem0;
    }
    false
}

#[cfg(test)]
mod tests {
    /// The search under test (natively `contains` is `str::contains`).
    fn contains(hay: &str, needle: &str) -> bool {
        super::find(hay.as_bytes(), needle.as_bytes())
    }

    /// Every pair of strings over `{a, b}` (and `{a, b, c}`) up to a length, against `str::contains`.
    #[test]
    fn same_as_str_contains_exhaustively() {
        fn all(alphabet: &[u8], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                let mut next = Vec::new();
                for s in &last {
                    for &c in alphabet {
                        let mut t = s.clone();
                        t.push(char::from(c));
                        next.push(t);
                    }
                }
                out.extend(next.iter().cloned());
                last = next;
            }
            out
        }
        for (alphabet, hay_max, needle_max) in [(&b"ab"[..], 10, 7), (&b"abc"[..], 6, 5)] {
            let hays = all(alphabet, hay_max);
            let needles = all(alphabet, needle_max);
            for h in &hays {
                for n in &needles {
                    assert_eq!(contains(h, n), h.contains(n.as_str()), "{h:?} contains {n:?}");
                }
            }
        }
    }

    #[test]
    fn longer_texts() {
        // Knuth's MMIX linear congruential generator, its high bits.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            x >> 33
        };
        for _ in 0..20_000 {
            let hl = (next() % 200) as usize;
            let h: String = (0..hl).map(|_| char::from(b"aab"[(next() % 3) as usize])).collect();
            let (a, b) = ((next() % 201) as usize, (next() % 40) as usize);
            let from_hay = h.get(a.min(hl)..(a + b).min(hl)).unwrap_or("").to_string();
            let random: String = (0..b).map(|_| char::from(b"ab"[(next() % 2) as usize])).collect();
            for n in [from_hay, random] {
                assert_eq!(contains(&h, &n), h.contains(n.as_str()), "{h:?} contains {n:?}");
            }
        }
        assert!(contains("ünïcödé", "ïcö"));
        assert!(!contains("ünïcödé", "ïco"));
        assert!(contains("size limit exceeded", "size limit"));
    }

    /// Linear time: a needle and haystack that make a naive search quadratic.
    #[test]
    fn linear_on_adversarial_input() {
        let hay = "a".repeat(200_000);
        let needle = format!("{}b", "a".repeat(100_000));
        assert!(!contains(&hay, &needle));
        let needle = format!("b{}", "a".repeat(100_000));
        assert!(!contains(&hay, &needle));
        let hay = "ab".repeat(100_000);
        assert!(contains(&hay, &"ab".repeat(50_000)));
        assert!(!contains(&hay, &format!("{}b", "ab".repeat(50_000))));
    }
}
