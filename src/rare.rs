//! The operands of the rare operators `semver_*` and `in_cidr`: one [`Set`] per condition, filled at load
//! and tested against attributes.
//!
//! Natively a set holds the parsed versions ([`crate::semver`]) or blocks ([`crate::cidr`]). The
//! WebAssembly runtime carries neither parser: most snapshots (and every browser app that does not target
//! app versions or IP addresses) never use them, so, like `matches` ([`crate::regex`]), they live in the
//! operators module (`regex-module/` → `www/pkg/edgeflag_regex.wasm`, the same files `src/semver.rs` and
//! `src/cidr.rs`), loaded on demand: a [`Set`] is a handle into it, released on drop, and a test hands it
//! the attribute's text. The module says only whether an operand is valid; the load's problems (their
//! paths and messages) are written by `condition` from the operand's text, as natively, so both builds
//! accept and refuse the same texts with the same problems (docs/ARCHITECTURE.md, "Rare operators on
//! demand").

/// The operator of a [`Set`]. The numbers are the operators module's kinds (`regex-module/src/lib.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum SetOp {
    SemverEq = 2,
    SemverLt = 3,
    SemverLte = 4,
    SemverGt = 5,
    SemverGte = 6,
    InCidr = 7,
}

pub(crate) use imp::Set;

#[cfg(any(not(target_arch = "wasm32"), feature = "diagnose"))]
mod imp {
    use super::SetOp;
    use crate::cidr::{parse_ip, Cidr};
    use crate::semver::{self, VersionBuf};

    /// The parsed operands of one condition.
    #[derive(Debug)]
    pub(crate) enum Set {
        /// A `semver_*` condition's versions, with its operator.
        Versions(SetOp, Vec<VersionBuf>),
        /// An `in_cidr` condition's blocks.
        Blocks(Vec<Cidr>),
    }

    impl Set {
        /// An empty set for `op`, with room for `n` operands (`None` only in the WebAssembly runtime,
        /// when the operators module is not loaded).
        pub(crate) fn new(op: SetOp, n: usize) -> Option<Set> {
            Some(if op == SetOp::InCidr { Set::Blocks(Vec::with_capacity(n)) } else { Set::Versions(op, Vec::with_capacity(n)) })
        }

        /// Parses `operand` (a version, or a CIDR block) and adds it; false when it is not one.
        pub(crate) fn add(&mut self, operand: &str) -> bool {
            match self {
                Set::Versions(_, v) => VersionBuf::parse(operand).map(|b| v.push(b)).is_some(),
                Set::Blocks(v) => Cidr::parse(operand).map(|c| v.push(c)).is_some(),
            }
        }

        /// Whether `s` compares with one of the versions as the operator says (lies in one of the
        /// blocks); `None` when `s` is not a version (an IP address).
        #[inline]
        pub(crate) fn test(&self, s: &str) -> Option<bool> {
            match self {
                Set::Versions(op, ops) => {
                    let v = semver::parse(s)?;
                    Some(semver::any_satisfies(&v, ops, *op as u32 - SetOp::SemverEq as u32))
                }
                Set::Blocks(blocks) => {
                    let ip = parse_ip(s)?;
                    Some(blocks.iter().any(|b| b.contains(&ip)))
                }
            }
        }

        /// The number of operands.
        pub(crate) fn len(&self) -> usize {
            match self {
                Set::Versions(_, v) => v.len(),
                Set::Blocks(v) => v.len(),
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", not(feature = "diagnose")))]
mod imp {
    use super::SetOp;
    use crate::regex::host;

    /// The operands of one condition: a handle into the operators module (freed on drop), and their number.
    #[derive(Debug)]
    pub(crate) struct Set(u32, u32);

    impl Set {
        /// An empty set for `op` (`n`, the number of operands, is the native build's capacity); `None` when
        /// the operators module is not loaded.
        pub(crate) fn new(op: SetOp, _n: usize) -> Option<Set> {
            match host::compile(0, 0, op as u32, 0) {
                h if h > 0 => Some(Set(h as u32, 0)),
                _ => None,
            }
        }

        /// Parses `operand` (a version, or a CIDR block) in the module and adds it; false when it is not one.
        pub(crate) fn add(&mut self, operand: &str) -> bool {
            // (any set kind: the module applies the set's own)
            let ok = host::compile(operand.as_ptr() as u32, operand.len() as u32, SetOp::SemverEq as u32, self.0) == 1;
            self.1 += ok as u32;
            ok
        }

        /// Whether `s` compares with one of the versions as the operator says (lies in one of the
        /// blocks); `None` when `s` is not a version (an IP address).
        #[inline]
        pub(crate) fn test(&self, s: &str) -> Option<bool> {
            match host::is_match(self.0, s.as_ptr() as u32, s.len() as u32) {
                2 => None,
                r => Some(r == 1),
            }
        }

        /// The number of operands.
        pub(crate) fn len(&self) -> usize {
            self.1 as usize
        }
    }

    impl Drop for Set {
        fn drop(&mut self) {
            host::free(self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_their_operator_says() {
        let mut gte = Set::new(SetOp::SemverGte, 2).unwrap();
        assert!(gte.add("2.3") && !gte.add("2.03") && !gte.add("V1"));
        assert_eq!(gte.len(), 1);
        assert_eq!(gte.test("2.3.0"), Some(true));
        assert_eq!(gte.test("2.3.0-rc.1"), Some(false));
        assert_eq!(gte.test("x"), None);
        let mut lt = Set::new(SetOp::SemverLt, 2).unwrap();
        assert_eq!(lt.test("1.0.0"), Some(false), "no operand: no match");
        assert!(lt.add("1.0.0-rc.1") && lt.add("v2.1"));
        assert_eq!(lt.test("1.0.0-beta"), Some(true));
        assert_eq!(lt.test("2.1.0"), Some(false));
        for (op, yes) in [(SetOp::SemverEq, "2.0.0+b"), (SetOp::SemverLte, "2.0.0"), (SetOp::SemverGt, "2.0.1")] {
            let mut s = Set::new(op, 1).unwrap();
            assert!(s.add("2.0.0+a"));
            assert_eq!(s.test(yes), Some(true), "{op:?}");
            assert_eq!(s.test("2.0.2"), Some(op == SetOp::SemverGt), "{op:?}");
        }
    }

    #[test]
    fn blocks_contain_addresses_of_their_family() {
        let mut c = Set::new(SetOp::InCidr, 3).unwrap();
        assert!(c.add("10.0.0.0/8") && c.add("2001:db8::/32") && !c.add("10.0.0.0/33") && !c.add("10.0.0.1"));
        assert_eq!(c.len(), 2);
        assert_eq!(c.test("10.1.2.3"), Some(true));
        assert_eq!(c.test("2001:db8::1"), Some(true));
        assert_eq!(c.test("::ffff:10.1.2.3"), Some(false));
        assert_eq!(c.test("11.0.0.1"), Some(false));
        assert_eq!(c.test("10.1.2"), None);
    }
}
