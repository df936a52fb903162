//! CIDR blocks and IP addresses for the `in_cidr` operator.
//!
//! - A block is `address/prefix`; the prefix is required, decimal without
//!   leading zeros (`0` itself is fine), `0`–`32` for IPv4 and `0`–`128` for
//!   IPv6. Host bits are ignored: they are masked off at parse, so
//!   `10.1.2.3/8` is the block `10.0.0.0/8`.
//! - Addresses follow the strict rules of `core::net`'s parsers (our own
//!   parser below, smaller in the wasm build, tested against `core::net` on
//!   many inputs): dotted-quad IPv4 without leading zeros (`01.2.3.4` is
//!   rejected), the RFC 4291 text forms of IPv6 (`::` for one or more zero
//!   groups, groups of 1–4 hex digits, an embedded dotted quad in the last two
//!   groups), no zone ids (`fe80::1%eth0`), no brackets, no whitespace.
//! - Families never mix: an IPv4 address only matches IPv4 blocks, an IPv6
//!   address only IPv6 blocks. In particular an IPv4-mapped IPv6 address
//!   (`::ffff:1.2.3.4`) does not match `1.2.3.0/24`.
//!
//! [`Cidr::contains`] is a mask-and-compare: no allocation, no branching on
//! input beyond the family.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 address block.
///
/// Invariants for values built by [`Cidr::parse`]: `prefix` is at most 32
/// (V4) or 128 (V6) and every host bit of `network` (below the prefix) is
/// zero. The fields are public, so [`Cidr::contains`] and `Display` stay total
/// on values that break this: a larger prefix acts as the full length, and
/// host bits of `network` are ignored when matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cidr {
    /// An IPv4 block.
    V4 {
        /// The network address as a big-endian `u32` (`10.0.0.0` = `0x0A00_0000`).
        network: u32,
        /// The number of leading bits that must match, 0–32.
        prefix: u8,
    },
    /// An IPv6 block.
    V6 {
        /// The network address as a big-endian `u128`.
        network: u128,
        /// The number of leading bits that must match, 0–128.
        prefix: u8,
    },
}

impl Cidr {
    /// Parses `address/prefix`; `None` when either half is invalid or the
    /// prefix is out of range for the address family.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = crate::split::split_once(s, b'/')?;
        let prefix = parse_prefix(prefix)?;
        match parse_ip(addr)? {
            IpAddr::V4(a) if prefix <= 32 => Some(Cidr::V4 {
                network: u32::from(a) & mask_v4(prefix),
                prefix,
            }),
            IpAddr::V6(a) if prefix <= 128 => Some(Cidr::V6 {
                network: u128::from(a) & mask_v6(prefix),
                prefix,
            }),
            _ => None,
        }
    }

    /// True when `addr` lies in this block. Addresses of the other family
    /// never match (IPv4-mapped IPv6 addresses included).
    pub fn contains(&self, addr: &IpAddr) -> bool {
        match (*self, *addr) {
            (Cidr::V4 { network, prefix }, IpAddr::V4(a)) => {
                (u32::from(a) ^ network) & mask_v4(prefix) == 0
            }
            (Cidr::V6 { network, prefix }, IpAddr::V6(a)) => {
                (u128::from(a) ^ network) & mask_v6(prefix) == 0
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    /// Writes the canonical form: the network address (IPv6 per RFC 5952),
    /// `/`, the prefix, e.g. `10.0.0.0/8` or `2001:db8::/32`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Cidr::V4 { network, prefix } => write!(f, "{}/{}", Ipv4Addr::from(network), prefix),
            Cidr::V6 { network, prefix } => write!(f, "{}/{}", Ipv6Addr::from(network), prefix),
        }
    }
}

/// Parses an IPv4 or IPv6 address with the strict `core::net` rules
/// (see the module documentation); `None` when invalid. Accepts exactly what
/// `s.parse::<IpAddr>()` accepts, with the same result.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let b = s.as_bytes();
    if let Some((v4, end)) = read_v4(b, 0) {
        // No IPv6 address starts with a whole dotted quad, so this is final.
        return (end == b.len()).then(|| IpAddr::V4(Ipv4Addr::from(v4)));
    }
    let mut head = [0u16; 8];
    let (n, embedded_v4, mut i) = read_groups(b, 0, &mut head);
    if n < 8 {
        // A dotted quad only ends an address; `::` stands for at least one group.
        if embedded_v4 || b.get(i..i + 2) != Some(b"::") {
            return None;
        }
        let mut tail = [0u16; 7];
        let (t, _, end) = read_groups(b, i + 2, tail.get_mut(..7 - n)?);
        i = end;
        head.get_mut(8 - t..)?.copy_from_slice(tail.get(..t)?);
    }
    if i != b.len() {
        return None;
    }
    let bits = head.iter().fold(0u128, |acc, &g| acc << 16 | u128::from(g));
    Some(IpAddr::V6(Ipv6Addr::from(bits)))
}

/// Reads a dotted quad at `b[i..]`: four decimal octets, each 1–3 digits, at
/// most 255, no leading zero. Returns the address and the index after it.
fn read_v4(b: &[u8], mut i: usize) -> Option<(u32, usize)> {
    let mut addr: u32 = 0;
    for k in 0..4 {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let mut octet: u32 = 0;
        let mut n = 0;
        while let Some(d @ b'0'..=b'9') = b.get(i + n).copied() {
            octet = octet * 10 + u32::from(d - b'0');
            n += 1;
            if n == 3 {
                break;
            }
        }
        if n == 0 || octet > 255 || (n > 1 && b.get(i) == Some(&b'0')) {
            return None;
        }
        addr = addr << 8 | octet;
        i += n;
    }
    Some((addr, i))
}

/// Reads up to `groups.len()` IPv6 groups separated by `:` at `b[i..]`, as
/// `core::net` does: each group is 1–4 hex digits, and where two groups are
/// left a dotted quad may fill both and end the run. Stops before the first
/// group (with its `:`) that cannot be read. Returns the groups read, whether
/// a dotted quad ended them, and the index after the last one.
fn read_groups(b: &[u8], mut i: usize, groups: &mut [u16]) -> (usize, bool, usize) {
    let limit = groups.len();
    for k in 0..limit {
        let start = if k == 0 {
            i
        } else if b.get(i) == Some(&b':') {
            i + 1
        } else {
            return (k, false, i);
        };
        if k + 1 < limit {
            if let Some((v4, end)) = read_v4(b, start) {
                if let Some(pair) = groups.get_mut(k..k + 2) {
                    pair.copy_from_slice(&[(v4 >> 16) as u16, v4 as u16]);
                    return (k + 2, true, end);
                }
            }
        }
        let mut group: u16 = 0;
        let mut n = 0;
        while n < 4 {
            let digit = match b.get(start + n) {
                Some(&d @ b'0'..=b'9') => d - b'0',
                Some(&d @ b'a'..=b'f') => d - b'a' + 10,
                Some(&d @ b'A'..=b'F') => d - b'A' + 10,
                _ => break,
            };
            group = group << 4 | u16::from(digit);
            n += 1;
        }
        if n == 0 {
            return (k, false, i);
        }
        if let Some(g) = groups.get_mut(k) {
            *g = group;
        }
        i = start + n;
    }
    (limit, false, i)
}

/// A prefix length: 1–3 ASCII digits, no leading zero unless it is `0`.
/// The family range is checked by the caller.
fn parse_prefix(s: &str) -> Option<u8> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 3 || (b.len() > 1 && b.first() == Some(&b'0')) {
        return None;
    }
    let mut v: u16 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u16::from(c - b'0');
    }
    u8::try_from(v).ok()
}

/// The IPv4 netmask of `prefix` leading one bits (prefixes above 32 act as 32).
fn mask_v4(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32u32.saturating_sub(u32::from(prefix)))
        .unwrap_or(0)
}

/// The IPv6 netmask of `prefix` leading one bits (prefixes above 128 act as 128). Built from two
/// 64-bit halves: a `u128` shifted by a variable amount is a call (`__ashlti3`) in the wasm build.
fn mask_v6(prefix: u8) -> u128 {
    let half = |bits: u32| u64::MAX.checked_shl(64u32.saturating_sub(bits)).unwrap_or(0);
    let p = u32::from(prefix);
    (u128::from(half(p)) << 64) | u128::from(half(p.saturating_sub(64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v6_mask_from_halves_is_the_shifted_u128() {
        for prefix in 0..=u8::MAX {
            let want = u128::MAX.checked_shl(128u32.saturating_sub(u32::from(prefix))).unwrap_or(0);
            assert_eq!(mask_v6(prefix), want, "/{prefix}");
        }
    }

    /// Our parser against `core::net`'s on one input.
    fn same_as_std(s: &str) {
        assert_eq!(parse_ip(s), s.parse::<IpAddr>().ok(), "{s:?}");
    }

    #[test]
    fn ip_parser_matches_std_on_edge_cases() {
        for s in [
            "", ".", ":", "::", ":::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::8", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
            "1:2:3:4::5:6:7:8", "1::2::3", "12345::", "0000:0000:0000:0000:0000:0000:0000:0000",
            "00000::", "fFfF::AbCd", "g::", "::ffff:1.2.3.4", "::1.2.3.4", "1.2.3.4::",
            "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:1.2.3.4", "1::1.2.3.4",
            "1::2:1.2.3.4:5", "::1.2.3.4:5", "::ffff:01.2.3.4", "::ffff:1.2.3", "::ffff:256.1.1.1",
            "1.2.3.4", "01.2.3.4", "0.0.0.0", "255.255.255.255", "256.0.0.0", "1.2.3", "1.2.3.4.5",
            "1.2.3.04", "1..2.3", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/8", "fe80::1%eth0", "[::1]",
            "1.2.3.4:80", "2555.1.1.1", "1.2.3.2555", "::0.0.0.0", "::00.0.0.0", "a:b:c:d:e:f:0.0.0.0",
            "a:b:c:d:e:f:0.0.0.0:1", "::a:b:c:d:e:f:1.2.3.4", "::a:b:c:d:e:1.2.3.4", "1:2:3::4:1.2.3.4",
            "é::1", "1.2.3.４", ":1::", "1:::2", "1:2:3:4:5:6::7:8",
        ] {
            same_as_std(s);
        }
    }

    #[test]
    fn ip_parser_matches_std_on_many_inputs() {
        let mut state = 0x853C_49E6_748F_EA9Bu64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const ALPHABET: &[u8] = b"0123456789abcdefABCDEF:.:.:g/% ";
        let mut accepted = 0;
        for round in 0..200_000u32 {
            // A valid address in one of its spellings, then a few random edits.
            let r = next();
            let mut text = match round % 4 {
                0 => Ipv4Addr::from(r as u32).to_string(),
                1 => Ipv6Addr::from(u128::from(r) << (next() % 64) | u128::from(next() % 3)).to_string(),
                2 => {
                    let g: Vec<String> = (0..8).map(|k| format!("{:0w$x}", (r >> (k * 8)) & 0xFF, w = (k % 4) + 1)).collect();
                    g.join(":")
                }
                _ => format!("::ffff:{}", Ipv4Addr::from(r as u32)),
            }
            .into_bytes();
            for _ in 0..(next() % 4) {
                let pos = (next() as usize) % (text.len() + 1);
                let c = ALPHABET[(next() as usize) % ALPHABET.len()];
                match next() % 3 {
                    0 => text.insert(pos, c),
                    1 if pos < text.len() => {
                        text.remove(pos);
                    }
                    _ if pos < text.len() => text[pos] = c,
                    _ => {}
                }
            }
            let s = String::from_utf8(text).unwrap();
            same_as_std(&s);
            if parse_ip(&s).is_some() {
                accepted += 1;
            }
        }
        assert!(accepted > 50_000, "only {accepted} valid inputs generated");
        // Random short strings over the address alphabet.
        for _ in 0..200_000 {
            let len = (next() % 20) as usize;
            let s: String = (0..len).map(|_| char::from(ALPHABET[(next() as usize) % 24])).collect();
            same_as_std(&s);
        }
    }

    fn c(s: &str) -> Cidr {
        match Cidr::parse(s) {
            Some(c) => c,
            None => panic!("expected {s:?} to parse"),
        }
    }

    fn ip(s: &str) -> IpAddr {
        match parse_ip(s) {
            Some(a) => a,
            None => panic!("expected address {s:?} to parse"),
        }
    }

    #[test]
    fn parses_and_masks() {
        let cases: &[(&str, Cidr, &str)] = &[
            (
                "10.0.0.0/8",
                Cidr::V4 {
                    network: 0x0A00_0000,
                    prefix: 8,
                },
                "10.0.0.0/8",
            ),
            (
                "10.1.2.3/8",
                Cidr::V4 {
                    network: 0x0A00_0000,
                    prefix: 8,
                },
                "10.0.0.0/8",
            ),
            (
                "192.168.1.77/24",
                Cidr::V4 {
                    network: 0xC0A8_0100,
                    prefix: 24,
                },
                "192.168.1.0/24",
            ),
            (
                "1.2.3.4/32",
                Cidr::V4 {
                    network: 0x0102_0304,
                    prefix: 32,
                },
                "1.2.3.4/32",
            ),
            (
                "255.255.255.255/0",
                Cidr::V4 {
                    network: 0,
                    prefix: 0,
                },
                "0.0.0.0/0",
            ),
            (
                "0.0.0.0/0",
                Cidr::V4 {
                    network: 0,
                    prefix: 0,
                },
                "0.0.0.0/0",
            ),
            (
                "172.31.255.255/12",
                Cidr::V4 {
                    network: 0xAC10_0000,
                    prefix: 12,
                },
                "172.16.0.0/12",
            ),
            (
                "1.2.3.5/31",
                Cidr::V4 {
                    network: 0x0102_0304,
                    prefix: 31,
                },
                "1.2.3.4/31",
            ),
            (
                "2001:db8::1/32",
                Cidr::V6 {
                    network: 0x2001_0db8 << 96,
                    prefix: 32,
                },
                "2001:db8::/32",
            ),
            (
                "::/0",
                Cidr::V6 {
                    network: 0,
                    prefix: 0,
                },
                "::/0",
            ),
            (
                "ffff::/0",
                Cidr::V6 {
                    network: 0,
                    prefix: 0,
                },
                "::/0",
            ),
            (
                "::1/128",
                Cidr::V6 {
                    network: 1,
                    prefix: 128,
                },
                "::1/128",
            ),
            (
                "fe80::1:2:3:4/64",
                Cidr::V6 {
                    network: 0xfe80 << 112,
                    prefix: 64,
                },
                "fe80::/64",
            ),
            (
                "2001:DB8:0:0:0:0:0:FF/127",
                Cidr::V6 {
                    network: (0x2001_0db8 << 96) | 0xfe,
                    prefix: 127,
                },
                "2001:db8::fe/127",
            ),
            (
                "::ffff:1.2.3.4/120",
                Cidr::V6 {
                    network: 0xffff_0102_0300,
                    prefix: 120,
                },
                "::ffff:1.2.3.0/120",
            ),
        ];
        for (s, want, display) in cases {
            let got = c(s);
            assert_eq!(got, *want, "{s}");
            assert_eq!(got.to_string(), *display, "{s}");
            // the canonical form parses back to the same block
            assert_eq!(Cidr::parse(display), Some(got), "{display}");
        }
    }

    #[test]
    fn rejects_blocks() {
        let cases = [
            "",
            "/",
            "10.0.0.0",
            "10.0.0.0/",
            "/8",
            "10.0.0.0/33",
            "10.0.0.0/255",
            "10.0.0.0/256",
            "10.0.0.0/1000",
            "::/129",
            "::/256",
            "10.0.0.0/08",
            "10.0.0.0/00",
            "::/000",
            "10.0.0.0/+8",
            "10.0.0.0/-8",
            "10.0.0.0/8 ",
            " 10.0.0.0/8",
            "10.0.0.0 /8",
            "10.0.0.0/ 8",
            "10.0.0.0/8/8",
            "10.0.0.0//8",
            "10.0.0.0/8a",
            "10.0.0.0/0x8",
            "10.0.0.0/８",
            "01.0.0.0/8",
            "10.0.0.00/8",
            "10.0.0/8",
            "10/8",
            "10.0.0.0.0/8",
            "256.0.0.0/8",
            "fe80::1%eth0/64",
            "[::1]/128",
            "::1::/64",
            "2001:db8:::/48",
            "gggg::/16",
            "::ffff:01.2.3.4/128",
            "localhost/8",
        ];
        for s in cases {
            assert_eq!(Cidr::parse(s), None, "{s:?} should be rejected");
        }
    }

    #[test]
    fn addresses() {
        let ok = [
            "0.0.0.0",
            "1.2.3.4",
            "255.255.255.255",
            "::",
            "::1",
            "2001:db8::8a2e:370:7334",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
            "::ffff:1.2.3.4",
            "FE80::1",
        ];
        for s in ok {
            assert!(parse_ip(s).is_some(), "{s:?}");
        }
        let bad = [
            "",
            "01.2.3.4",
            "1.2.3.04",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.-4",
            " 1.2.3.4",
            "1.2.3.4 ",
            "0x1.2.3.4",
            "fe80::1%eth0",
            "fe80::1%1",
            "[::1]",
            ":::",
            "1:2:3:4:5:6:7:8:9",
            "1.2.3.4/32",
            "localhost",
        ];
        for s in bad {
            assert_eq!(parse_ip(s), None, "{s:?} should be rejected");
        }
    }

    #[test]
    fn membership() {
        // (block, address, expected)
        let cases = [
            ("10.0.0.0/8", "10.0.0.0", true),
            ("10.0.0.0/8", "10.255.255.255", true),
            ("10.0.0.0/8", "11.0.0.0", false),
            ("10.0.0.0/8", "9.255.255.255", false),
            ("10.1.2.3/8", "10.200.0.1", true),
            ("192.168.1.0/24", "192.168.1.255", true),
            ("192.168.1.0/24", "192.168.2.0", false),
            ("1.2.3.4/32", "1.2.3.4", true),
            ("1.2.3.4/32", "1.2.3.5", false),
            ("1.2.3.4/31", "1.2.3.5", true),
            ("1.2.3.4/31", "1.2.3.6", false),
            ("0.0.0.0/0", "255.255.255.255", true),
            ("0.0.0.0/0", "0.0.0.0", true),
            ("128.0.0.0/1", "127.255.255.255", false),
            ("128.0.0.0/1", "128.0.0.0", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::", false),
            ("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true),
            ("::1/128", "::1", true),
            ("::1/128", "::2", false),
            ("8000::/1", "7fff::", false),
            ("fe80::/10", "febf::1", true),
            ("fe80::/10", "fec0::1", false),
            // families never mix
            ("0.0.0.0/0", "::", false),
            ("0.0.0.0/0", "::ffff:1.2.3.4", false),
            ("1.2.3.0/24", "::ffff:1.2.3.4", false),
            ("1.2.3.0/24", "::1.2.3.4", false),
            ("::/0", "1.2.3.4", false),
            ("::ffff:0:0/96", "1.2.3.4", false),
            // but a mapped address matches an IPv6 block written that way
            ("::ffff:0:0/96", "::ffff:1.2.3.4", true),
            ("::ffff:1.2.3.0/120", "::ffff:1.2.3.77", true),
        ];
        for (block, addr, want) in cases {
            assert_eq!(c(block).contains(&ip(addr)), want, "{addr} in {block}");
        }
    }

    #[test]
    fn every_prefix_length() {
        let a4 = Ipv4Addr::new(0xA5, 0x5A, 0xF0, 0x0F);
        for p in 0..=32u8 {
            let block = c(&format!("{a4}/{p}"));
            assert!(block.contains(&IpAddr::V4(a4)), "/{p}");
            assert_eq!(
                block.to_string(),
                format!("{}/{p}", Ipv4Addr::from(u32::from(a4) & mask_v4(p)))
            );
            if p > 0 {
                // flipping the last bit inside the prefix leaves the block
                let flipped = u32::from(a4) ^ (1u32 << (32 - u32::from(p)));
                assert!(
                    !block.contains(&IpAddr::V4(Ipv4Addr::from(flipped))),
                    "/{p}"
                );
            }
            if p < 32 {
                // flipping the first host bit stays inside
                let flipped = u32::from(a4) ^ (1u32 << (31 - u32::from(p)));
                assert!(block.contains(&IpAddr::V4(Ipv4Addr::from(flipped))), "/{p}");
            }
        }
        let a6: Ipv6Addr = "a55a:f00f:1234:5678:9abc:def0:0fed:cba9"
            .parse()
            .expect("valid");
        for p in 0..=128u8 {
            let block = c(&format!("{a6}/{p}"));
            assert!(block.contains(&IpAddr::V6(a6)), "/{p}");
            if p > 0 {
                let flipped = u128::from(a6) ^ (1u128 << (128 - u32::from(p)));
                assert!(
                    !block.contains(&IpAddr::V6(Ipv6Addr::from(flipped))),
                    "/{p}"
                );
            }
            if p < 128 {
                let flipped = u128::from(a6) ^ (1u128 << (127 - u32::from(p)));
                assert!(block.contains(&IpAddr::V6(Ipv6Addr::from(flipped))), "/{p}");
            }
        }
    }

    #[test]
    fn hand_built_values_stay_total() {
        // Out-of-contract values (public fields) must not panic.
        let wide4 = Cidr::V4 {
            network: 0x0102_0304,
            prefix: 200,
        };
        assert!(wide4.contains(&ip("1.2.3.4")));
        assert!(!wide4.contains(&ip("1.2.3.5")));
        let dirty4 = Cidr::V4 {
            network: 0x0A01_0203,
            prefix: 8,
        };
        assert!(dirty4.contains(&ip("10.9.9.9")));
        let wide6 = Cidr::V6 {
            network: 1,
            prefix: 255,
        };
        assert!(wide6.contains(&ip("::1")));
        assert!(!wide6.contains(&ip("::2")));
        assert_eq!(wide6.to_string(), "::1/255");
    }

    #[test]
    fn prefix_parser() {
        assert_eq!(parse_prefix("0"), Some(0));
        assert_eq!(parse_prefix("9"), Some(9));
        assert_eq!(parse_prefix("32"), Some(32));
        assert_eq!(parse_prefix("128"), Some(128));
        assert_eq!(parse_prefix("255"), Some(255));
        for s in ["", "00", "01", "256", "999", "1000", "-1", "+1", "1 ", "a"] {
            assert_eq!(parse_prefix(s), None, "{s:?}");
        }
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    #[test]
    fn random_strings_never_panic() {
        const ALPHABET: &[u8] = b"0123456789abcdefABCDEF.:/%[] ";
        let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
        let probes = [
            ip("1.2.3.4"),
            ip("::ffff:1.2.3.4"),
            ip("2001:db8::1"),
            ip("::"),
        ];
        let mut accepted = 0;
        for i in 0..100_000 {
            let len = (rng.next() % 24) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rng.next();
                    if i % 5 == 0 {
                        r as u8
                    } else {
                        ALPHABET[(r % ALPHABET.len() as u64) as usize]
                    }
                })
                .collect();
            let s = String::from_utf8_lossy(&bytes);
            let _ = parse_ip(&s);
            if let Some(block) = Cidr::parse(&s) {
                accepted += 1;
                let shown = block.to_string();
                assert_eq!(Cidr::parse(&shown), Some(block), "{s:?} -> {shown}");
                for a in &probes {
                    let _ = block.contains(a);
                }
            }
        }
        // Random networks and prefixes: the block contains its own network
        // address, and Display round-trips.
        for _ in 0..20_000 {
            let r = rng.next();
            let p4 = (r % 33) as u8;
            let p6 = (r % 129) as u8;
            let v4 = Cidr::parse(&format!("{}/{p4}", Ipv4Addr::from(rng.next() as u32)));
            let v6 = Cidr::parse(&format!(
                "{}/{p6}",
                Ipv6Addr::from((u128::from(rng.next()) << 64) | u128::from(rng.next()))
            ));
            for block in [v4, v6].into_iter().flatten() {
                accepted += 1;
                let net = match block {
                    Cidr::V4 { network, .. } => IpAddr::V4(Ipv4Addr::from(network)),
                    Cidr::V6 { network, .. } => IpAddr::V6(Ipv6Addr::from(network)),
                };
                assert!(block.contains(&net));
                assert_eq!(Cidr::parse(&block.to_string()), Some(block));
            }
        }
        assert!(accepted >= 40_000);
    }
}
