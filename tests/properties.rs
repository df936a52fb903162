//! Properties of bucketing (spec §5) that every release relies on: raising a percent never removes a
//! unit (monotonic rollouts), buckets are uniform, and flags with different salts are independent.

use edgeflag::bucket::{bucket, BUCKETS};
use edgeflag::{Context, Engine, Reason};
use proptest::prelude::*;

fn percent_engine(thousandths: u32) -> Engine {
    let pct = format!("{}.{:03}", thousandths / 1000, thousandths % 1000);
    let text = format!(
        r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"on":true,"off":false}},"default":"off",
        "rules":[{{"serve":{{"variant":"on","percent":{pct}}}}}]}}}}}}"#
    );
    Engine::from_json(&text).expect("valid snapshot")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A unit in the rollout at `p1` is still in at any `p2 ≥ p1`, through the whole engine.
    #[test]
    fn rollouts_are_monotonic(unit in "\\PC{0,40}", a in 0u32..=100_000, b in 0u32..=100_000) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let ctx = Context::new(&unit);
        let in_lo = percent_engine(lo).boolean("f", &ctx, false, 0).value;
        let in_hi = percent_engine(hi).boolean("f", &ctx, false, 0).value;
        prop_assert!(!in_lo || in_hi, "unit {unit:?} in at {lo} but out at {hi}");
    }

    /// The engine includes a unit exactly when its bucket is below the percent's bucket count.
    #[test]
    fn inclusion_is_bucket_below_threshold(unit in "\\PC{0,40}", p in 0u32..=100_000) {
        let e = percent_engine(p);
        let d = e.boolean("f", &Context::new(&unit), false, 0);
        prop_assert_eq!(d.value, bucket("f", &unit) < p);
        prop_assert_eq!(d.details.reason, if d.value { Reason::Split } else { Reason::Default });
    }

    /// Integer units bucket as their decimal form.
    #[test]
    fn integer_units_are_decimal(n in -(1i64 << 53)..=(1i64 << 53)) {
        let e = percent_engine(50_000);
        let as_int = e.boolean("f", &Context::empty().with("key", n), false, 0).value;
        let as_str = e.boolean("f", &Context::new(&n.to_string()), false, 0).value;
        prop_assert_eq!(as_int, as_str);
    }

    /// Buckets are always in range.
    #[test]
    fn buckets_in_range(salt in "\\PC{0,20}", unit in "\\PC{0,40}") {
        prop_assert!(bucket(&salt, &unit) < BUCKETS);
    }
}

/// Chi-square statistic of `counts` against a uniform expectation.
fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts.iter().map(|&c| (c as f64 - expected).powi(2) / expected).sum()
}

/// 100,000 units into 100 bins of 1,000 buckets: chi-square with 99 degrees of freedom stays below
/// the 0.1 % critical value (148.23), for several salts and two unit styles.
#[test]
fn buckets_are_uniform() {
    for salt in ["new-checkout", "theme", "ü-salt", ""] {
        for style in 0..2 {
            let mut bins = [0u64; 100];
            for i in 0..100_000u64 {
                let unit = if style == 0 { format!("user-{i}") } else { format!("{:x}@example.com", i * 2_654_435_761) };
                bins[(bucket(salt, &unit) / 1000) as usize] += 1;
            }
            let x2 = chi_square(&bins);
            println!("salt {salt:?} style {style}: chi-square {x2:.1} (99 dof, critical 148.23)");
            assert!(x2 < 148.23, "salt {salt:?} style {style}: chi-square {x2}");
        }
    }
}

/// Two salts: being in a 50 % rollout of one says nothing about the other. 2×2 contingency
/// chi-square (1 degree of freedom) below the 0.1 % critical value (10.83); and the buckets of the
/// two salts are uncorrelated (|r| < 0.015 over 100,000 units).
#[test]
fn salts_are_independent() {
    let pairs = [("new-checkout", "theme"), ("a", "b"), ("flag-1", "flag-2")];
    for (s1, s2) in pairs {
        let mut table = [[0u64; 2]; 2];
        let (mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0f64, 0f64, 0f64, 0f64, 0f64);
        let n = 100_000u64;
        for i in 0..n {
            let unit = format!("user-{i}");
            let (b1, b2) = (bucket(s1, &unit), bucket(s2, &unit));
            table[(b1 < 50_000) as usize][(b2 < 50_000) as usize] += 1;
            let (x, y) = (b1 as f64, b2 as f64);
            sx += x;
            sy += y;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
        }
        let nf = n as f64;
        let rows = [table[0][0] + table[0][1], table[1][0] + table[1][1]];
        let cols = [table[0][0] + table[1][0], table[0][1] + table[1][1]];
        let mut x2 = 0.0;
        for r in 0..2 {
            for c in 0..2 {
                let e = rows[r] as f64 * cols[c] as f64 / nf;
                x2 += (table[r][c] as f64 - e).powi(2) / e;
            }
        }
        let r = (nf * sxy - sx * sy) / ((nf * sxx - sx * sx).sqrt() * (nf * syy - sy * sy).sqrt());
        println!("{s1} vs {s2}: contingency chi-square {x2:.2}, correlation {r:.4}");
        assert!(x2 < 10.83, "{s1} vs {s2}: chi-square {x2}");
        assert!(r.abs() < 0.015, "{s1} vs {s2}: correlation {r}");
    }
}

/// Flags sharing a salt bucket units identically (spec §2 `salt`).
#[test]
fn shared_salt_buckets_identically() {
    let text = r#"{"schema":1,"version":1,"flags":{
      "a":{"variants":{"on":true,"off":false},"default":"off","salt":"shared","rules":[{"serve":{"variant":"on","percent":37.5}}]},
      "b":{"variants":{"on":true,"off":false},"default":"off","salt":"shared","rules":[{"serve":{"variant":"on","percent":37.5}}]}}}"#;
    let e = Engine::from_json(text).unwrap();
    for i in 0..10_000 {
        let ctx = Context::new(&format!("u{i}"));
        assert_eq!(e.boolean("a", &ctx, false, 0).value, e.boolean("b", &ctx, false, 0).value);
    }
}
