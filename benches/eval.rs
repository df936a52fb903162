//! Criterion benchmarks of the core, on the scenarios of `bench/scenarios/common.js` (the same data the
//! JS benchmark gives edgeflag and its peers):
//!
//! - `s1_plain`: one boolean flag, on, no targeting, a context per call;
//! - `s2_targeted`: `country` in 10 values AND `plan == "pro"` → on, else a 30 % rollout by `key`,
//!   10,000 users rotating;
//! - `s3_load`: 1,000 flags × (targeting rule, numeric `gte` rule, 30 % rollout) loaded from JSON text;
//! - `s3_evaluate_all`: every flag of S3 for one user.
//!
//! Run: `cargo bench --bench eval` (issue #8 targets, native: S1 ≤ 20 ns, S2 ≤ 80 ns).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use edgeflag::{Context, Engine};
use std::hint::black_box;

const TARGET_COUNTRIES: [&str; 10] = ["DE", "FR", "IT", "ES", "NL", "BE", "AT", "PL", "SE", "DK"];
const OTHER_COUNTRIES: [&str; 10] = ["US", "GB", "CA", "BR", "IN", "JP", "AU", "MX", "ZA", "KR"];
const PLANS: [&str; 3] = ["free", "pro", "team"];
const USERS: usize = 10_000;
const S3_FLAGS: usize = 1_000;
/// A fixed evaluation time (none of these flags depends on it).
const NOW_MS: i64 = 1_790_000_000_000;

fn all_countries() -> Vec<&'static str> {
    TARGET_COUNTRIES.iter().chain(OTHER_COUNTRIES.iter()).copied().collect()
}

/// mulberry32, as in bench/scenarios/common.js (same seed, same users).
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x6d2b_79f5);
        let mut t = self.0;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() * xs.len() as f64) as usize]
    }
}

/// The 10,000 users of S2: `{key, country, plan, age}`.
fn users() -> Vec<Context> {
    let countries = all_countries();
    let mut r = Rng(0xed6e_f1a9);
    (0..USERS)
        .map(|i| {
            let country = r.pick(&countries);
            let plan = r.pick(&PLANS);
            let age = 18 + (r.next() * 60.0) as i64;
            Context::new(&format!("user-{i}")).with("country", country).with("plan", plan).with("age", age)
        })
        .collect()
}

fn quoted(xs: &[&str]) -> String {
    xs.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(",")
}

const ON_OFF: &str = r#""variants":{"on":true,"off":false}"#;

fn s1_json() -> String {
    format!(r#"{{"schema":1,"version":1,"flags":{{"s1-plain":{{{ON_OFF},"default":"on"}}}}}}"#)
}

fn s2_json() -> String {
    format!(
        r#"{{"schema":1,"version":1,"flags":{{"s2-targeted":{{{ON_OFF},"default":"off","rules":[{{"when":{{"all":[{{"attr":"country","op":"in","values":[{}]}},{{"attr":"plan","op":"eq","value":"pro"}}]}},"serve":"on"}},{{"serve":{{"variant":"on","percent":30,"by":"key"}}}}]}}}}}}"#,
        quoted(&TARGET_COUNTRIES)
    )
}

fn s3_json() -> String {
    let countries = all_countries();
    let mut flags = Vec::with_capacity(S3_FLAGS);
    for i in 0..S3_FLAGS {
        let set: Vec<&str> = (0..10).map(|k| countries[(i + k) % countries.len()]).collect();
        let plan = PLANS[1 + i % 2];
        let min_age = 20 + i % 50;
        flags.push(format!(
            r#""flag-{i:04}":{{{ON_OFF},"default":"off","rules":[{{"when":{{"all":[{{"attr":"country","op":"in","values":[{}]}},{{"attr":"plan","op":"eq","value":"{plan}"}}]}},"serve":"on"}},{{"when":{{"attr":"age","op":"gte","value":{min_age}}},"serve":"on"}},{{"serve":{{"variant":"on","percent":30,"by":"key"}}}}]}}"#,
            quoted(&set)
        ));
    }
    format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))
}

fn bench(c: &mut Criterion) {
    let users = users();

    let e1 = Engine::from_json(&s1_json()).expect("S1 loads");
    let mut i = 0;
    c.bench_function("s1_plain", |b| {
        b.iter(|| {
            i = (i + 1) % USERS;
            e1.boolean(black_box("s1-plain"), &users[i], false, NOW_MS).value
        })
    });

    let e2 = Engine::from_json(&s2_json()).expect("S2 loads");
    let served = users.iter().filter(|u| e2.boolean("s2-targeted", *u, false, NOW_MS).value).count();
    assert!((3_500..4_700).contains(&served), "S2 serves about 41 % of users, got {served}");
    let mut i = 0;
    c.bench_function("s2_targeted", |b| {
        b.iter(|| {
            i = (i + 1) % USERS;
            e2.boolean(black_box("s2-targeted"), &users[i], false, NOW_MS).value
        })
    });

    let s3 = s3_json();
    let mut g = c.benchmark_group("s3");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(s3.len() as u64));
    g.bench_function("load", |b| b.iter_batched(|| (), |()| Engine::from_json(black_box(&s3)).expect("S3 loads"), BatchSize::PerIteration));
    g.finish();

    let e3 = Engine::from_json(&s3).expect("S3 loads");
    let user = Context::new("user-4242").with("country", "DE").with("plan", "pro").with("age", 35i64);
    let mut g = c.benchmark_group("s3");
    g.throughput(Throughput::Elements(S3_FLAGS as u64));
    g.bench_function("evaluate_all", |b| b.iter(|| e3.evaluate_all(black_box(&user), NOW_MS).len()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
