//! What loading S3 costs natively (issue #8): time, allocations, peak and retained heap bytes, measured
//! with a counting global allocator. Prints figures; asserts nothing about time.
//!
//! S3 is the scenario of `benches/eval.rs` and `bench/scenarios/`: 1,000 boolean flags × (country `in`
//! 10 values AND `plan` `eq`, `age` `gte`, a 30 % rollout), about 347 KB of JSON.
//!
//! Run: `cargo bench --bench load_memory`.

use edgeflag::Engine;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// The system allocator, counting live bytes, their high-water mark and the number of allocations.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counters are
// only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        COUNT.fetch_add(1, Relaxed);
        grew(l.size());
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        COUNT.fetch_add(1, Relaxed);
        grew(l.size());
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        COUNT.fetch_add(1, Relaxed);
        if new >= l.size() {
            grew(new - l.size());
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        // SAFETY: forwarded as is.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

const COUNTRIES: [&str; 20] =
    ["DE", "FR", "IT", "ES", "NL", "BE", "AT", "PL", "SE", "DK", "US", "GB", "CA", "BR", "IN", "JP", "AU", "MX", "ZA", "KR"];
const PLANS: [&str; 3] = ["free", "pro", "team"];

/// S3 as `benches/eval.rs` writes it.
fn s3_json() -> String {
    let mut flags = Vec::with_capacity(1000);
    for i in 0..1000 {
        let set: Vec<String> = (0..10).map(|k| format!("\"{}\"", COUNTRIES[(i + k) % COUNTRIES.len()])).collect();
        flags.push(format!(
            r#""flag-{i:04}":{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"all":[{{"attr":"country","op":"in","values":[{}]}},{{"attr":"plan","op":"eq","value":"{}"}}]}},"serve":"on"}},{{"when":{{"attr":"age","op":"gte","value":{}}},"serve":"on"}},{{"serve":{{"variant":"on","percent":30,"by":"key"}}}}]}}"#,
            set.join(","),
            PLANS[1 + i % 2],
            20 + i % 50
        ));
    }
    format!(r#"{{"schema":1,"version":1,"flags":{{{}}}}}"#, flags.join(","))
}

fn main() {
    let text = s3_json();
    // Warm up (page faults, allocator arenas), then count one load alone.
    drop(Engine::from_json(&text).expect("S3 loads"));
    let (live0, count0) = (LIVE.load(Relaxed), COUNT.load(Relaxed));
    PEAK.store(live0, Relaxed);
    let engine = Engine::from_json(&text).expect("S3 loads");
    let retained = LIVE.load(Relaxed) - live0;
    let peak = PEAK.load(Relaxed) - live0;
    let allocations = COUNT.load(Relaxed) - count0;
    drop(engine);

    let mut times: Vec<f64> = (0..101)
        .map(|_| {
            let t = Instant::now();
            let e = Engine::from_json(black_box(&text)).expect("S3 loads");
            let dt = t.elapsed().as_secs_f64() * 1e3;
            drop(black_box(e));
            dt
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("S3 load: {} bytes of JSON", text.len());
    println!("  time (median of 101, incl. nothing else): {:.3} ms (min {:.3})", times[50], times[0]);
    println!("  allocations during one load: {allocations}");
    println!("  peak heap during the load: {peak} bytes ({:.2}× the JSON)", peak as f64 / text.len() as f64);
    println!("  retained by the engine: {retained} bytes ({:.2}× the JSON)", retained as f64 / text.len() as f64);
}
