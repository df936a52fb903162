//! Loading never panics, whatever the bytes: mutations of the example snapshots (byte flips,
//! insertions, truncations, splices) are loaded and, when they load, evaluated.

use edgeflag::{Context, Engine, LoadOptions};

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

#[test]
fn mutated_snapshots_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let seeds: Vec<Vec<u8>> = ["storefront.json", "operators.json", "segments.json"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    let ctxs = [
        Context::from_json(r#"{"key":"user-1","country":"DE","plan":"pro","email":"a@example.com","roles":["admin"],"appVersion":"2.4.0"}"#).unwrap(),
        Context::empty(),
        Context::from_json(r#"{"key":42,"country":["DE",null,{}],"ip":"10.1.2.3"}"#).unwrap(),
    ];
    let mut x = 0x2545F4914F6CDD1Du64;
    let (mut loaded, mut refused) = (0, 0);
    for i in 0..3000 {
        let mut b = seeds[i % seeds.len()].clone();
        for _ in 0..(1 + xorshift(&mut x) % 4) {
            let pos = (xorshift(&mut x) as usize) % b.len().max(1);
            match xorshift(&mut x) % 5 {
                0 if pos < b.len() => b[pos] = (xorshift(&mut x) % 256) as u8,
                0 => b.push(b'{'),
                1 => b.insert(pos.min(b.len()), b"{}[]\",:0-e.\\u"[(xorshift(&mut x) % 13) as usize]),
                2 => b.truncate(pos),
                3 => {
                    let other = &seeds[(xorshift(&mut x) as usize) % seeds.len()];
                    let start = (xorshift(&mut x) as usize) % other.len();
                    let end = (start + (xorshift(&mut x) as usize) % 200).min(other.len());
                    let at = pos.min(b.len());
                    b.splice(at..at, other[start..end].iter().copied());
                }
                _ => {
                    if pos < b.len() {
                        b.remove(pos);
                    }
                }
            }
        }
        match Engine::from_slice(&b, &LoadOptions::default()) {
            Ok(e) => {
                loaded += 1;
                let keys: Vec<String> = e.flag_keys().map(String::from).collect();
                for c in &ctxs {
                    for k in &keys {
                        let _ = e.evaluate(k, c, 1_800_000_000_000).to_json();
                        let _ = e.explain(k, c, 1_800_000_000_000).map(|t| (t.to_json(), t.to_text()));
                    }
                }
            }
            Err(err) => {
                refused += 1;
                assert!(!err.problems.is_empty());
            }
        }
    }
    println!("mutated snapshots: {loaded} loaded, {refused} refused");
    assert!(loaded > 0 && refused > 0);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    for open in ["[", "{\"a\":"] {
        let text = open.repeat(200_000);
        let err = Engine::from_json(&text).unwrap_err();
        assert_eq!(err.problems[0].path, "(root)");
    }
    // deep conditions within the JSON limit are refused by the condition depth limit
    let mut cond = String::from(r#"{"attr":"a","op":"exists"}"#);
    for _ in 0..40 {
        cond = format!(r#"{{"not":{cond}}}"#);
    }
    let snap = format!(r#"{{"schema":1,"version":1,"flags":{{"f":{{"variants":{{"a":1}},"default":"a","rules":[{{"when":{cond},"serve":"a"}}]}}}}}}"#);
    let err = Engine::from_json(&snap).unwrap_err();
    assert!(err.problems[0].message.contains("deeper than 32"), "{err}");
}
