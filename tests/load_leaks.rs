//! A load frees everything it allocated but the engine, and the engine everything it holds: measured with
//! a counting global allocator over texts whose models own memory in every place they can (escaped keys and
//! strings, operand lists, nested conditions, tree values, tags, prerequisites, split and ramp serves), loaded
//! by the one-pass load, which reuses each flag's lists for the next (`snapshot::Spare::recycle`). (Written
//! for a loader that forgot, rather than dropped, the parts of a model that own nothing, branch `loadsplit`:
//! with any part that owns memory forgotten, this test fails.)

use edgeflag::Engine;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counter is only a
// statistic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Relaxed);
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// A flag whose model owns memory everywhere (`e`: escape the strings, so that they are decoded copies).
fn flag(i: usize, e: bool) -> String {
    let s = |t: &str| if e { format!("\"\\u0020{t}\"") } else { format!("\"{t}\"") };
    let on = s("on");
    format!(
        r#""f{i}{esc}":{{"description":{d},"owner":{d},"tags":[{d},"t"],"expires":"2099-01-01","metadata":{{"a":{d},"n":1.5}},"salt":{d},
        "variants":{{{on}:{{"x":[1,{d}]}},"off":[{d}],"n":{{"v":{num}}}}},"default":{on},"offVariant":"off",
        "requires":[{req}],
        "rules":[
          {{"id":{d},"from":"2020-01-01T00:00:00Z","until":"2099-01-01T00:00:00Z","when":{{"all":[{{"not":{{"attr":{d},"op":"in","values":[{d},"b"]}}}},{{"any":[{{"segment":{seg}}},{{"attr":"plan","op":"eq","value":{d},"ignoreCase":true}}]}}]}},"serve":{on}}},
          {{"when":{{"attr":"age","op":"gte","value":{num}}},"serve":{{"variant":{on},"percent":{num},"by":{d}}}}},
          {{"serve":{{"split":[{{"variant":{on},"percent":50}},{{"variant":"off","percent":50}}],"by":{d}}}}},
          {{"serve":{{"variant":{on},"ramp":[{{"at":"2020-01-01T00:00:00Z","percent":10}},{{"at":"2021-01-01T00:00:00Z","percent":100}}],"by":"key"}}}},
          {{"serve":"off"}},
          {{"serve":{on}}}
        ]}}"#,
        esc = if e { "\\u00e9" } else { "" },
        req = if i == 0 { String::new() } else { format!(r#"{{"flag":"f0","variants":["off",{}]}}"#, if e { "\"\\u006e\"" } else { "\"n\"" }) },
        d = s("d"),
        seg = s("seg"),
        num = if e { "1.50e1" } else { "15" },
    )
}

fn text(flags: usize) -> String {
    let body: Vec<String> = (0..flags).map(|i| flag(i, i % 2 == 1)).collect();
    format!(
        r#"{{"schema":1,"version":1,"segments":{{"seg":{{"include":["u"]}}," seg":{{"include":["v"]}}}},"flags":{{{}}}}}"#,
        body.join(",")
    )
}

#[test]
fn loads_leak_nothing() {
    for t in [text(1), text(40)] {
        // (a first load: anything allocated once per process is allocated by then)
        let e = Engine::from_json(&t).expect("the text loads");
        drop(e);
        let before = LIVE.load(Relaxed);
        for _ in 0..5 {
            let e = Engine::from_json(&t).expect("the text loads");
            // (no problem, no warning: the one-pass load, which recycles each flag's model, took it)
            assert!(e.flag_count() > 0 && e.warnings().is_empty(), "{:?}", e.warnings());
            drop(e);
        }
        assert_eq!(LIVE.load(Relaxed), before, "bytes still allocated after 5 loads and drops");
    }
}
