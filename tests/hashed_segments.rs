//! Hashed segment lists (`includeHashed`, `excludeHashed`, `hashSalt`; docs/snapshot-format.md §12,
//! docs/security.md): a snapshot whose lists are hashed gives exactly the memberships of the same snapshot
//! with the lists in clear, for every kind of key, and shows no listed key in its text.

use edgeflag::{Context, Engine};
use xxhash_rust::xxh3::xxh3_64;

const NOW: i64 = 1_800_000_000_000;

/// An entry of a hashed list: XXH3-64 (seed 0) of `salt + ":" + key`, 16 lower-case hex digits.
fn hashed(salt: &str, key: &str) -> String {
    format!("{:016x}", xxh3_64(format!("{salt}:{key}").as_bytes()))
}

fn list(items: &[String]) -> String {
    items.iter().map(|s| json(s)).collect::<Vec<_>>().join(",")
}

fn json(s: &str) -> String {
    let mut o = String::new();
    edgeflag::json::write_string(&mut o, s);
    o
}

/// A segment: name, hashSalt, include, exclude, when.
type Seg<'a> = (&'a str, Option<&'a str>, Vec<String>, Vec<String>, Option<&'a str>);

/// Segments in clear or hashed, and one flag per segment that serves `on` to its members.
fn snapshot(segments: &[Seg<'_>], hash: bool) -> String {
    let mut segs = Vec::new();
    let mut flags = Vec::new();
    for (name, salt, include, exclude, when) in segments {
        let s = salt.unwrap_or(name);
        let mut fields = Vec::new();
        if hash {
            let h = |v: &Vec<String>| v.iter().map(|k| hashed(s, k)).collect::<Vec<_>>();
            fields.push(format!(r#""includeHashed":[{}]"#, list(&h(include))));
            fields.push(format!(r#""excludeHashed":[{}]"#, list(&h(exclude))));
            if let Some(salt) = salt {
                fields.push(format!(r#""hashSalt":{}"#, json(salt)));
            }
        } else {
            fields.push(format!(r#""include":[{}]"#, list(include)));
            fields.push(format!(r#""exclude":[{}]"#, list(exclude)));
        }
        if let Some(w) = when {
            fields.push(format!(r#""when":{w}"#));
        }
        segs.push(format!(r#"{}:{{{}}}"#, json(name), fields.join(",")));
        flags.push(format!(
            r#"{}:{{"variants":{{"on":true,"off":false}},"default":"off","rules":[{{"when":{{"segment":{}}},"serve":"on"}}]}}"#,
            json(&format!("in-{name}")),
            json(name)
        ));
    }
    format!(r#"{{"schema":1,"version":1,"segments":{{{}}},"flags":{{{}}}}}"#, segs.join(","), flags.join(","))
}

#[test]
fn hashed_lists_give_the_same_memberships_as_clear_ones() {
    let long = "x".repeat(300); // longer than the evaluator's stack buffer for hashing
    let people: Vec<String> = ["user-ada", "user-bob", "ada@example.com", "Ünïcödé-ユーザー", "", "42", "-7", "0", long.as_str(), "a:b", "9007199254740992"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let segments = vec![
        ("beta", None, vec![people[0].clone(), people[2].clone(), people[3].clone(), people[5].clone()], vec![people[1].clone()], None),
        // An include beats an exclude; `when` decides for the rest.
        ("vip", Some("vip-2026"), vec![people[4].clone(), people[8].clone(), people[6].clone()], vec![people[0].clone(), people[8].clone()], Some(r#"{"attr":"plan","op":"eq","value":"pro"}"#)),
        // An empty salt and keys holding the separator.
        ("odd", Some(""), vec![people[9].clone(), people[10].clone(), people[7].clone()], vec![], None),
        // Nested: membership through another hashed segment.
        ("nested", None, vec![], vec![people[2].clone()], Some(r#"{"segment":"beta"}"#)),
    ];
    let clear = Engine::from_json(&snapshot(&segments, false)).unwrap();
    let hashed_text = snapshot(&segments, true);
    let hashed = Engine::from_json(&hashed_text).unwrap();

    // The hashed snapshot spells out none of the listed keys.
    for p in people.iter().filter(|p| p.len() > 2) {
        assert!(!hashed_text.contains(&json(p)), "{p} appears in clear");
    }

    let mut contexts: Vec<Context> = Vec::new();
    for p in people.iter().chain(["nobody".to_string(), "USER-ADA".to_string()].iter()) {
        contexts.push(Context::new(p));
        contexts.push(Context::new(p).with("plan", "pro"));
    }
    // Integer keys are compared in their decimal form, as units are.
    for n in ["42", "-7", "0", "-0", "9007199254740992", "42.0", "9007199254740993"] {
        contexts.push(Context::from_json(&format!(r#"{{"key":{n}}}"#)).unwrap());
    }
    contexts.push(Context::empty());
    contexts.push(Context::from_json(r#"{"key":null,"plan":"pro"}"#).unwrap());
    contexts.push(Context::from_json(r#"{"key":true}"#).unwrap());

    let mut members = 0;
    for ctx in &contexts {
        for flag in clear.flag_keys() {
            let (c, h) = (clear.evaluate(flag, ctx, NOW), hashed.evaluate(flag, ctx, NOW));
            assert_eq!(c.variant, h.variant, "{flag} for {}", ctx.to_json());
            assert_eq!(c.reason, h.reason, "{flag} for {}", ctx.to_json());
            members += usize::from(c.variant == Some("on"));
            // The explain trace says which list decided: the same one in both.
            let (tc, th) = (clear.explain(flag, ctx, NOW).unwrap().to_text(), hashed.explain(flag, ctx, NOW).unwrap().to_text());
            assert_eq!(tc.contains("include"), th.contains("include"), "{flag} for {}:\n{tc}\n{th}", ctx.to_json());
            assert_eq!(tc.contains("exclude"), th.contains("exclude"), "{flag} for {}:\n{tc}\n{th}", ctx.to_json());
        }
    }
    assert!(members >= 15, "the cases cover members and non-members ({members} memberships)");
    // Spot checks of the expected meaning.
    let on = |e: &Engine, flag: &str, ctx: &Context| e.boolean(flag, ctx, false, NOW).value;
    assert!(on(&hashed, "in-beta", &Context::new("user-ada")));
    assert!(!on(&hashed, "in-beta", &Context::new("user-bob")));
    assert!(on(&hashed, "in-beta", &Context::from_json(r#"{"key":42}"#).unwrap()));
    assert!(on(&hashed, "in-vip", &Context::new(&long)), "an include beats an exclude");
    assert!(!on(&hashed, "in-vip", &Context::new("user-ada").with("plan", "pro")), "excluded before `when`");
    assert!(on(&hashed, "in-vip", &Context::new("nobody").with("plan", "pro")));
    assert!(on(&hashed, "in-odd", &Context::new("a:b")));
    assert!(on(&hashed, "in-nested", &Context::new("user-ada")));
    assert!(!on(&hashed, "in-nested", &Context::new("ada@example.com")));
}

#[test]
fn hashed_entries_must_be_16_lowercase_hex_digits() {
    for bad in ["E30AC2B352C71A61", "e30ac2b352c71a6", "e30ac2b352c71a611", "g30ac2b352c71a61", "user-ada"] {
        let text = format!(r#"{{"schema":1,"version":1,"segments":{{"s":{{"includeHashed":["{bad}"]}}}}}}"#);
        let p = Engine::from_json(&text).unwrap_err().problems;
        assert_eq!(p[0].path, "segments.s.includeHashed[0]");
        assert!(p[0].message.contains("16 lowercase hex digits"), "{}", p[0].message);
    }
    // The documented example: vip-customers:user-chen.
    assert_eq!(hashed("vip-customers", "user-chen"), "e30ac2b352c71a61");
}
